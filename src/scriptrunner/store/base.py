"""The history store interface shared by the SQLite fast path and the SQLAlchemy backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from scriptrunner.events import Event
from scriptrunner.store.rows import event_values
from scriptrunner.store.values import display_text


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

    def heartbeat(self, run_ids: Sequence[str], now: float) -> None:
        """Renew the lease of these runs: ``heartbeat_at = now`` on those still ``running``,
        in one transaction (``store.lease``).  A run that has ended, or whose row is not
        written yet, is left as it is."""
        ...

    def run_exists(self, run_id: str) -> bool:
        """Is there a ``runs`` row with this id (a caller-chosen id must be new)?"""
        ...

    def close(self) -> None: ...


def db_error(exc: BaseException) -> str:
    """A database error in one line: the driver's message (``no such table: runs``).
    SQLAlchemy's own text adds the statement, its parameters (user data) and a link on
    further lines, which belong in no message."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else 'no message'}"


def event_row(event: Event) -> dict[str, Any]:
    return event_values(event.type, event.run_id, event.ts, event.payload)


def display_value(value: Any) -> Any:
    """``value`` (a row read back, with its JSON decoded) with every string made printable."""
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, dict):
        return {display_value(k): display_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [display_value(v) for v in value]
    return value
