"""Row dictionaries for the history tables, built from results (no SQLAlchemy import).

Both writers (the fast SQLite one and the SQLAlchemy one) insert exactly these dicts, so the
column lists live in one place: here and in ``schema.py``; a test checks they agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from scriptrunner.cmdline import mask_args
from scriptrunner.results import AttemptResult, RunResult, Sample
from scriptrunner.store.liveness import process_started


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
    }


def run_finish_values(
    result: RunResult,
    outputs: Mapping[str, str] | None = None,
    cloud_cost_usd: float | None = None,
) -> dict[str, Any]:
    """The ``runs`` columns updated when a run ends (cost: None = not attributed)."""
    m = result.metrics
    return {
        "status": result.status,
        "exit_code": result.exit_code,
        "attempts": len(result.attempts),
        "finished_at": result.finished_at,
        "duration_seconds": result.duration,
        "cpu_user_seconds": m.cpu_user_seconds,
        "cpu_system_seconds": m.cpu_system_seconds,
        "peak_rss_bytes": m.peak_rss_bytes,
        "cpu_percent_avg": m.cpu_percent_avg,
        "cpu_percent_max": m.cpu_percent_max,
        "stdout_tail": result.stdout.text,
        "stderr_tail": result.stderr.text,
        "stdout_bytes": result.stdout.total_bytes,
        "stderr_bytes": result.stderr.total_bytes,
        "error": result.error,
        "outputs": dict(outputs) if outputs is not None else None,
        "cloud_cost_usd": cloud_cost_usd,
    }


def attempt_row(run_id: str, a: AttemptResult) -> dict[str, Any]:
    m = a.metrics
    return {
        "run_id": run_id,
        "attempt": a.attempt,
        "status": a.status,
        "exit_code": a.exit_code,
        "signal": a.signal,
        "started_at": a.started_at,
        "finished_at": a.finished_at,
        "delay_before": a.delay_before,
        "wall_seconds": m.wall_seconds,
        "cpu_user_seconds": m.cpu_user_seconds,
        "cpu_system_seconds": m.cpu_system_seconds,
        "peak_rss_bytes": m.peak_rss_bytes,
        "cpu_percent_avg": m.cpu_percent_avg,
        "cpu_percent_max": m.cpu_percent_max,
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


def tag_rows(run_id: str, tags: Mapping[str, Any]) -> list[dict[str, str]]:
    """The ``run_tags`` rows of a run (one per tag), written with its ``runs`` row."""
    return [{"run_id": run_id, "key": str(k), "value": str(v)} for k, v in tags.items()]
