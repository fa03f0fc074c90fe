"""A cancellation token shared by whoever may stop a run (signal handler, workflow engine)."""

from __future__ import annotations

import contextlib
import os
import signal as _signal
import threading
from collections.abc import Callable, Iterator


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


@contextlib.contextmanager
def cancel_on_signals(token: CancelToken, signals: tuple[int, ...]) -> Iterator[None]:
    """While inside, each of ``signals`` cancels ``token`` at once, whichever thread the
    kernel delivers it to; the previous handlers come back on the way out.

    Python runs signal handlers only in the main thread, between bytecodes, and the kernel
    may deliver ``kill PID`` to any thread: a main thread blocked in a wait (a workflow
    waiting for its tasks, ``wait4`` on a script, a retry delay) would not see a signal that
    landed on another thread until that wait ended.  So the handlers do nothing themselves:
    the C-level handler writes each signal's number to a wakeup pipe (``signal.set_wakeup_fd``,
    from whatever thread it runs on), and a relay thread reading that pipe cancels the token.
    Must be entered from the main thread (like ``signal.signal``)."""
    if not signals:
        yield
        return
    wanted = frozenset(int(s) for s in signals)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # set_wakeup_fd requires it; the relay reads blocking
    # The pipe first, then the handlers (a signal in between is not lost); undone in reverse.
    previous_fd = _signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    previous_handlers = {sig: _signal.signal(sig, _ignore_here) for sig in signals}
    relay = threading.Thread(
        target=_relay,
        args=(read_fd, token, wanted, previous_fd),
        name="scriptrunner-signals",
        daemon=True,
    )
    try:
        relay.start()
        yield
    finally:
        for sig, handler in previous_handlers.items():
            _signal.signal(sig, handler)
        _signal.set_wakeup_fd(previous_fd)
        os.close(write_fd)  # the relay reads what is left, then end of file
        if relay.is_alive():
            relay.join()
        os.close(read_fd)


def _ignore_here(_signum: int, _frame: object) -> None:
    """The Python-level handler: the relay thread has already cancelled (see above)."""


def _relay(read_fd: int, token: CancelToken, wanted: frozenset[int], chained: int) -> None:
    """Cancel ``token`` on each wanted signal number read; everything read is passed on to
    the wakeup fd that was there before (an event loop's), as it would have received it."""
    while True:
        try:
            data = os.read(read_fd, 64)
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
        if not data:
            return
        for signum in data:
            if signum in wanted:
                token.cancel(signum)
        if chained >= 0:
            with contextlib.suppress(OSError):
                os.write(chained, data)
