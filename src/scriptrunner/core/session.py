"""One run's bookkeeping, in steps: what a run records, whoever drives its attempts.

A :class:`RunSession` is one run in history.  :meth:`~RunSession.start` builds the
environment, checks the command and writes the ``running`` row with ``run.started``;
:meth:`~RunSession.attempt_env` is attempt ``n``'s environment; :meth:`~RunSession.attempt_done`
takes an attempt's result and decides whether another follows (announcing it with
``run.attempt.finished`` and the retry line); :meth:`~RunSession.finish` collects the outputs
and writes the final row, attempts, samples and events.  Two drivers call these steps: the
blocking loop of :meth:`scriptrunner.core.runner.Runner.run` (``scriptrunner run``, the API,
the Dask executor) and the workflow scheduler's event loop (``core.loop_attempt``), so rows,
events, masking, retries and outputs are the same code for both.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from scriptrunner import events as ev
from scriptrunner.core.attempt import RunOptions
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.outcome import run_result
from scriptrunner.core.output import LiveTail, TailBuffer
from scriptrunner.core.retry import attempt_ended, retry_message
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import RunnerError
from scriptrunner.results import AttemptResult, RunId, RunResult, new_run_id
from scriptrunner.store import rows
from scriptrunner.store.recorder import Recorder


class RunSession:
    """The steps of one run (see the module docstring); one driver calls them in order."""

    def __init__(
        self,
        recorder: Recorder,
        options: RunOptions,
        environ: Mapping[str, str] | None,
        spec: RunSpec,
        *,
        cancel: CancelToken | None = None,
        run_id: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        on_attempt_env: Callable[[int], Mapping[str, str]] | None = None,
        collect_outputs: Callable[[], Mapping[str, str]] | None = None,
        remote: bool = False,
    ) -> None:
        """``remote``: attempts run elsewhere (a Dask worker), whose output arrives in
        chunks through each attempt's stream of a :class:`~scriptrunner.core.output.LiveTail`
        (masked and echoed as local output is), and whose environment is the worker's own
        under what the run sets (:meth:`start`).  The other arguments are
        :class:`~scriptrunner.core.runner.Runner`'s and :meth:`Runner.run`'s."""
        self.options = options
        self.recorder = recorder
        self.environ = environ
        self.spec = spec
        self.token = cancel or CancelToken()
        self.run_id = RunId(run_id) if run_id else new_run_id()
        self.extra_env = extra_env
        self.on_attempt_env = on_attempt_env
        self.collect_outputs = collect_outputs
        self.cwd = ""
        self.base_env: dict[str, str] = {}
        self.started = 0.0
        self.remote = remote
        opts = self.options
        if remote:
            # Chunks streamed back from elsewhere: each attempt opens a stream on the tails
            # that masks and echoes them, as the pipes' streams of a local attempt do.
            self.out: TailBuffer = LiveTail(opts.tail_bytes, opts.output_filter, opts.echo_stdout)
            self.err: TailBuffer = LiveTail(opts.tail_bytes, opts.output_filter, opts.echo_stderr)
        else:
            self.out = TailBuffer(opts.tail_bytes)
            self.err = TailBuffer(opts.tail_bytes)
        self.attempts: list[AttemptResult] = []
        self.samples: list[dict[str, Any]] = []
        #: Why the run could not go on (a ``RunnerError``'s message, an internal error).
        self.error: str | None = None

    # -- start ---------------------------------------------------------------------------

    def start(self) -> None:
        """The environment, the command check and the ``running`` row with ``run.started``.

        Raises :class:`RunnerError` before recording anything if the command cannot start.
        A remote run's environment is only what the run sets (the spec's ``env``, the extra
        variables, ``SCRIPTRUNNER_*``, the hook's): the worker lays it over its own
        environment and finds the command on its own ``PATH``."""
        spec, rid = self.spec, self.run_id
        self.cwd = cwd = spec.resolved_cwd()
        environ = self.environ
        if self.remote:
            base_env = dict(spec.env)
        else:
            base_env = dict(os.environ if environ is None else environ)
            base_env.setdefault("PYTHONUNBUFFERED", "1")  # live output from Python children
            base_env.update(spec.env)
        if self.extra_env:
            base_env.update(self.extra_env)
        base_env["SCRIPTRUNNER_RUN_ID"] = rid
        if not self.remote:
            spec.check_executable(base_env, cwd)
        if self.options.env_hook is not None:
            base_env.update(self.options.env_hook(rid, spec))
        self.base_env = base_env

        self.started = started = time.time()
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
        payload = rows.started_payload(start_row, spec.timeout)
        started_event = ev.Event(ev.RUN_STARTED, rid, payload, ts=started)
        # Transactional start: the row (every value encoded, see ``store.values.storable``) is
        # written before any process exists, so a store that cannot take it (a full disk)
        # fails the run with nothing started, and no child ever runs unrecorded.
        self.recorder.start_run(start_row, [started_event])

    # -- attempts ------------------------------------------------------------------------

    def attempt_env(self, n: int) -> dict[str, str]:
        """The environment of attempt ``n``."""
        env = dict(self.base_env)
        env["SCRIPTRUNNER_ATTEMPT"] = str(n)
        if self.on_attempt_env is not None:
            env.update(self.on_attempt_env(n))
        return env

    def attempt_done(self, attempt: AttemptResult) -> float | None:
        """Take an attempt's result: the seconds to wait before the next attempt, or None
        when the run's attempts are over.  An attempt followed by a retry is announced now
        (``run.attempt.finished`` with the wait before the next one, what a workflow's
        progress line says, then the retry line); the last one is written with the run's
        final row by :meth:`finish`."""
        spec, n = self.spec, attempt.attempt
        self.attempts.append(attempt)
        self.samples.extend(rows.sample_rows(self.run_id, n, attempt.metrics.samples))
        status = attempt.status
        if status == "cancelled" or not spec.retry.should_retry(n, attempt.exit_code, status):
            return None
        retry_in = spec.retry.delay_before(n)  # drawn once, when a retry follows
        announced = {**attempt.as_dict(), "retry_in": retry_in}
        self.recorder.record([ev.Event(ev.RUN_ATTEMPT_FINISHED, self.run_id, announced)])
        self._retry_line(attempt, retry_in, spec.retry.max_attempts)
        return retry_in

    def failed(self, exc: BaseException) -> None:
        """The run cannot go on (``exc`` came out of an attempt or its environment)."""
        if isinstance(exc, RunnerError):
            self.error = str(exc)
        else:
            # Whatever failed, the attempt's tree is gone (attempts end it before they let
            # an error out): record the run as an error rather than leave it running.
            self.error = f"internal error: {exc.__class__.__name__}: {exc}"

    def _retry_line(self, previous: AttemptResult, delay: float, max_attempts: int) -> None:
        """Say on the live stderr, before waiting, why and when the next attempt starts
        (``retry_message``).  Only there: the stored tails are the script's own output
        (attempt boundaries are in ``run_attempts`` and the events)."""
        echo = self.options.echo_stderr
        if echo is None:
            return
        line = retry_message(previous.attempt, attempt_ended(previous), delay, max_attempts)
        try:
            echo.write(f"scriptrunner: {line}\n".encode())
            echo.flush()
        except (OSError, ValueError):
            pass

    # -- finish --------------------------------------------------------------------------

    def finish(self) -> RunResult:
        """Outputs, the run's result, and its final row, attempt rows, samples and events."""
        rid, attempts = self.run_id, self.attempts
        outputs: Mapping[str, str] = {}
        if self.collect_outputs is not None and attempts:
            try:
                outputs = self.collect_outputs()
            except Exception as exc:  # the run is over: record it, never leave it running
                self.failed(exc)
        result = run_result(
            rid,
            self.spec,
            self.cwd,
            self.started,
            attempts,
            self.out,
            self.err,
            self.token,
            self.error,
            outputs,
        )
        final_events = []
        if attempts:
            final_events.append(ev.Event(ev.RUN_ATTEMPT_FINISHED, rid, attempts[-1].as_dict()))
        stored = result.outputs if self.collect_outputs else None
        finish_values = rows.run_finish_values(result, stored)
        finished = rows.finished_payload(finish_values, result.metrics.values())
        final_events.append(ev.Event(ev.RUN_FINISHED, rid, finished, ts=result.finished_at))
        attempt_rows = [rows.attempt_row(rid, a) for a in attempts]
        self.recorder.finish_run(rid, finish_values, attempt_rows, self.samples, final_events)
        return result
