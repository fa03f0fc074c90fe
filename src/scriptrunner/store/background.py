"""Writes to a history store from a background thread, off the scheduler's critical path.

A workflow of short tasks spends more time committing history rows than spawning
processes, so the workflow engine hands its writes to one writer thread, in order, and
waits for them only at the end (:meth:`BackgroundWriter.flush`).

Group commit: the writer commits at most once per :data:`COMMIT_INTERVAL`; everything
queued meanwhile goes into that one transaction.  With a store that offers
``write_batch`` (the SQLite store), the rows and events of the window are written with a
few statements, not one per call: a run whose start and finish are in the same window is
inserted once, complete (no ``UPDATE``), and all the window's events are inserted by one
statement, in their order (``store.ops.write_ops``).  Other writes (scans, costs, spans)
keep their place in the order.  So a run's start row is committed at most one interval
(plus a commit) after it was queued, which is before or while its process runs.

Outages: over a :class:`~scriptrunner.store.resilient.JournaledStore` (what a session
opens), each window is handed to its ``commit``, which journals what the store cannot
take and replays it when the store is back; while writes wait in the journal the writer
also wakes up when a replay is due, so history catches up while nothing else is written.
Only an error that store raises (its journal full or unwritable), or any write error of
a plain store, is fatal: it is kept and raised at :meth:`flush`, ``on_error`` is called
with it at once (the workflow engine cancels the workflow, ending every child: nothing
keeps running unrecorded), and nothing after it is attempted.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.ops import COST, EVENT, FINISH, SCAN, SPANS, START, write_ops

#: The commit window, in seconds: writes queued within it share one transaction.
COMMIT_INTERVAL = 0.01
#: The most writes one transaction takes.
MAX_BATCH = 4096

_STOP = object()


class BackgroundWriter:
    """A :class:`HistoryStore` that queues writes for a wrapped store."""

    def __init__(
        self,
        store: HistoryStore,
        *,
        on_error: Callable[[BaseException], None] | None = None,
        interval: float = COMMIT_INTERVAL,
    ) -> None:
        self.store = store
        self.where = store.where
        self._on_error = on_error
        self._interval = interval
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._hurry = threading.Event()  # flush()/close(): commit now, do not wait
        self._error: BaseException | None = None
        #: How many transactions were committed (for the benchmark and tests).
        self.commits = 0
        self._thread = threading.Thread(target=self._loop, name="scriptrunner-writer", daemon=True)
        self._thread.start()

    def _put(self, op: Any) -> None:
        with self._idle:
            if self._error is not None:
                return  # already failed: flush() reports it, nothing more is written
            self._pending += 1
        self._queue.put(op)

    def _loop(self) -> None:
        last = 0.0
        while True:
            retry_in = self._retry_in()
            try:
                first = self._queue.get(timeout=retry_in)
            except queue.Empty:  # writes wait in the journal and a replay is due
                self._recover()
                continue
            batch = [first]
            wait = last + self._interval - time.monotonic()
            if wait > 0 and batch[0] is not _STOP:
                self._hurry.wait(wait)  # let the window fill: one commit for all of it
            self._hurry.clear()
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = _STOP in batch
            work = [op for op in batch if op is not _STOP]
            try:
                if self._error is None and work:
                    self._commit(work)
                    self.commits += 1
            except BaseException as exc:  # kept for flush(); the writer must survive
                with self._idle:
                    self._error = exc
                if self._on_error is not None:
                    with contextlib.suppress(Exception):
                        self._on_error(exc)
            finally:
                last = time.monotonic()
                with self._idle:
                    self._pending -= len(work)
                    if self._pending == 0:
                        self._idle.notify_all()
            if stop:
                return

    def _retry_in(self) -> float | None:
        """How long to wait for writes before replaying the journal (None: no limit)."""
        retry_in = getattr(self.store, "retry_in", None)
        if retry_in is None or self._error is not None:
            return None
        delay: float | None = retry_in()
        return None if delay is None else max(delay, 0.001)

    def _recover(self) -> None:
        with contextlib.suppress(Exception):  # a failed replay is tried again later
            self.store.recover()  # type: ignore[attr-defined]

    def _commit(self, work: list[Any]) -> None:
        commit = getattr(self.store, "commit", None)
        if commit is not None:
            commit(work)  # journals what the store cannot take (a JournaledStore)
        else:
            write_ops(self.store, work)

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        self._put((START, dict(row), list(events)))

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._put((FINISH, run_id, dict(values), list(attempts), list(samples), list(events)))

    def append_event(self, event: Event) -> None:
        self._put((EVENT, event))

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._put((SPANS, [dict(r) for r in rows]))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        self._put((COST, run_id, usd, list(events)))

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._put((SCAN, dict(scan), [dict(f) for f in findings], list(events)))

    def heartbeat(self, run_ids: Sequence[str], now: float) -> None:
        """Written at once, on the caller's thread (``store.lease``'s), not queued: a
        renewal is worth something only now, and one that fails is replaced by the next."""
        self.store.heartbeat(run_ids, now)

    def run_exists(self, run_id: str) -> bool:
        """Asks the store itself (writes still queued here are not seen)."""
        return self.store.run_exists(run_id)

    def flush(self) -> None:
        """Wait until every queued write is done; raise the first error, if any."""
        with self._idle:
            while self._pending:
                self._hurry.set()
                self._idle.wait(self._interval)
            error = self._error
        if error is not None:
            if isinstance(error, StoreError):
                raise error
            raise StoreError(f"cannot write history store {self.where}: {error}") from error

    def close(self) -> None:
        """Flush and stop the writer thread (the wrapped store stays open)."""
        try:
            self.flush()
        finally:
            self._queue.put(_STOP)
            self._hurry.set()
            self._thread.join()
