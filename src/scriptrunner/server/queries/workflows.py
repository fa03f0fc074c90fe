"""Workflow runs with their tasks and graph, and the workflow files the server may start.

The graph comes from the run's ``workflow.started`` event (``instances``: every task
instance with its task, matrix values and needs, in plan order), so tasks that have not
started yet, or never will, are in it too (``status: pending`` until they get a row).
Runs stored before that event carried the graph fall back to the task rows and the
``task.started`` events: matrix values are known, needs are not (no edges).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from scriptrunner import events as ev
from scriptrunner.errors import ScriptRunnerError
from scriptrunner.server.queries.common import fetch
from scriptrunner.server.queries.runs import ATTEMPT_KEYS, RUNS, get_run
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

#: ``build (os=linux)`` -> ``build``: an instance id without its matrix values.
_MATRIX_SUFFIX = re.compile(r" \(.*\)$")
#: At most this many workflow files are listed per directory (a safety bound).
MAX_DEFINITIONS = 1000


def get_workflow(reader: HistoryReader, run_id: str) -> dict[str, Any] | None:
    """The workflow run's item with ``tasks`` (plan order) and ``edges`` ([need, task])."""
    run = get_run(reader, run_id)
    if run is None or run["kind"] != "workflow":
        return None
    e = schema.events
    q = select(e.c.type, e.c.payload).where(
        e.c.run_id == run_id, e.c.type.in_([ev.WORKFLOW_STARTED, ev.TASK_STARTED])
    )
    events = fetch(reader, q.order_by(e.c.id))
    instances: list[dict[str, Any]] = next(
        (
            list(p["payload"].get("instances") or [])
            for p in events
            if p["type"] == ev.WORKFLOW_STARTED
        ),
        [],
    )
    started = {p["payload"]["task"]: p["payload"] for p in events if p["type"] == ev.TASK_STARTED}
    rows = fetch(
        reader,
        select(RUNS).where(RUNS.c.workflow_run_id == run_id).order_by(RUNS.c.started_at, RUNS.c.id),
    )
    by_id = {row["id"]: row for row in rows}
    by_name = {row["task_name"]: row for row in rows}  # the latest row of each instance
    known = {i["id"] for i in instances}
    instances += [
        {"id": name, "matrix": started.get(name, {}).get("matrix"), "needs": []}
        for name in _unique(row["task_name"] for row in rows)
        if name not in known
    ]
    attempts = _attempts(reader, [row["id"] for row in rows])
    tasks = []
    for inst in instances:
        iid = inst["id"]
        task_run = started.get(iid, {}).get("task_run_id")
        row = by_id.get(task_run) or by_name.get(iid)
        tasks.append(_task(inst, row, attempts))
    run["tasks"] = tasks
    run["edges"] = [[need, t["name"]] for t in tasks for need in t["needs"]]
    return run


def _unique(names: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(n) for n in names if n))


def _task(
    inst: dict[str, Any], row: dict[str, Any] | None, attempts: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    name = str(inst["id"])
    row = row or {}
    matrix = inst.get("matrix") or None
    return {
        "id": row.get("id"),
        "name": name,
        "job": inst.get("task") or _MATRIX_SUFFIX.sub("", name),
        "matrix": dict(matrix) if matrix else None,
        "status": row.get("status", "pending"),
        "attempts": row.get("attempts", 0),
        "started_at": row.get("started_at"),
        "finished_at": row.get("finished_at"),
        "duration_seconds": row.get("duration_seconds"),
        "exit_code": row.get("exit_code"),
        "outputs": row.get("outputs"),
        "error": row.get("error"),
        "needs": list(inst.get("needs") or []),
        "attempt_rows": attempts.get(str(row.get("id")), []),
    }


def _attempts(reader: HistoryReader, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not run_ids:
        return {}
    a = schema.run_attempts
    q = select(a).where(a.c.run_id.in_(run_ids)).order_by(a.c.run_id, a.c.attempt)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in fetch(reader, q):
        out.setdefault(str(row["run_id"]), []).append({k: row.get(k) for k in ATTEMPT_KEYS})
    return out


def definitions(dirs: Iterable[Path]) -> dict[str, Any]:
    """Every ``*.yml``/``*.yaml``/``*.json`` file under each directory (the ones the server
    may start: symlinks leading outside are left out), loaded and checked as
    ``workflow validate`` does."""
    from scriptrunner.workflows import load_workflow

    items = []
    for directory in dirs:
        root = directory.resolve()
        files = sorted(
            p for p in root.rglob("*") if p.suffix in (".yml", ".yaml", ".json") and p.is_file()
        )
        for path in files[:MAX_DEFINITIONS]:
            if not path.resolve().is_relative_to(root):
                continue
            item: dict[str, Any] = {
                "path": path.relative_to(root).as_posix(),
                "dir": str(root),
                "name": path.stem,
                "valid": False,
                "error": None,
                "jobs": [],
            }
            try:
                spec = load_workflow(path)
            except ScriptRunnerError as exc:
                item["error"] = str(exc)
            else:
                item.update(name=spec.name, valid=True, jobs=list(spec.tasks))
            items.append(item)
    return {"items": items, "next": None}
