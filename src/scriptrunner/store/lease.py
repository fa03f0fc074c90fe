"""The lease of a runner's ``running`` rows: ``runs.heartbeat_at``, renewed while it runs.

A row says where its runner is (host, pid), but only a reader on that host can check the
pid.  So a runner that renews a lease writes, every :attr:`Lease.interval` seconds, the time
into ``heartbeat_at`` of all its rows still ``running``, in one statement, from one daemon
thread; a reader on any host takes a row whose lease is older than its ``lease_timeout``
for ``lost`` (``store.liveness``, ``store.reader``).

The :class:`~scriptrunner.store.recorder.Recorder` holds the lease: the ``running`` row it
writes gets ``heartbeat_at`` (its first renewal, in the same insert) and is renewed until
the recorder writes its end.  The thread starts with the first row and sleeps between
renewals, so a run shorter than the interval writes nothing beyond its start row.  The
``run`` fast path renews no lease: its rows keep the pid check of their own host.

A renewal that fails (the store is unreachable) is tried again after at most
:data:`RETRY_SECONDS`, so a store back from an outage sees the lease renewed soon after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner.store.base import HistoryStore

#: Seconds before a failed renewal is tried again (at most: never more than the interval).
RETRY_SECONDS = 1.0
#: Seconds :meth:`Lease.close` waits for a renewal in flight (a store that hangs) to end.
CLOSE_WAIT = 5.0


class Lease:
    """The lease of the ``running`` rows written through one recorder (or several sharing
    it: a workflow's row and its tasks' rows are renewed by one statement)."""

    def __init__(
        self,
        store: HistoryStore,
        interval: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.interval = interval
        self._clock = clock
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Renewals written (for tests), and the last error a renewal met (None after a
        #: renewal succeeded).
        self.renewals = 0
        self.error: BaseException | None = None

    def hold(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``row`` (a ``running`` row about to be inserted) with its lease taken: its
        ``heartbeat_at`` is now, and it is renewed until :meth:`release`."""
        held = {**row, "heartbeat_at": self._clock()}
        with self._lock:
            if self._stop.is_set():
                return held  # closed: the row keeps its first stamp only
            self._held.add(str(row["id"]))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="scriptrunner-lease", daemon=True
                )
                self._thread.start()
        return held

    def release(self, run_id: str) -> None:
        """The run's row is ending: its lease is no longer renewed."""
        with self._lock:
            self._held.discard(run_id)

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._held)

    def _loop(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            ids = self.held()
            if not ids:
                wait = self.interval
                continue
            try:
                self.store.heartbeat(ids, self._clock())
            except Exception as exc:  # the store is down: try again soon, never give up
                self.error = exc
                wait = min(self.interval, RETRY_SECONDS)
            else:
                self.renewals += 1
                self.error = None
                wait = self.interval

    def close(self) -> None:
        """Stop renewing (rows still held keep their last renewal, and expire)."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(CLOSE_WAIT)


def start_lease(store: HistoryStore | None, interval: float) -> Lease | None:
    """A lease over ``store`` renewed every ``interval`` seconds; None without a store or
    with an interval of 0 (no lease)."""
    if store is None or interval <= 0:
        return None
    return Lease(store, interval)
