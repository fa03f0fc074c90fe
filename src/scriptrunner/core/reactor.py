"""An event loop for one thread: readable descriptors, timers, and calls from other threads.

The workflow scheduler runs every local attempt on one of these (``core.loop_attempt``):
each attempt's two output pipes and its pidfd are registered with one
``selectors.DefaultSelector`` (epoll), timeouts, retry back-offs and monitor samples are
timers in a heap, and other threads (a pool running a gated or Dask task, a signal relay,
a cancelled token) hand work to the loop with :meth:`Reactor.call_soon`, which wakes it
through a pipe.  Nothing here blocks but :meth:`Reactor.run_once`.
"""

from __future__ import annotations

import heapq
import itertools
import os
import selectors
import threading
import time
from collections.abc import Callable


class Timer:
    """A call due at ``when`` (``time.monotonic``); :meth:`cancel` drops it."""

    __slots__ = ("when", "fn", "alive")

    def __init__(self, when: float, fn: Callable[[], object]) -> None:
        self.when = when
        self.fn = fn
        self.alive = True

    def cancel(self) -> None:
        self.alive = False


class Reactor:
    """The loop's state; only :meth:`call_soon` and :meth:`wake` may be called from other
    threads, everything else runs on the loop's own thread."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._pending: list[Callable[[], object]] = []
        self._timers: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._closed = False

    # -- from any thread -----------------------------------------------------------------

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the loop's thread, at its next turn (thread-safe)."""
        with self._lock:
            self._pending.append(fn)
        self.wake()

    def wake(self) -> None:
        """Make a blocked :meth:`run_once` return (thread-safe)."""
        with self._lock:
            if self._closed:  # the descriptor's number may belong to someone else now
                return
            try:
                os.write(self._wake_w, b"x")
            except OSError:  # full: a wake-up is pending already
                pass

    # -- on the loop's thread ------------------------------------------------------------

    def add_reader(self, fd: int, fn: Callable[[], object]) -> None:
        """Call ``fn()`` whenever ``fd`` is readable (or hung up)."""
        self._selector.register(fd, selectors.EVENT_READ, fn)

    def remove_reader(self, fd: int) -> None:
        try:
            self._selector.unregister(fd)
        except (KeyError, ValueError):
            pass

    def call_at(self, when: float, fn: Callable[[], object]) -> Timer:
        """Call ``fn()`` at ``when`` (``time.monotonic``), unless the timer is cancelled."""
        timer = Timer(when, fn)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        return timer

    def call_later(self, delay: float, fn: Callable[[], object]) -> Timer:
        return self.call_at(time.monotonic() + delay, fn)

    def run_once(self, timeout: float | None = None) -> None:
        """Wait for descriptors, due timers or calls from other threads (at most
        ``timeout`` seconds, None: until something happens) and run what is due."""
        timers = self._timers
        while timers and not timers[0][2].alive:
            heapq.heappop(timers)
        if self._pending:
            timeout = 0.0
        elif timers:
            due = max(0.0, timers[0][0] - time.monotonic())
            timeout = due if timeout is None else min(timeout, due)
        for key, _ in self._selector.select(timeout):
            if key.data is None:
                self._drain_wakeups()
            else:
                key.data()
        self._run_pending()
        self._run_timers()

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _run_pending(self) -> None:
        if not self._pending:
            return
        with self._lock:
            pending, self._pending = self._pending, []
        for fn in pending:
            fn()

    def _run_timers(self) -> None:
        timers = self._timers
        if not timers:
            return
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, _, timer = heapq.heappop(timers)
            if timer.alive:
                timer.alive = False
                timer.fn()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._selector.close()
            for fd in (self._wake_r, self._wake_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
