"""The runner: attempts with retries, monitoring, timeouts, cancellation, history and events.

One call of :meth:`Runner.run` is one run in history.  Each attempt starts the command in
its own session, streams its output, samples its tree, and ends in one of ``succeeded``,
``failed``, ``timed_out`` or ``cancelled``; failed attempts are retried by the spec's
:class:`~scriptrunner.core.retry.RetryPolicy`.  Rows and events go through the recorder
(the event spine): the ``running`` row is written before the first spawn, so a store that
cannot take it stops the run before anything executes.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

from scriptrunner import events as ev
from scriptrunner.core.attempt import DRAIN_SECONDS, AttemptFn, RunOptions, run_attempt
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.outcome import RUNNER_ERROR_EXIT_CODE
from scriptrunner.core.session import RunSession
from scriptrunner.core.spec import RunSpec
from scriptrunner.results import RunResult
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.recorder import Recorder

# Re-exported: callers import these from here.
__all__ = [
    "DRAIN_SECONDS",
    "RUNNER_ERROR_EXIT_CODE",
    "AttemptFn",
    "RunOptions",
    "Runner",
    "RunSession",
    "default_echo",
]


class Runner:
    """Runs :class:`RunSpec` s and records them (through ``recorder``, else a recorder
    over ``store`` and ``bus``); ``environ`` is the environment every run starts from
    (default: ``os.environ`` as it is when each run starts)."""

    def __init__(
        self,
        store: HistoryStore | None = None,
        bus: ev.EventBus | None = None,
        options: RunOptions | None = None,
        *,
        recorder: Recorder | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.recorder = recorder if recorder is not None else Recorder(store, bus)
        #: The environment runs start from: ``os.environ`` at each run, or this snapshot
        #: (the workflow engine takes one per workflow run instead of one per task).
        self.environ = environ
        self.bus = self.recorder.bus
        self.options = options or RunOptions()

    def run(
        self,
        spec: RunSpec,
        *,
        cancel: CancelToken | None = None,
        run_id: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        on_attempt_env: Callable[[int], Mapping[str, str]] | None = None,
        collect_outputs: Callable[[], Mapping[str, str]] | None = None,
        attempt_fn: AttemptFn | None = None,
    ) -> RunResult:
        """Run ``spec`` to completion (all attempts) and return the result.

        ``on_attempt_env(n)`` adds environment variables for attempt ``n``;
        ``collect_outputs()`` is called once after the last attempt and its result stored
        with the run (workflow task outputs); ``attempt_fn`` runs one attempt somewhere else
        (a Dask worker) instead of in this process.  Raises :class:`RunnerError` before
        recording anything if the command cannot start.
        """
        session = self.session(
            spec,
            cancel=cancel,
            run_id=run_id,
            extra_env=extra_env,
            on_attempt_env=on_attempt_env,
            collect_outputs=collect_outputs,
            remote=attempt_fn is not None,
        )
        session.start()
        run_one = attempt_fn or functools.partial(run_attempt, self.options)
        token, cwd = session.token, session.cwd
        try:
            n, delay = 1, 0.0
            while True:
                env = session.attempt_env(n)
                attempt = run_one(
                    spec, n, cwd, env, token, session.out, session.err, delay, _nothing
                )
                next_delay = session.attempt_done(attempt)
                if next_delay is None or token.wait(next_delay):
                    break
                n, delay = n + 1, next_delay
        except Exception as exc:
            session.failed(exc)
        return session.finish()

    def session(self, spec: RunSpec, **kwargs: Any) -> RunSession:
        """The steps of one run of ``spec`` (``core.session``), for a driver of its own;
        the keywords are :class:`RunSession`'s."""
        return RunSession(self.recorder, self.options, self.environ, spec, **kwargs)


def _nothing() -> None:
    return None


def default_echo() -> tuple[BinaryIO, BinaryIO]:
    """The terminal's binary streams, for live output."""
    return sys.stdout.buffer, sys.stderr.buffer
