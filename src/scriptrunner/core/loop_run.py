"""One run's attempts on a :class:`~scriptrunner.core.reactor.Reactor`.

:class:`LoopRun` drives one started :class:`~scriptrunner.core.session.RunSession` over its
attempts (``core.loop_attempt.LoopAttempt``), the retry back-off a timer of the loop that a
cancel ends at once, so what a run records is the code ``Runner.run`` uses.
"""

from __future__ import annotations

from collections.abc import Callable

from scriptrunner.core.loop_attempt import LoopAttempt
from scriptrunner.core.reactor import Reactor, Timer
from scriptrunner.core.session import RunSession
from scriptrunner.results import AttemptResult, RunResult


class LoopRun:
    """Drives one started :class:`RunSession` over its attempts on ``loop``; ``on_done``
    gets the run's result, or the exception that its last step raised."""

    def __init__(
        self,
        loop: Reactor,
        session: RunSession,
        on_done: Callable[[RunResult | BaseException], None],
    ) -> None:
        self.loop = loop
        self.session = session
        self.on_done = on_done
        self.n = 0
        self.wait: Timer | None = None
        self.remove_cancel: Callable[[], None] | None = None

    def start(self, n: int = 1, delay: float = 0.0) -> None:
        """Start attempt ``n`` (``delay``: the wait before it)."""
        if self.remove_cancel is not None:
            self.remove_cancel()
            self.remove_cancel = None
        self.wait = None
        s = self.session
        self.n = n
        try:
            env = s.attempt_env(n)
            LoopAttempt(
                self.loop,
                s.options,
                s.spec,
                n,
                s.cwd,
                env,
                s.token,
                (s.out, s.err),
                delay,
                self._attempt_done,
            )
        except Exception as exc:
            s.failed(exc)
            self._finish()

    def _attempt_done(self, outcome: AttemptResult | BaseException) -> None:
        s = self.session
        if isinstance(outcome, BaseException):
            s.failed(outcome)
            self._finish()
            return
        try:
            delay = s.attempt_done(outcome)
        except Exception as exc:
            s.failed(exc)
            self._finish()
            return
        if delay is None or s.token.cancelled:
            self._finish()
            return
        n = self.n + 1
        self.wait = self.loop.call_later(delay, lambda: self.start(n, delay))
        # A cancel during the wait ends the run at once (``token.wait`` in ``Runner.run``).
        self.remove_cancel = s.token.add_callback(
            lambda _sig: self.loop.call_soon(self._cancelled_while_waiting)
        )

    def _cancelled_while_waiting(self) -> None:
        if self.wait is None or not self.wait.alive:
            return
        self.wait.cancel()
        self.wait = None
        if self.remove_cancel is not None:
            self.remove_cancel()
            self.remove_cancel = None
        self._finish()

    def _finish(self) -> None:
        try:
            result = self.session.finish()
        except Exception as exc:
            self.on_done(exc)
        else:
            self.on_done(result)
