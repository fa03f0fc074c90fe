"""Finished spans into the history store's ``spans`` table, so ``scriptrunner traces`` can
show a trace without any collector."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from scriptrunner.store.base import HistoryStore

_STATUS = {StatusCode.UNSET: "unset", StatusCode.OK: "ok", StatusCode.ERROR: "error"}


def _value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def span_row(span: ReadableSpan) -> dict[str, Any]:
    """The ``spans`` row of a finished span (ids as lower-case hex, times in Unix seconds)."""
    ctx = span.context
    assert ctx is not None
    attributes = {k: _value(v) for k, v in (span.attributes or {}).items()}
    run_id = attributes.get("scriptrunner.run_id")
    return {
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_span_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "run_id": str(run_id) if run_id else None,
        "name": span.name,
        "kind": span.kind.name.lower(),
        "start_time": (span.start_time or 0) / 1e9,
        "end_time": span.end_time / 1e9 if span.end_time else None,
        "status": _STATUS[span.status.status_code],
        "status_message": span.status.description,
        "attributes": attributes,
        "events": [
            {
                "name": e.name,
                "time": e.timestamp / 1e9,
                "attributes": {k: _value(v) for k, v in (e.attributes or {}).items()},
            }
            for e in span.events
        ],
    }


class StoreSpanExporter(SpanExporter):
    """A span exporter writing to a :class:`HistoryStore` (errors reach the caller's guard)."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.store.append_spans([span_row(s) for s in spans])
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass  # the store belongs to whoever opened it
