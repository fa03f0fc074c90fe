"""``--resume RUN_ID``: keep what succeeded in an earlier workflow run, rerun the rest."""

from __future__ import annotations

from scriptrunner.errors import WorkflowError
from scriptrunner.store.reader import HistoryReader
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.results import TaskResult


def reuse_from_history(reader: HistoryReader, run_id: str, plan: Plan) -> dict[str, TaskResult]:
    """Succeeded task instances of workflow run ``run_id`` that ``plan`` still has.

    Their stored outputs are reused; everything else (failed, skipped, cancelled, lost, or
    new in the file) runs again.  A run id that is not a workflow run is an error, and so is
    a workflow still running (its runner alive, or on another host where that cannot be
    checked): resuming it would run its tasks twice at once.  A workflow whose runner was
    killed is ``lost`` (the reader settles that on open) and is resumed like a failed one.
    """
    run = reader.get_run(run_id)
    if run["kind"] != "workflow":
        raise WorkflowError(
            f"run {run['id']} is a {run['kind']}, not a workflow run; "
            "see `scriptrunner history` for workflow run ids"
        )
    if run["status"] == "running":
        raise WorkflowError(
            f"workflow run {run['id']} is still running (runner pid {run['pid']} on "
            f"{run['hostname']}); wait for it to end or stop it, then resume"
        )
    ids = plan.by_id()
    reuse: dict[str, TaskResult] = {}
    for row in run.get("tasks", []):
        name = row["task_name"]
        if row["status"] == "succeeded" and name in ids:
            reuse[name] = TaskResult(
                id=name,
                task=ids[name].task.name,
                state="succeeded",
                outputs=dict(row["outputs"] or {}),
                reason=f"reused from run {row['id']}",
                reused_from=row["id"],
            )
    return reuse
