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
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

from scriptrunner import events as ev
from scriptrunner.core.attempt import DRAIN_SECONDS, AttemptFn, RunOptions, run_attempt
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.outcome import RUNNER_ERROR_EXIT_CODE, run_result
from scriptrunner.core.output import FilteredTail, TailBuffer
from scriptrunner.core.retry import attempt_ended, retry_message
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import RunnerError
from scriptrunner.results import AttemptResult, RunId, RunResult, new_run_id
from scriptrunner.store import rows
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.recorder import Recorder

# Re-exported: callers import these from here.
__all__ = [
    "DRAIN_SECONDS",
    "RUNNER_ERROR_EXIT_CODE",
    "AttemptFn",
    "RunOptions",
    "Runner",
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
        token = cancel or CancelToken()
        rid = RunId(run_id) if run_id else new_run_id()
        cwd = spec.resolved_cwd()
        base_env = dict(os.environ if self.environ is None else self.environ)
        base_env.setdefault("PYTHONUNBUFFERED", "1")  # live output from Python children
        base_env.update(spec.env)
        if extra_env:
            base_env.update(extra_env)
        base_env["SCRIPTRUNNER_RUN_ID"] = rid
        spec.check_executable(base_env, cwd)
        if self.options.env_hook is not None:
            base_env.update(self.options.env_hook(rid, spec))

        started = time.time()
        start_row = rows.run_start_row(
            run_id=rid,
            kind=spec.kind,
            script=spec.script,
            command=spec.command,
            cwd=cwd,
            tags=spec.tags,
            started_at=started,
            parent_run_id=spec.parent_run_id,
            workflow_run_id=spec.workflow_run_id,
            task_name=spec.task_name,
        )
        started_event = ev.Event(ev.RUN_STARTED, rid, rows.started_payload(start_row), ts=started)
        # Transactional start: the row (every value encoded, see ``store.values.storable``) is
        # written before any process exists, so a store that cannot take it (a full disk)
        # fails the run with nothing started, and no child ever runs unrecorded.
        self.recorder.start_run(start_row, [started_event])

        if attempt_fn is not None and self.options.output_filter is not None:
            # A remote attempt hands back its output whole, never through an OutputStream:
            # filter it (mask secrets) on the way into the tails.
            out: TailBuffer = FilteredTail(self.options.tail_bytes, self.options.output_filter)
            err: TailBuffer = FilteredTail(self.options.tail_bytes, self.options.output_filter)
        else:
            out = TailBuffer(self.options.tail_bytes)
            err = TailBuffer(self.options.tail_bytes)
        attempts: list[AttemptResult] = []
        samples: list[dict[str, Any]] = []
        error: str | None = None
        run_one = attempt_fn or functools.partial(run_attempt, self.options)
        retry_in = 0.0  # drawn once, when an attempt is followed by a retry
        try:
            for n in range(1, spec.retry.max_attempts + 1):
                delay = 0.0
                if n > 1:
                    delay = retry_in
                    self._retry_line(attempts[-1], delay, spec.retry.max_attempts)
                    if token.wait(delay):
                        break
                env = dict(base_env)
                env["SCRIPTRUNNER_ATTEMPT"] = str(n)
                if on_attempt_env is not None:
                    env.update(on_attempt_env(n))
                attempt = run_one(spec, n, cwd, env, token, out, err, delay, _nothing)
                attempts.append(attempt)
                samples.extend(rows.sample_rows(rid, n, attempt.metrics.samples))
                if attempt.status == "cancelled" or not spec.retry.should_retry(
                    n, attempt.exit_code
                ):
                    break
                # Attempts followed by a retry are announced now, with the wait before the
                # next one (what a workflow's progress line says); the last one is written
                # together with the run's final row below.
                retry_in = spec.retry.delay_before(n)
                announced = {**attempt.as_dict(), "retry_in": retry_in}
                self.recorder.record([ev.Event(ev.RUN_ATTEMPT_FINISHED, rid, announced)])
        except RunnerError as exc:
            error = str(exc)
        except Exception as exc:
            # Whatever failed, the attempt's tree is gone (``run_attempt`` ends it before it
            # lets an error out): record the run as an error rather than leave it running.
            error = f"internal error: {exc.__class__.__name__}: {exc}"
        outputs: Mapping[str, str] = {}
        if collect_outputs is not None and attempts:
            try:
                outputs = collect_outputs()
            except RunnerError as exc:
                error = str(exc)
            except Exception as exc:  # the run is over: record it, never leave it running
                error = f"internal error: {exc.__class__.__name__}: {exc}"
        result = run_result(rid, spec, cwd, started, attempts, out, err, token, error, outputs)
        final_events = []
        if attempts:
            final_events.append(ev.Event(ev.RUN_ATTEMPT_FINISHED, rid, attempts[-1].as_dict()))
        finish_values = rows.run_finish_values(result, result.outputs if collect_outputs else None)
        finished = rows.finished_payload(finish_values, result.metrics.values())
        final_events.append(ev.Event(ev.RUN_FINISHED, rid, finished, ts=result.finished_at))
        attempt_rows = [rows.attempt_row(rid, a) for a in attempts]
        self.recorder.finish_run(rid, finish_values, attempt_rows, samples, final_events)
        return result

    def _retry_line(self, previous: AttemptResult, delay: float, max_attempts: int) -> None:
        """Say on the live stderr, before waiting, why and when the next attempt starts
        (``retry_message``).  Only there: the stored tails are the script's own output
        (attempt boundaries are in ``run_attempts`` and the events)."""
        if self.options.echo_stderr is None:
            return
        line = retry_message(previous.attempt, attempt_ended(previous), delay, max_attempts)
        try:
            self.options.echo_stderr.write(f"scriptrunner: {line}\n".encode())
            self.options.echo_stderr.flush()
        except (OSError, ValueError):
            pass


def _nothing() -> None:
    return None


def default_echo() -> tuple[BinaryIO, BinaryIO]:
    """The terminal's binary streams, for live output."""
    return sys.stdout.buffer, sys.stderr.buffer
