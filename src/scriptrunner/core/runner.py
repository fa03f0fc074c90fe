"""The runner: attempts with retries, monitoring, timeouts, cancellation, history and events.

One call of :meth:`Runner.run` is one run in history.  Each attempt starts the command in
its own session, streams its output, samples its tree, and ends in one of ``succeeded``,
``failed``, ``timed_out`` or ``cancelled``; failed attempts are retried by the spec's
:class:`~scriptrunner.core.retry.RetryPolicy`.  The history row is written before the child
starts, so a broken store stops the run before anything executes.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

from scriptrunner import events as ev
from scriptrunner.core.attempt import DRAIN_SECONDS, AttemptFn, RunOptions, run_attempt
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.output import FilteredTail, TailBuffer
from scriptrunner.core.results import AttemptResult, Metrics, RunId, RunResult
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import RunnerError
from scriptrunner.store import rows
from scriptrunner.store.base import HistoryStore

# Re-exported: callers import these from here.
__all__ = [
    "DRAIN_SECONDS",
    "RUNNER_ERROR_EXIT_CODE",
    "AttemptFn",
    "RunOptions",
    "Runner",
    "default_echo",
    "new_run_id",
]

#: Exit code of a run that could not be started (the CLI's usage/runner error code).
RUNNER_ERROR_EXIT_CODE = 2


def new_run_id() -> RunId:
    """128 random bits as 32 hex digits (like uuid4().hex, without importing uuid)."""
    return RunId(os.urandom(16).hex())


class Runner:
    """Runs :class:`RunSpec` s and records them."""

    def __init__(
        self,
        store: HistoryStore | None = None,
        bus: ev.EventBus | None = None,
        options: RunOptions | None = None,
    ) -> None:
        self.store = store
        self.bus = bus if bus is not None else ev.EventBus(store)
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
        base_env = dict(os.environ)
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
        started_event = ev.Event(
            ev.RUN_STARTED,
            rid,
            {
                "command": list(spec.command),
                "script": spec.script,
                "cwd": cwd,
                "tags": dict(spec.tags),
                "workflow_run_id": spec.workflow_run_id,
                "task_name": spec.task_name,
            },
            ts=started,
        )
        recorded = False

        def record_start() -> None:
            # Called right after the first spawn: the insert overlaps the child's start-up
            # (the store was opened and its schema checked before, so it fails closed).
            nonlocal recorded
            if not recorded:
                recorded = True
                self._persist(started_event, lambda evs: self.store.start_run(start_row, evs))  # type: ignore[union-attr]

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
        try:
            for n in range(1, spec.retry.max_attempts + 1):
                delay = 0.0
                if n > 1:
                    delay = spec.retry.delay_before(n - 1)
                    if token.wait(delay):
                        break
                    self._attempt_banner(n, spec, out, err)
                env = dict(base_env)
                env["SCRIPTRUNNER_ATTEMPT"] = str(n)
                if on_attempt_env is not None:
                    env.update(on_attempt_env(n))
                attempt = run_one(spec, n, cwd, env, token, out, err, delay, record_start)
                attempts.append(attempt)
                samples.extend(rows.sample_rows(rid, n, attempt.metrics.samples))
                if attempt.status == "cancelled" or not spec.retry.should_retry(
                    n, attempt.exit_code
                ):
                    break
                # Attempts followed by a retry are announced now; the last one is written
                # together with the run's final row below.
                self._persist(ev.Event(ev.RUN_ATTEMPT_FINISHED, rid, attempt.as_dict()), None)
        except RunnerError as exc:
            error = str(exc)
        finally:
            record_start()
        outputs: Mapping[str, str] = {}
        if collect_outputs is not None and attempts:
            try:
                outputs = collect_outputs()
            except RunnerError as exc:
                error = str(exc)
        result = self._result(rid, spec, cwd, started, attempts, out, err, token, error, outputs)
        final_events = []
        if attempts:
            final_events.append(ev.Event(ev.RUN_ATTEMPT_FINISHED, rid, attempts[-1].as_dict()))
        final_events.append(
            ev.Event(
                ev.RUN_FINISHED,
                rid,
                {
                    "status": result.status,
                    "exit_code": result.exit_code,
                    "attempts": len(attempts),
                    "duration_seconds": round(result.duration, 6),
                    **result.metrics.as_dict(),
                },
                ts=result.finished_at,
            )
        )
        finish_values = rows.run_finish_values(result, result.outputs if collect_outputs else None)
        attempt_rows = [rows.attempt_row(rid, a) for a in attempts]
        self._persist_many(
            final_events,
            lambda evs: self.store.finish_run(rid, finish_values, attempt_rows, samples, evs),  # type: ignore[union-attr]
        )
        return result

    def _persist(self, event: ev.Event, write: Callable[[list[ev.Event]], None] | None) -> None:
        self._persist_many([event], write)

    def _persist_many(
        self, events: list[ev.Event], write: Callable[[list[ev.Event]], None] | None
    ) -> None:
        """Write ``events`` with the row change in one transaction, then notify subscribers.

        Without a store the bus publishes them (its own sink, if any, persists them).
        """
        if self.store is None:
            for e in events:
                self.bus.publish(e)
            return
        if write is None:
            for e in events:
                self.store.append_event(e)
        else:
            write(events)
        for e in events:
            self.bus.notify(e)

    def _attempt_banner(self, n: int, spec: RunSpec, out: TailBuffer, err: TailBuffer) -> None:
        banner = f"--- scriptrunner: attempt {n} of {spec.retry.max_attempts} ---\n".encode()
        out.write(banner)
        err.write(banner)
        if self.options.echo_stderr is not None:
            try:
                self.options.echo_stderr.write(banner)
                self.options.echo_stderr.flush()
            except (OSError, ValueError):
                pass

    @staticmethod
    def _result(
        rid: RunId,
        spec: RunSpec,
        cwd: str,
        started: float,
        attempts: list[AttemptResult],
        out: TailBuffer,
        err: TailBuffer,
        token: CancelToken,
        error: str | None,
        outputs: Mapping[str, str],
    ) -> RunResult:
        if attempts and error is None:
            last = attempts[-1]
            status, code = last.status, last.exit_code
        elif error is not None:
            status, code = "error", RUNNER_ERROR_EXIT_CODE
            if attempts and attempts[-1].status != "succeeded":
                status, code = attempts[-1].status, attempts[-1].exit_code
        else:  # cancelled while waiting to retry: no attempt ran
            status = "cancelled"
            code = 128 + (token.signal or signal.SIGTERM)
        if attempts and token.cancelled and status != "timed_out":
            status = "cancelled"
        finished = time.time()
        return RunResult(
            run_id=rid,
            command=spec.command,
            script=spec.script,
            cwd=cwd,
            status=status,
            exit_code=code,
            started_at=started,
            finished_at=finished,
            attempts=tuple(attempts),
            metrics=_sum_metrics(attempts),
            stdout=out.snapshot(),
            stderr=err.snapshot(),
            tags=dict(spec.tags),
            error=error,
            parent_run_id=spec.parent_run_id,
            workflow_run_id=spec.workflow_run_id,
            task_name=spec.task_name,
            outputs=dict(outputs),
        )


def _sum_metrics(attempts: list[AttemptResult]) -> Metrics:
    if not attempts:
        return Metrics()
    wall = sum(a.metrics.wall_seconds for a in attempts)
    user = sum(a.metrics.cpu_user_seconds for a in attempts)
    system = sum(a.metrics.cpu_system_seconds for a in attempts)
    return Metrics(
        wall_seconds=wall,
        cpu_user_seconds=user,
        cpu_system_seconds=system,
        peak_rss_bytes=max(
            (a.metrics.peak_rss_bytes for a in attempts if a.metrics.peak_rss_bytes is not None),
            default=None,
        ),
        cpu_percent_avg=(user + system) / wall * 100.0 if wall > 0 else 0.0,
        cpu_percent_max=max(a.metrics.cpu_percent_max for a in attempts),
        samples=tuple(s for a in attempts for s in a.metrics.samples),
    )


def default_echo() -> tuple[BinaryIO, BinaryIO]:
    """The terminal's binary streams, for live output."""
    return sys.stdout.buffer, sys.stderr.buffer
