"""Writes to a history store from a background thread, off the scheduler's critical path.

A workflow of short tasks spends more time committing history rows than spawning
processes (four small transactions per task against a 1 ms ``true``), so the workflow
engine hands its writes to one writer thread, in order, and waits for them only at the
end (:meth:`BackgroundWriter.flush`).  Writes queued while one batch commits are committed
together in the next (group commit), when the store offers ``transaction()``.  The first write error is kept and raised there:
the store fails closed, just later, and nothing after a failed write is attempted.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store.base import HistoryStore

_STOP = object()


class BackgroundWriter:
    """A :class:`HistoryStore` that queues writes for a wrapped store."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.where = store.where
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="scriptrunner-writer", daemon=True)
        self._thread.start()

    def _put(self, fn: Callable[[], None]) -> None:
        with self._idle:
            if self._error is not None:
                return  # already failed: flush() reports it, nothing more is written
            self._pending += 1
        self._queue.put(fn)

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Take whatever else is queued: one transaction for all of it (group commit),
            # where the store supports it (the SQLite store does).
            while len(batch) < 512:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = _STOP in batch
            work = [fn for fn in batch if fn is not _STOP]
            try:
                if self._error is None and work:
                    transaction = getattr(self.store, "transaction", None)
                    with transaction() if transaction is not None else contextlib.nullcontext():
                        for fn in work:
                            fn()
            except BaseException as exc:  # kept for flush(); the writer must survive
                with self._idle:
                    self._error = exc
            finally:
                with self._idle:
                    self._pending -= len(work)
                    if self._pending == 0:
                        self._idle.notify_all()
            if stop:
                return

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        row, events = dict(row), list(events)
        self._put(lambda: self.store.start_run(row, events))

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        args = (run_id, dict(values), list(attempts), list(samples), list(events))
        self._put(lambda: self.store.finish_run(*args))

    def append_event(self, event: Event) -> None:
        self._put(lambda: self.store.append_event(event))

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        batch = [dict(r) for r in rows]
        self._put(lambda: self.store.append_spans(batch))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        events = list(events)
        self._put(lambda: self.store.set_run_cost(run_id, usd, events))

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        args = (dict(scan), [dict(f) for f in findings], list(events))
        self._put(lambda: self.store.record_scan(*args))

    def run_exists(self, run_id: str) -> bool:
        """Asks the store itself (writes still queued here are not seen)."""
        return self.store.run_exists(run_id)

    def flush(self) -> None:
        """Wait until every queued write is done; raise the first error, if any."""
        with self._idle:
            while self._pending:
                self._idle.wait()
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
            self._thread.join()
