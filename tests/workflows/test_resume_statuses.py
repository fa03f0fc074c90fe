"""``--resume`` and every stored task status: ``lost`` and ``infrastructure`` tasks did not
succeed and run again; a workflow still alive (its runner's pid here, a fresh lease
elsewhere, or no lease to tell) is refused with one line naming it and what to do."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from scriptrunner.errors import WorkflowError
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.resume import reuse_from_history

TASKS = {"a": {"run": "true"}, "b": {"run": "true"}, "c": {"needs": "a", "run": "true"}}


def _plan(tmp_path: Path) -> Plan:
    return expand(workflow_from_dict({"name": "statuses", "tasks": TASKS}, base_dir=tmp_path))


def _ran(tmp_path: Path) -> tuple[str, str]:
    """A finished run of the workflow, in a SQLite store: (store URL, workflow run id)."""
    path = tmp_path / "history.db"
    store = SqliteHistory(path)
    try:
        result = WorkflowEngine(store, options=EngineOptions(max_parallel=2)).run(_plan(tmp_path))
    finally:
        store.close()
    assert result.ok
    return f"sqlite:///{path}", result.run_id


def _set(url: str, where: dict[str, str], **values: object) -> None:
    reader = HistoryReader(url)
    try:
        r = schema.runs
        conds = [getattr(r.c, k) == v for k, v in where.items()]
        with reader.engine.begin() as conn:
            conn.execute(update(r).where(*conds).values(**values))
    finally:
        reader.close()


def test_lost_and_infrastructure_tasks_run_again(tmp_path: Path) -> None:
    url, run_id = _ran(tmp_path)
    _set(url, {"workflow_run_id": run_id, "task_name": "b"}, status="infrastructure")
    _set(url, {"workflow_run_id": run_id, "task_name": "c"}, status="lost")
    _set(url, {"id": run_id}, status="lost")
    reader = HistoryReader(url)
    try:
        resumed = reuse_from_history(reader, run_id, _plan(tmp_path))
    finally:
        reader.close()
    short = run_id[:8]
    assert set(resumed) == {"a"}
    assert resumed.rerun == {
        "b": f"could not run (its cluster failed) in run {short}",
        "c": f"was lost (its runner or worker died) in run {short}",
    }


@pytest.mark.parametrize(
    ("host", "heartbeat", "said"),
    [
        (None, None, "its runner, pid {pid}, is alive on this host"),
        ("elsewhere.example", 0.0, "renewed its lease"),
        ("elsewhere.example", None, "keeps no lease to check from here"),
    ],
)
def test_a_live_workflow_is_refused_with_what_to_do(
    tmp_path: Path, host: str | None, heartbeat: float | None, said: str
) -> None:
    url, run_id = _ran(tmp_path)
    values: dict[str, object] = {"status": "running", "pid": os.getpid()}
    if host is not None:
        values.update(hostname=host, heartbeat_at=time.time() if heartbeat is not None else None)
    _set(url, {"id": run_id}, **values)
    reader = HistoryReader(url)
    try:
        with pytest.raises(WorkflowError) as refused:
            reuse_from_history(reader, run_id, _plan(tmp_path))
    finally:
        reader.close()
    message = str(refused.value)
    assert "\n" not in message
    assert f"workflow run {run_id} is still running" in message
    assert said.format(pid=os.getpid()) in message
    assert "wait for it to end or cancel it" in message and f"kill -INT {os.getpid()}" in message
