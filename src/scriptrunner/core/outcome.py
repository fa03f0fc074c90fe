"""How a run ends: its final status, exit code and summed metrics, from its attempts."""

from __future__ import annotations

import signal
import time
from collections.abc import Mapping

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.output import TailBuffer
from scriptrunner.core.spec import RunSpec
from scriptrunner.results import AttemptResult, Metrics, RunId, RunResult

#: Exit code of a run that could not be started (the CLI's usage/runner error code).
RUNNER_ERROR_EXIT_CODE = 2
#: Exit code recorded for a ``lost`` or ``infrastructure`` attempt, which has none of its
#: own (the script's end was not seen): 75, ``EX_TEMPFAIL`` of ``sysexits.h``, "a temporary
#: failure; the user is invited to retry".
CLUSTER_FAILURE_EXIT_CODE = 75


def run_result(
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
    """The result of a run whose attempts are over (``error``: why it could not go on)."""
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
        if attempts[-1].status != "cancelled":
            # The signal came while waiting to retry: no child saw it, so the run ends as
            # the runner exits (128 + N), not with the previous attempt's exit code.
            code = 128 + (token.signal or signal.SIGTERM)
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
        metrics=sum_metrics(attempts),
        stdout=out.snapshot(),
        stderr=err.snapshot(),
        tags=dict(spec.tags),
        error=error,
        parent_run_id=spec.parent_run_id,
        workflow_run_id=spec.workflow_run_id,
        task_name=spec.task_name,
        outputs=dict(outputs),
    )


def sum_metrics(attempts: list[AttemptResult]) -> Metrics:
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
