"""The submitter's view of a Dask cluster: is the scheduler there, and which workers?

:class:`ClusterWatch` asks the scheduler for its workers (``ncores``: address -> threads)
every ``interval`` seconds on a thread of its own, each question bounded in time.  When the
scheduler cannot be reached or has no worker, the cluster is *down*; down for longer than
``timeout`` seconds, it is *gone* for good: every attempt waiting on it ends as
``infrastructure``, and later attempts fail at once instead of waiting again.  Waiters are
woken (``on_change``) after every probe; one question per interval serves every attempt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class ClusterWatch:
    """See the module docstring; ``start`` probes once before it returns."""

    def __init__(self, client: Any, timeout: float, on_change: Callable[[], None]) -> None:
        self.client = client
        self.timeout = timeout
        self.on_change = on_change
        self.interval = min(0.5, max(0.05, timeout / 6))
        #: The workers the last successful probe saw (address -> threads).
        self.workers: dict[str, int] = {}
        #: When that probe started (``time.monotonic``).
        self.probed_at = 0.0
        self.down_since: float | None = None
        self.gone = False
        #: Why the cluster is down or gone, for the attempts it ends.
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scriptrunner-dask", daemon=True)

    def start(self) -> None:
        self.tick()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval * 4 + 1)

    @property
    def threads(self) -> int:
        """The cluster's worker threads at the last probe (0: none seen)."""
        return sum(self.workers.values())

    def has_left(self, worker: str, since: float) -> bool:
        """True when a probe that started after ``since`` did not see ``worker``."""
        return self.probed_at > since and worker not in self.workers

    def tick(self) -> None:
        """One probe (see the module docstring)."""
        started = time.monotonic()
        workers = self._probe()
        if workers:
            self.workers, self.probed_at, self.down_since = workers, started, None
        else:
            if workers is None:
                reason = "the Dask scheduler cannot be reached"
            else:
                self.workers, self.probed_at = {}, started
                reason = "the Dask cluster has no workers"
            if self.down_since is None:
                self.down_since = started
            if not self.gone:
                self.reason = reason
                if time.monotonic() - self.down_since >= self.timeout:
                    self.gone = True
                    self.reason = f"{reason} (for {self.timeout:g} s, --cluster-timeout)"
        self.on_change()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # the watch must outlive any one failure
                continue

    def _probe(self) -> dict[str, int] | None:
        client = self.client
        if client.status not in ("running", "connecting", "newly-created"):
            return None
        try:
            cores = client.sync(
                client.scheduler.ncores, callback_timeout=max(1.0, self.interval * 4)
            )
        except Exception:
            return None
        return {str(address): int(n) for address, n in cores.items()}
