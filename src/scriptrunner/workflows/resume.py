"""``--resume RUN_ID|last`` and ``--rerun-all``: what an earlier workflow run lends a new one.

Like GitHub's "re-run failed jobs", a resumed run evaluates again every task instance that

* did not succeed in the earlier run (failed, timed out, error, blocked, cancelled, lost,
  infrastructure, skipped, or still ``running`` in a lost workflow) or is new in the file,
* has a condition that reads the status of other tasks (``failure()``, ``always()``,
  ``cancelled()``, ``success()`` written out, ``needs.<task>.result``): it ran *because of*
  how the earlier run went, so its earlier outcome says nothing about this one,
* or needs (directly or not) a task that is evaluated again;

and reuses, with its stored outputs, every other instance: it succeeded and everything
upstream of it is reused too.  ``--rerun-all`` reuses nothing.  Either way the new run's row
points at the earlier one (``parent_run_id``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.explain import ended, status_dependence
from scriptrunner.workflows.model import Plan, WorkflowSpec
from scriptrunner.workflows.results import TaskResult

if TYPE_CHECKING:  # the engine imports this module: keep SQLAlchemy off its import
    from scriptrunner.store.reader import HistoryReader

#: ``--resume last``: the newest run of the same workflow.
LAST = "last"
#: How many of the newest workflow runs ``--resume last`` looks through for this workflow.
_LAST_SCAN = 1000


@dataclass(frozen=True, slots=True)
class Resumed(Mapping[str, TaskResult]):
    """The instances reused from run ``previous_run_id`` (a mapping id -> result, which is
    what the engine's ``reuse`` takes) and, in ``rerun``, why each other one runs again."""

    previous_run_id: str
    reused: Mapping[str, TaskResult] = field(default_factory=dict)
    rerun: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> TaskResult:
        return self.reused[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.reused)

    def __len__(self) -> int:
        return len(self.reused)


def _described(spec: WorkflowSpec) -> str:
    return f"'{spec.name}' ({spec.path})" if spec.path is not None else f"'{spec.name}'"


def _same_workflow(row: Mapping[str, Any], spec: WorkflowSpec) -> bool:
    """The workflow row was written for this file (its directory and name; ``script`` is
    the path as typed, ``cwd`` the file's resolved directory), or, for a workflow built
    in code, under the same name."""
    if spec.path is None:
        return bool(row.get("task_name") == spec.name)
    script = row.get("script") or ""
    return Path(script).name == spec.path.name and row.get("cwd") == str(spec.base_dir)


def _last_run(reader: HistoryReader, spec: WorkflowSpec, flag: str) -> str:
    script = spec.path.name if spec.path is not None else None
    for row in reader.list_runs(kind="workflow", script=script, limit=_LAST_SCAN):
        if _same_workflow(row, spec):
            return str(row["id"])
    raise WorkflowError(
        f"{flag}: no earlier run of workflow {_described(spec)} in the history store; "
        "run it once without " + flag.split()[0]
    )


def _workflow_row(reader: HistoryReader, ref: str, plan: Plan, flag: str) -> dict[str, Any]:
    spec = plan.workflow
    run_id = _last_run(reader, spec, f"{flag} {LAST}") if ref == LAST else ref
    run = reader.get_run(run_id)
    if run["kind"] != "workflow":
        raise WorkflowError(
            f"run {run['id']} is a {run['kind']}, not a workflow run; "
            "see `scriptrunner history` for workflow run ids"
        )
    if run["status"] == "running":
        raise WorkflowError(still_running(run))
    if not _same_workflow(run, spec) and run.get("task_name") != spec.name:
        raise WorkflowError(
            f"run {run['id']} is a run of workflow '{run.get('task_name')}' "
            f"({run.get('script')}), not of {_described(spec)}; give one of its runs "
            f"(`{flag} {LAST}` takes the newest)"
        )
    return run


def still_running(run: Mapping[str, Any]) -> str:
    """Why a workflow run that is still alive cannot be resumed, and what to do: one line.

    The reader has settled the row (``store.liveness``), so ``running`` means its runner is
    alive on this host, or its lease on another host is fresh, or (a runner of another host
    that renews no lease) it cannot be told from here."""
    pid, host = run.get("pid"), run.get("hostname")
    heartbeat = run.get("heartbeat_at")
    if host == os.uname().nodename:
        how = f"its runner, pid {pid}, is alive on this host"
        stop = f"or cancel it (Ctrl-C where it runs, or `kill -INT {pid}`)"
    else:
        if heartbeat is not None:
            ago = max(0.0, time.time() - float(heartbeat))
            how = f"its runner, pid {pid} on host {host}, renewed its lease {ago:.0f} s ago"
        else:
            how = f"its runner, pid {pid} on host {host}, keeps no lease to check from here"
        stop = f"or cancel it on {host} (Ctrl-C where it runs, or `kill -INT {pid}`)"
    return (
        f"workflow run {run['id']} is still running ({how}): resuming it now would run its "
        f"tasks twice; wait for it to end {stop}, then resume"
    )


def reuse_from_history(
    reader: HistoryReader, run_id: str, plan: Plan, *, rerun_all: bool = False
) -> Resumed:
    """What ``plan`` reuses from workflow run ``run_id`` (a unique prefix, or ``last``:
    the newest run of this workflow); see the module docstring.

    A run id that is not a workflow run is an error, and so is a run of another workflow,
    and a workflow still running (its runner alive on this host, its lease fresh on another,
    or on another host without a lease, where that cannot be checked): resuming it would
    run its tasks twice at once (:func:`still_running`).  A workflow whose runner was
    killed, or whose lease expired, is ``lost`` (the reader settles that on open) and is
    resumed like a failed one: its ``lost``, ``infrastructure`` and unfinished tasks run
    again.  ``rerun_all``: nothing is reused, the new run is only linked to the earlier one.
    """
    flag = "--rerun-all" if rerun_all else "--resume"
    run = _workflow_row(reader, run_id, plan, flag)
    previous = str(run["id"])
    short = previous[:8]
    if rerun_all:
        return Resumed(previous, {}, {i.id: f"--rerun-all of run {short}" for i in plan.instances})
    rows = {row["task_name"]: row for row in run.get("tasks", [])}
    reused: dict[str, TaskResult] = {}
    rerun: dict[str, str] = {}
    for inst in plan.instances:  # needs come first: a need's verdict is known
        row = rows.get(inst.id)
        again = next((n for n in dict.fromkeys(inst.needs) if n in rerun), None)
        # The first reason that holds is given: the one that explains the most.
        if row is None:
            rerun[inst.id] = f"not in run {short}"
        elif status_dependence(inst.task.condition):
            rerun[inst.id] = f"condition `{inst.task.condition}` depends on status"
        elif again is not None:
            rerun[inst.id] = f"needs `{again}`, which is re-run"
        elif row["status"] != "succeeded":
            rerun[inst.id] = f"{ended(row['status'])} in run {short}"
        else:
            reused[inst.id] = TaskResult(
                id=inst.id,
                task=inst.task.name,
                state="succeeded",
                outputs=dict(row["outputs"] or {}),
                reason=f"reused from run {short}",
                reused_from=row["id"],
            )
    return Resumed(previous, reused, rerun)
