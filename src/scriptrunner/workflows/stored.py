"""A task's expression contexts rebuilt from history: ``workflow eval --run ID --task T``.

What the history holds for a workflow run: the plan's graph (``workflow.started``: each
instance's id, task, matrix values and needs) and one row per instance (its state and
outputs).  From those come ``needs`` (results and outputs, as the scheduler built them),
``matrix``, ``workflow`` and ``task``, and the status functions (every ancestor's result,
the run's cancellation).  Conditions and ``env`` are not stored: they are read from the
workflow file the run was started from, when it is still there (secrets show as ``***``;
their values are never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from scriptrunner import events as ev
from scriptrunner.errors import ScriptRunnerError, WorkflowError
from scriptrunner.workflows.context import aggregate_result, render_env
from scriptrunner.workflows.expressions import TaskStatus
from scriptrunner.workflows.expressions.values import Declared
from scriptrunner.workflows.fields import did_you_mean
from scriptrunner.workflows.model import TaskSpec, WorkflowSpec
from scriptrunner.workflows.results import TaskResult, TaskState

if TYPE_CHECKING:
    from scriptrunner.store.reader import HistoryReader

_STATES = set(get_args(TaskState))


@dataclass(frozen=True, slots=True)
class StoredTask:
    """One task instance of a stored workflow run, ready to evaluate expressions against.

    ``spec`` is the task as its workflow file says today (None: the file is gone or no
    longer has it; then ``condition`` is unknown and ``env`` empty), ``note`` says so."""

    run_id: str
    task: str
    contexts: Mapping[str, Any] = field(hash=False)
    status: TaskStatus
    spec: TaskSpec | None
    file: str
    note: str | None = None


def _instances(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    for event in run.get("events", []):
        if event["type"] == ev.WORKFLOW_STARTED:
            instances = (event["payload"] or {}).get("instances")
            if instances is not None:
                return list(instances)
    raise WorkflowError(
        f"workflow run {run['id'][:8]} has no stored plan (it was recorded by an older "
        "version); evaluate with --context instead"
    )


def _load(run: Mapping[str, Any]) -> tuple[WorkflowSpec | None, str, str | None]:
    from scriptrunner.workflows.loader import load_workflow

    script = str(run.get("script") or "")
    path = Path(str(run.get("cwd") or ".")) / Path(script).name
    try:
        return load_workflow(path), str(path), None
    except ScriptRunnerError as exc:
        return None, str(path), f"workflow file not usable ({exc}): env and if: unknown"


def _result(
    row: Mapping[str, Any] | None, inst: Mapping[str, Any], spec: WorkflowSpec | None
) -> TaskResult:
    status = str(row["status"]) if row is not None else "skipped"
    state: TaskState = status if status in _STATES else "error"  # type: ignore[assignment]
    task = spec.tasks.get(str(inst["task"])) if spec is not None else None
    return TaskResult(
        id=str(inst["id"]),
        task=str(inst["task"]),
        state=state,
        outputs=dict((row or {}).get("outputs") or {}),
        continue_on_error=task.continue_on_error if task is not None else False,
    )


def stored_task(reader: HistoryReader, run_ref: str, task: str) -> StoredTask:
    """Task instance ``task`` of workflow run ``run_ref`` (a unique prefix).

    Raises ``StoreError`` for an unknown or ambiguous id and ``WorkflowError`` for a run
    that is not a workflow or has no such task."""
    run = reader.get_run(run_ref)
    short = str(run["id"])[:8]
    if run["kind"] != "workflow":
        parent = run.get("workflow_run_id")
        hint = f"; its workflow run is {parent}" if parent else ""
        raise WorkflowError(f"run {short} is a {run['kind']}, not a workflow run{hint}")
    instances = _instances(run)
    by_id = {str(i["id"]): i for i in instances}
    if task not in by_id:
        names = list(by_id)
        raise WorkflowError(
            f"workflow run {short} has no task '{task}'{did_you_mean(task, names)}; "
            f"its tasks: {', '.join(names)}"
        )
    spec, file, note = _load(run)
    rows = {str(r["task_name"]): r for r in run.get("tasks", [])}
    results = {i: _result(rows.get(i), inst, spec) for i, inst in by_id.items()}
    cancelled = run["status"] == "cancelled"
    clean: dict[str, bool] = {}
    for inst in instances:  # plan order: needs first
        needs = [str(n) for n in inst["needs"]]
        clean[str(inst["id"])] = results[str(inst["id"])].result == "success" and all(
            clean.get(n, False) for n in needs
        )
    failed: dict[str, bool] = {}
    for inst in instances:
        failed[str(inst["id"])] = results[str(inst["id"])].result == "failure" or any(
            failed.get(str(n), False) for n in inst["needs"]
        )
    me = by_id[task]
    needs = [str(n) for n in me["needs"]]
    status = TaskStatus(
        success=not cancelled and all(clean[n] for n in needs),
        failure=any(failed[n] for n in needs),
        cancelled=cancelled,
    )
    task_spec = spec.tasks.get(str(me["task"])) if spec is not None else None
    if spec is not None and task_spec is None:
        note = f"{file} no longer has task '{me['task']}': env and if: unknown"
    contexts = _contexts(run, instances, results, me, spec, task_spec)
    return StoredTask(str(run["id"]), task, contexts, status, task_spec, file, note)


def _contexts(
    run: Mapping[str, Any],
    instances: list[dict[str, Any]],
    results: Mapping[str, TaskResult],
    me: Mapping[str, Any],
    spec: WorkflowSpec | None,
    task_spec: TaskSpec | None,
) -> dict[str, Any]:
    need_tasks = dict.fromkeys(_need_tasks(me, instances))
    needs: dict[str, Any] = {}
    for name in need_tasks:
        mine = [results[str(i["id"])] for i in instances if i["task"] == name]
        outputs: dict[str, str] = {}
        for r in mine:
            outputs.update(r.outputs)
        needs[name] = {"outputs": outputs, "result": aggregate_result(mine)}
    secrets = spec.task_secrets(task_spec) if spec is not None and task_spec is not None else {}
    contexts: dict[str, Any] = {
        "matrix": dict(me.get("matrix") or {}),
        "needs": needs,
        "workflow": {"name": run.get("task_name"), "run_id": run["id"], "file": run["script"]},
        "task": {"name": me["task"], "id": me["id"]},
        "secrets": Declared(dict.fromkeys(secrets, "***")),
        "env": {},
    }
    if spec is not None and task_spec is not None:
        try:
            render_env((spec.env, task_spec.env), contexts)
        except ScriptRunnerError:
            contexts["env"] = {}
    return contexts


def _need_tasks(me: Mapping[str, Any], instances: list[dict[str, Any]]) -> list[str]:
    task_of = {str(i["id"]): str(i["task"]) for i in instances}
    return [task_of[str(n)] for n in me["needs"] if str(n) in task_of]
