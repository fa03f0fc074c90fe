"""Row dictionaries for the history tables, built from results (no SQLAlchemy import).

Both writers (the fast SQLite one and the SQLAlchemy one) insert exactly these dicts, so the
column lists live in one place: here and in ``schema.py``; a test checks they agree.  The
``run`` fast path (``cli.fast_run``) builds its rows and payloads with the functions that
take plain values (it cannot afford to import ``results``' dataclasses): this module
imports nothing else at run time.
"""

from __future__ import annotations

import os

from scriptrunner.cmdline import mask_args
from scriptrunner.payloads import METRICS, metrics_payload
from scriptrunner.store.liveness import process_started

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from scriptrunner.results import AttemptResult, RunResult, Sample


def run_start_row(
    *,
    run_id: str,
    kind: str,
    script: str | None,
    command: Sequence[str],
    cwd: str,
    tags: Mapping[str, str],
    started_at: float,
    parent_run_id: str | None = None,
    workflow_run_id: str | None = None,
    task_name: str | None = None,
) -> dict[str, Any]:
    """The ``runs`` row inserted when a run starts (status ``running``); secret-looking
    arguments (``--password X``, ``--token=X``, ``user:pw@`` URLs) are masked in the
    stored command line (``scriptrunner.cmdline``)."""
    return {
        "id": run_id,
        "kind": kind,
        "script": script,
        "command": mask_args(command),
        "cwd": cwd,
        "tags": dict(tags),
        "status": "running",
        "attempts": 0,
        "started_at": started_at,
        "parent_run_id": parent_run_id,
        "workflow_run_id": workflow_run_id,
        "task_name": task_name,
        "hostname": os.uname().nodename,
        "pid": os.getpid(),
        "pid_started": process_started(os.getpid()),
        "heartbeat_at": None,
    }


def started_payload(row: Mapping[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """The ``run.started`` payload of a start row (:func:`run_start_row`), with the run's
    timeout when it has one (the span the exporter builds from the event log says it)."""
    payload = {
        "command": row["command"],  # masked like the row
        "script": row["script"],
        "cwd": row["cwd"],
        "tags": dict(row["tags"]),
        "workflow_run_id": row["workflow_run_id"],
        "task_name": row["task_name"],
    }
    if timeout is not None:
        payload["timeout"] = timeout
    return payload


def run_finish_values(
    result: RunResult,
    outputs: Mapping[str, str] | None = None,
    cloud_cost_usd: float | None = None,
) -> dict[str, Any]:
    """The ``runs`` columns updated when a run ends (cost: None = not attributed)."""
    return finish_values(
        status=result.status,
        exit_code=result.exit_code,
        attempts=len(result.attempts),
        finished_at=result.finished_at,
        duration=result.duration,
        metrics=result.metrics.values(),
        stdout=(result.stdout.text, result.stdout.total_bytes),
        stderr=(result.stderr.text, result.stderr.total_bytes),
        error=result.error,
        outputs=outputs,
        cloud_cost_usd=cloud_cost_usd,
    )


def finish_values(
    *,
    status: str,
    exit_code: int,
    attempts: int,
    finished_at: float,
    duration: float,
    metrics: Mapping[str, Any],
    stdout: tuple[str, int],
    stderr: tuple[str, int],
    error: str | None,
    outputs: Mapping[str, str] | None = None,
    cloud_cost_usd: float | None = None,
) -> dict[str, Any]:
    """:func:`run_finish_values` from plain values (``metrics``: ``payloads.METRICS``,
    the streams: their stored tail text and total bytes)."""
    return {
        "status": status,
        "exit_code": exit_code,
        "attempts": attempts,
        "finished_at": finished_at,
        "duration_seconds": duration,
        **{name: metrics[name] for name in METRICS if name != "wall_seconds"},
        "stdout_tail": stdout[0],
        "stderr_tail": stderr[0],
        "stdout_bytes": stdout[1],
        "stderr_bytes": stderr[1],
        "error": error,
        "outputs": dict(outputs) if outputs is not None else None,
        "cloud_cost_usd": cloud_cost_usd,
    }


def finished_payload(values: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The ``run.finished`` payload of a run's finish values (:func:`finish_values`) and
    its summed metrics."""
    return {
        "status": values["status"],
        "exit_code": values["exit_code"],
        "attempts": values["attempts"],
        "duration_seconds": round(values["duration_seconds"], 6),
        **metrics_payload(metrics),
    }


def attempt_row(run_id: str, a: AttemptResult) -> dict[str, Any]:
    row = attempt_values(
        run_id,
        attempt=a.attempt,
        status=a.status,
        exit_code=a.exit_code,
        signal=a.signal,
        started_at=a.started_at,
        finished_at=a.finished_at,
        delay_before=a.delay_before,
        metrics=a.metrics.values(),
    )
    if a.placement is not None:
        row.update(a.placement.values())
    return row


def attempt_values(
    run_id: str,
    *,
    attempt: int,
    status: str,
    exit_code: int,
    signal: int | None,
    started_at: float,
    finished_at: float,
    delay_before: float,
    metrics: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``run_attempts`` row of one attempt, from plain values."""
    return {
        "run_id": run_id,
        "attempt": attempt,
        "status": status,
        "exit_code": exit_code,
        "signal": signal,
        "started_at": started_at,
        "finished_at": finished_at,
        "delay_before": delay_before,
        **{name: metrics[name] for name in METRICS},
        # Where a remote attempt ran (``results.Placement``): filled by ``attempt_row``.
        "attempt_id": None,
        "host": None,
        "pid": None,
        "worker": None,
        "queued_seconds": None,
    }


def sample_rows(run_id: str, attempt: int, samples: Sequence[Sample]) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "attempt": attempt,
            "t": s.t,
            "cpu_percent": s.cpu_percent,
            "rss_bytes": s.rss_bytes,
            "num_procs": s.num_procs,
        }
        for s in samples
    ]


def event_values(
    type: str, run_id: str | None, ts: float, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``events`` row of one event (``events.Event``'s fields)."""
    return {"type": type, "run_id": run_id, "ts": ts, "payload": dict(payload)}


def tag_rows(run_id: str, tags: Mapping[str, Any]) -> list[dict[str, str]]:
    """The ``run_tags`` rows of a run (one per tag), written with its ``runs`` row."""
    return [{"run_id": run_id, "key": str(k), "value": str(v)} for k, v in tags.items()]
