"""Spans into the ``spans`` table on every backend, and read back for ``scriptrunner traces``."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from scriptrunner.settings import Settings
from scriptrunner.store import open_reader, open_store
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.tracing.store_exporter import StoreSpanExporter, span_row


def spans() -> list[object]:
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("t")
    root = tracer.start_span("workflow w", attributes={"scriptrunner.run_id": "r" * 32})
    from opentelemetry.trace import set_span_in_context

    child = tracer.start_span(
        "task a",
        context=set_span_in_context(root),
        attributes={"scriptrunner.args": ("x", "y"), "scriptrunner.exit_code": 1},
    )
    child.add_event("attempt.finished", {"scriptrunner.attempt": 1})
    child.set_status(Status(StatusCode.ERROR, "failed, exit 1"))
    child.end()
    root.end()
    return [child, root]


def test_span_rows_round_trip_through_the_store(empty_store_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=empty_store_url)
    store = open_store(settings)
    made = spans()
    try:
        writer = BackgroundWriter(store)  # the workflow engine's path
        writer.append_spans([span_row(made[0])])  # type: ignore[arg-type]
        writer.close()
        StoreSpanExporter(store).export([made[1]])  # type: ignore[list-item]
        store.append_spans([])
    finally:
        store.close()
    reader = open_reader(settings)
    try:
        trace_ids = reader.recent_traces()
        rows = reader.spans(trace_ids=trace_ids)
        by_run = reader.spans(run_id="r" * 32)
    finally:
        reader.close()
    assert len(trace_ids) == 1
    assert [r["name"] for r in rows] == ["workflow w", "task a"]
    root, child = rows
    assert child["parent_span_id"] == root["span_id"] and root["parent_span_id"] is None
    assert child["status"] == "error" and child["status_message"] == "failed, exit 1"
    assert child["attributes"] == {"scriptrunner.args": ["x", "y"], "scriptrunner.exit_code": 1}
    assert child["events"][0]["name"] == "attempt.finished"
    assert child["kind"] == "internal" and child["end_time"] >= child["start_time"]
    assert [r["name"] for r in by_run] == ["workflow w"]
