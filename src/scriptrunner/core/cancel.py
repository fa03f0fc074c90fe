"""A cancellation token shared by whoever may stop a run (signal handler, workflow engine)."""

from __future__ import annotations

import signal as _signal
import threading
from collections.abc import Callable


class CancelToken:
    """Once cancelled, stays cancelled; callbacks get the signal to forward."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[int], None]] = []
        self.signal: int | None = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, sig: int = _signal.SIGTERM) -> None:
        """Cancel, forwarding ``sig`` to every registered callback (also on repeat calls)."""
        with self._lock:
            if self.signal is None:
                self.signal = sig
            self._event.set()
            callbacks = list(self._callbacks)
        for fn in callbacks:
            fn(sig)

    def add_callback(self, fn: Callable[[int], None]) -> Callable[[], None]:
        """Call ``fn(sig)`` on cancellation (at once if already cancelled); returns a remover."""
        with self._lock:
            self._callbacks.append(fn)
            already = self.signal if self._event.is_set() else None
        if already is not None:
            fn(already)

        def remove() -> None:
            with self._lock:
                if fn in self._callbacks:
                    self._callbacks.remove(fn)

        return remove

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep up to ``timeout`` seconds; True as soon as the token is cancelled."""
        return self._event.wait(timeout)
