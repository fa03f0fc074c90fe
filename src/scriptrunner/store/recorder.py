"""The event spine: rows and their events are written in one transaction, then published.

Every producer (the runner, the workflow engine, the gates, scans and cost attribution)
records through a :class:`Recorder`, so every event reaches the ``events`` table and the
in-process subscribers alike, in that order: a reader of the table (the dashboard, another
process) never misses what a subscriber saw.  With the workflow engine's background writer
as the store, "written" means queued, in order, for the one writer thread.  Under a
session's ``store.resilient.JournaledStore``, "written" may mean journaled: while the
store is unreachable a write goes to the local journal and reaches the table when the
journal is replayed (late, in order, once); only a write the journal cannot take either
fails (the workflow, when the writer is flushed).

Without a store (``record=False`` in the Python API) events are only published.

With a :class:`~scriptrunner.store.lease.Lease`, every ``running`` row the recorder inserts
is stamped with ``heartbeat_at`` and renewed by the lease until the recorder writes the
row's end (its final ``status``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scriptrunner.events import Event, EventBus
from scriptrunner.store.base import HistoryStore

if TYPE_CHECKING:
    from scriptrunner.findings.model import ScanResult
    from scriptrunner.store.lease import Lease

Write = Callable[[HistoryStore, list[Event]], None]


class Recorder:
    """Writes to ``store`` (None: writes nothing) and publishes on ``bus``; ``lease``
    renews the ``running`` rows it writes (see the module docstring)."""

    def __init__(
        self,
        store: HistoryStore | None = None,
        bus: EventBus | None = None,
        *,
        lease: Lease | None = None,
    ) -> None:
        self.store = store
        self.bus = bus if bus is not None else EventBus()
        self.lease = lease if store is not None else None

    def record(self, events: Sequence[Event], write: Write | None = None) -> None:
        """Store ``events`` (with ``write``'s row changes, in one transaction), then publish."""
        batch = list(events)
        if self.store is not None:
            if write is not None:
                write(self.store, batch)
            else:
                for event in batch:
                    self.store.append_event(event)
        for event in batch:
            self.bus.publish(event)

    def emit(self, type: str, run_id: str | None, **payload: Any) -> Event:
        """Record one event with no row change; returns it."""
        event = Event(type, run_id, payload)
        self.record([event])
        return event

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        if self.lease is not None and row.get("status") == "running":
            row = self.lease.hold(row)
        self.record(events, lambda store, evs: store.start_run(row, evs))

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]] = (),
        samples: Sequence[Mapping[str, Any]] = (),
        events: Sequence[Event] = (),
    ) -> None:
        if self.lease is not None and values.get("status", "running") != "running":
            self.lease.release(run_id)
        self.record(
            events, lambda store, evs: store.finish_run(run_id, values, attempts, samples, evs)
        )

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        self.record(events, lambda store, evs: store.set_run_cost(run_id, usd, evs))

    def record_scan(
        self,
        kind: str,
        result: ScanResult,
        *,
        started_at: float,
        finished_at: float,
        run_id: str | None = None,
        tool_kinds: Mapping[str, str] | None = None,
    ) -> str:
        """Store a scan, its findings and its events; returns the scan id."""
        # Imported here: a plain run records no scan and must not load the findings model.
        from scriptrunner.store.scans import scan_records

        records = scan_records(
            kind,
            result,
            started_at=started_at,
            finished_at=finished_at,
            run_id=run_id,
            tool_kinds=tool_kinds,
        )
        self.record(
            records.events,
            lambda store, evs: store.record_scan(records.row, records.findings, evs),
        )
        return records.scan_id
