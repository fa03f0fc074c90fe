"""History of a workflow run: its own row and events, and the rows of tasks that ran no
process; written through the recorder (the event spine)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scriptrunner import events as ev
from scriptrunner.errors import SecurityError
from scriptrunner.store import rows
from scriptrunner.store.recorder import Recorder
from scriptrunner.workflows.model import Plan, TaskInstance, WorkflowSpec
from scriptrunner.workflows.results import TaskResult, WorkflowResult


def workflow_start_row(
    run_id: str, spec: WorkflowSpec, started: float, parent_run_id: str | None = None
) -> dict[str, Any]:
    """The ``runs`` row (kind ``workflow``) written before any task starts;
    ``parent_run_id`` is the run it resumes or re-runs."""
    what = str(spec.path) if spec.path else spec.name
    return rows.run_start_row(
        run_id=run_id,
        kind="workflow",
        script=what,
        command=["scriptrunner", "workflow", "run", what],
        cwd=str(spec.base_dir),
        tags={},
        started_at=started,
        task_name=spec.name,
        parent_run_id=parent_run_id,
    )


def workflow_finish_values(result: WorkflowResult) -> dict[str, Any]:
    """The workflow row's final columns; CPU sums and the largest peak over its tasks."""
    runs = [t.run for t in result.tasks.values() if t.run is not None]
    return {
        "status": result.status,
        "exit_code": result.exit_code,
        "attempts": len(result.tasks),
        "finished_at": result.finished_at,
        "duration_seconds": result.duration,
        "cpu_user_seconds": sum(r.metrics.cpu_user_seconds for r in runs),
        "cpu_system_seconds": sum(r.metrics.cpu_system_seconds for r in runs),
        "peak_rss_bytes": max((r.metrics.peak_rss_bytes or 0 for r in runs), default=None),
        "outputs": {"counts": result.counts()},
    }


def unstarted_task_row(
    inst: TaskInstance,
    result: TaskResult,
    *,
    workflow_run_id: str,
    base_dir: Path,
    run_id: str,
    command: Sequence[str] = (),
    script: str | None = None,
) -> dict[str, Any]:
    """The row of a task that started no process (skipped, cancelled, reused, error,
    blocked), complete at once."""
    now = time.time()
    row = rows.run_start_row(
        run_id=run_id,
        kind="task",
        script=script or inst.task.script,
        command=command,
        cwd=str(base_dir),
        tags=dict(inst.task.tags),
        started_at=now,
        parent_run_id=result.reused_from,
        workflow_run_id=workflow_run_id,
        task_name=inst.id,
    )
    row.update(
        status=result.state,
        attempts=0,
        finished_at=now,
        duration_seconds=0.0,
        error=result.reason,
        outputs=dict(result.outputs),
    )
    if result.state == "blocked":
        row["exit_code"] = SecurityError.exit_code  # as `scriptrunner run --scan` records it
    return row


def plan_graph(plan: Plan) -> list[dict[str, Any]]:
    """The plan's instances as stored in ``workflow.started`` (``instances``): id, the task
    (job) it comes from, its matrix values and the instance ids it needs, in plan order, so
    a reader of the history can draw the graph, including tasks that never ran."""
    return [
        {"id": i.id, "task": i.task.name, "matrix": dict(i.matrix), "needs": list(i.needs)}
        for i in plan.instances
    ]


def record_workflow_start(
    recorder: Recorder,
    plan: Plan,
    run_id: str,
    max_parallel: int,
    *,
    parent_run_id: str | None = None,
) -> float:
    """The workflow's row and ``workflow.started``, in one write; returns the start time."""
    started = time.time()
    spec = plan.workflow
    payload = {
        "name": spec.name,
        "tasks": len(plan.instances),
        "max_parallel": max_parallel,
        "instances": plan_graph(plan),
    }
    event = ev.Event(ev.WORKFLOW_STARTED, run_id, payload, ts=started)
    recorder.start_run(workflow_start_row(run_id, spec, started, parent_run_id), [event])
    return started


def record_task_finished(
    recorder: Recorder, workflow_run_id: str, task_id: str, result: TaskResult
) -> None:
    recorder.emit(
        ev.TASK_FINISHED,
        workflow_run_id,
        task=task_id,
        state=result.state,
        result=result.result,
        exit_code=result.run.exit_code if result.run else None,
        duration_seconds=round(result.duration, 6),
        reason=result.reason,
    )


def record_workflow_finish(recorder: Recorder, result: WorkflowResult) -> None:
    """The workflow row's final columns and ``workflow.finished``, in one write."""
    event = ev.Event(
        ev.WORKFLOW_FINISHED,
        result.run_id,
        {
            "status": result.status,
            "exit_code": result.exit_code,
            "duration_seconds": round(result.duration, 6),
            "counts": result.counts(),
        },
    )
    recorder.finish_run(result.run_id, workflow_finish_values(result), events=[event])
