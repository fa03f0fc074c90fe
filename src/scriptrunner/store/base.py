"""The history store interface shared by the SQLite fast path and the SQLAlchemy backend."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from scriptrunner.events import Event


class HistoryStore(Protocol):
    """Where runs, attempts, metric samples and events are written."""

    #: A human-readable location (path or URL without password) for messages.
    where: str

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        """Insert a ``runs`` row (and its events, in the same transaction)."""
        ...

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        """Update the run's row and add its attempts, samples and events, atomically."""
        ...

    def append_event(self, event: Event) -> None: ...

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert finished trace spans (``spans`` rows, built by ``scriptrunner.tracing``)."""
        ...

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        """Set the run's attributed ``cloud_cost_usd`` (and add its events), atomically."""
        ...

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        """Insert a ``scans`` row, its ``findings`` rows and their events, atomically."""
        ...

    def close(self) -> None: ...


def event_row(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "run_id": event.run_id,
        "ts": event.ts,
        "payload": dict(event.payload),
    }


def to_json(value: Any) -> str:
    """JSON for stored values; anything unexpected becomes its string form, never an error."""
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
