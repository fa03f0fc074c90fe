"""The story of a workflow run whose history is delayed: the store was unreachable at its
end, so part of its history waits in this process's journal (``store.resilient``).

:func:`delayed_workflow_story` builds the shape of :mod:`scriptrunner.app.story` without
reading the store: the rows the journal holds are exactly what the store will get (task
rows, their ends, attempts and costs, the workflow's end); what reached the store before
the outage is rebuilt from the :class:`~scriptrunner.workflows.results.WorkflowResult`
with the same row builders the writers use.  Two keys say so: ``"history": "delayed"``
and ``journal`` (the journal file's path, None when it is gone already: another
process replayed it).  What only the store has is empty or None (``docs/history.md``,
"The story while history is delayed"): ``events`` (their ids are the store's),
``scans``, ``trace_id``, the cost of a task written before the outage, the workflow's
``parent_run_id``, and the ``id``, ``started_at`` and ``finished_at`` of a task that
ran no process and was written before the outage (a blocked one's ``command`` too).  In
a workflow that uses secrets, the ``command`` of a task written before the outage is
None too: only the store has it masked.  Tasks are in the order they started, tasks
with no ``started_at`` last.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scriptrunner.app.story import row_story, story_from_store, with_tasks
from scriptrunner.store import journal, ops, rows

if TYPE_CHECKING:
    from scriptrunner.settings import Settings
    from scriptrunner.workflows.model import Plan
    from scriptrunner.workflows.results import TaskResult, WorkflowResult

__all__ = ["delayed_workflow_story", "journal_of", "workflow_run_story"]


def workflow_run_story(
    settings: Settings, plan: Plan, result: WorkflowResult, *, delayed: str | None
) -> dict[str, Any]:
    """What ``workflow run --json`` prints: the story from the store, or, when the run's
    history is ``delayed`` (the session's "history delayed" message, else None), from
    the journal and the result."""
    if delayed is None:
        return story_from_store(settings, result.run_id)
    path, records = journal_of(settings, result.run_id)
    return delayed_workflow_story(plan, result, path, records)


def journal_of(settings: Settings, run_id: str) -> tuple[str | None, list[dict[str, Any]]]:
    """This process's journal file for the store ``settings`` name that holds writes of
    run ``run_id``, and its records (``None`` and no records when there is none)."""
    directory = journal.journal_dir(settings.home)
    key = journal.store_key(settings.store_url)
    mine = f"-{os.getpid()}-"  # the file's name: HOST-PID-RANDOM.jnl (store.journal_writer)
    for path in reversed(journal.pending_files(directory)):  # newest first
        if mine not in os.path.basename(path):
            continue
        try:
            contents = journal.read(path)
        except OSError:
            continue  # replayed and removed meanwhile
        header = contents.header or {}
        if (header.get("store"), header.get("pid"), header.get("host")) != (
            key,
            os.getpid(),
            os.uname().nodename,
        ):
            continue
        records = [record for _offset, record in contents.records]
        if any(_concerns(record, run_id) for record in records):
            return path, records
    return None, []


def _concerns(record: Mapping[str, Any], run_id: str) -> bool:
    if record.get("op") == ops.START:
        row = record["row"]
        return run_id in (row.get("id"), row.get("workflow_run_id"))
    return record.get("run_id") == run_id


class _Delayed:
    """A story source (``app.story.RunSource``) over the journal's rows of one workflow
    run, completed from its result."""

    def __init__(self, plan: Plan, result: WorkflowResult, records: list[dict[str, Any]]):
        self.plan = plan
        self.result = result
        self.started: dict[str, dict[str, Any]] = {}  # journaled start rows by run id
        self.finished: dict[str, dict[str, Any]] = {}  # journaled ends by run id
        self.costs: dict[str, float] = {}
        for record in records:
            if record.get("op") == ops.START:
                self.started[record["row"]["id"]] = dict(record["row"])
            elif record.get("op") == ops.FINISH:
                self.finished[record["run_id"]] = record
            elif record.get("op") == ops.COST:
                self.costs[record["run_id"]] = record["usd"]
        self.secrets = any(plan.workflow.task_secrets(i.task) for i in plan.instances)

    def get_run(self, run_id: str) -> dict[str, Any]:
        raise KeyError(run_id)  # rows are given to app.story.row_story directly

    def scans_of(self, run_id: str) -> list[dict[str, Any]]:
        return []

    def trace_ids_of(self, run_id: str) -> list[str]:
        return []

    def workflow_row(self) -> dict[str, Any]:
        from scriptrunner.workflows.records import workflow_finish_values, workflow_start_row

        result = self.result
        row = workflow_start_row(result.run_id, self.plan.workflow, result.started_at)
        end = self.finished.get(result.run_id)
        row.update(end["values"] if end is not None else workflow_finish_values(result))
        row.update(tasks=[], events=[])  # app.story.row_story: no tasks from a store
        return row

    def task_row(self, task: TaskResult) -> dict[str, Any]:
        run = task.run
        wid = self.result.run_id
        if run is None:  # no process: its complete row, journaled or rebuilt
            row = next(
                (
                    dict(r)
                    for r in self.started.values()
                    if r.get("workflow_run_id") == wid and r.get("task_name") == task.id
                ),
                None,
            ) or _unstarted_row(self.plan, task, wid)
            row.update(attempt_rows=[], events=[])
            return row
        row = self.started.get(run.run_id) or rows.run_start_row(
            run_id=run.run_id,
            kind="task",
            script=run.script,
            command=run.command,
            cwd=run.cwd,
            tags=run.tags,
            started_at=run.started_at,
            parent_run_id=run.parent_run_id,
            workflow_run_id=wid,
            task_name=task.id,
        )
        if run.run_id not in self.started and self.secrets:
            row["command"] = None  # only the store has it masked
        end = self.finished.get(run.run_id)
        if end is not None:
            row.update(end["values"])
            attempts = [dict(a) for a in end["attempts"]]
        else:
            row.update(rows.run_finish_values(run, dict(task.outputs)))
            attempts = [rows.attempt_row(run.run_id, a) for a in run.attempts]
        if run.run_id in self.costs:
            row["cloud_cost_usd"] = self.costs[run.run_id]
        row.update(attempt_rows=attempts, events=[])
        return row


def _unstarted_row(plan: Plan, task: TaskResult, workflow_run_id: str) -> dict[str, Any]:
    """The row of a task that ran no process and reached the store before the outage, as
    the scheduler wrote it but for what only the store knows (its id and times; a
    blocked task's command, which came from its scan)."""
    from scriptrunner.workflows.records import unstarted_task_row

    inst = next(i for i in plan.instances if i.id == task.id)
    row = unstarted_task_row(
        inst, task, workflow_run_id=workflow_run_id, base_dir=plan.workflow.base_dir, run_id=""
    )
    row.update(id=None, started_at=None, finished_at=None)
    if task.state == "blocked":
        row["command"] = None
    return row


def delayed_workflow_story(
    plan: Plan, result: WorkflowResult, journal_path: str | None, records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The story of workflow run ``result`` (of ``plan``) from the journal's ``records``
    and the result itself, marked ``"history": "delayed"`` with ``journal_path``."""
    source = _Delayed(plan, result, records)
    story = row_story(source, source.workflow_row())
    tasks: list[dict[str, Any]] = []
    for task in result.tasks.values():
        row = source.task_row(task)
        one = row_story(source, row)
        one.update(
            state=task.state,
            result=task.result,
            reason=task.reason,
            reused_from=row.get("parent_run_id"),
        )
        tasks.append(one)
    tasks.sort(key=lambda t: (t["started_at"] is None, t["started_at"] or 0.0, t["id"] or ""))
    with_tasks(story, {str(t["name"]): t for t in tasks})
    story.update(history="delayed", journal=journal_path)
    return story
