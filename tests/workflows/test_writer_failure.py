"""History writes that fail while a workflow runs: an outage (the store cannot take the
writes) does not stop the workflow, whose writes are journaled and replayed later; a
journal that cannot take them either ends the workflow at once (every child cancelled:
nothing keeps running unrecorded) and the error is raised."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import journal
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.replay import replay_directory
from scriptrunner.store.replay_sqlite import SqliteTarget, SqliteTx
from scriptrunner.store.resilient import JournaledStore
from scriptrunner.store.sqlite import SqliteHistory
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict


class FailingBatches(SqliteHistory):
    """Takes the workflow's own row, refuses every batch after it (a full disk)."""

    def write_batch(
        self,
        runs: Sequence[Mapping[str, Any]],
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event],
    ) -> None:
        raise StoreError("cannot write history store: disk full")


class FullDisk(SqliteTarget):
    """Replays fail too while the disk is full."""

    full = True

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqliteTx]:
        if self.full:
            raise StoreError("cannot write history store: disk full")
        with super().transaction() as tx:
            yield tx


def journaled(tmp_path: Path, **options: Any) -> JournaledStore:
    db = tmp_path / "h.db"
    key = journal.store_key(f"sqlite:///{db}")
    writer = JournalWriter(str(tmp_path / "journal"), key, **options)
    return JournaledStore(FailingBatches(db), writer, target=FullDisk(str(db)))


def test_a_store_outage_does_not_cancel_the_workflow_and_its_history_is_replayed(
    tmp_path: Path,
) -> None:
    store = journaled(tmp_path)
    plan = expand(
        workflow_from_dict(
            {
                "name": "w",
                "tasks": {
                    "a": {"run": "sleep 0.2"},
                    "b": {"run": "sh -c 'exit 3'", "needs": ["a"]},
                    "c": {"run": "true", "needs": ["a"], "retries": 1},
                },
            },
            base_dir=tmp_path,
        )
    )
    result = WorkflowEngine(store).run(plan)  # no StoreError: the tasks decide
    assert {i: t.state for i, t in result.tasks.items()} == {
        "a": "succeeded",
        "b": "failed",
        "c": "succeeded",
    }
    assert result.exit_code == 1
    assert not store.settle() and "history delayed" in str(store.delayed())
    store.close()  # the journal is kept for a later replay

    db = tmp_path / "h.db"
    report = replay_directory(
        SqliteTarget(str(db)), str(tmp_path / "journal"), journal.store_key(f"sqlite:///{db}")
    )
    assert report.files == 1 and not report.refused and not report.problems
    conn = sqlite3.connect(db)
    stored = dict(conn.execute("SELECT coalesce(task_name, kind), status FROM runs"))
    running = conn.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()
    conn.close()
    assert stored == {"w": "failed", "a": "succeeded", "b": "failed", "c": "succeeded"}
    assert running == (0,)


def test_a_journal_that_cannot_take_the_writes_cancels_the_workflow_and_its_children(
    tmp_path: Path,
) -> None:
    store = journaled(tmp_path, max_bytes=600)
    plan = expand(
        workflow_from_dict(
            {"name": "w", "tasks": {"a": {"run": "sleep 30"}, "b": {"run": "sleep 30"}}},
            base_dir=tmp_path,
        )
    )
    start = time.monotonic()
    with pytest.raises(StoreError, match="is full"):
        WorkflowEngine(store).run(plan)
    store.close()
    assert time.monotonic() - start < 15  # not the 30 s the children would have run


def test_the_environment_is_read_once_per_workflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks start from the environment as it was when the workflow started."""
    monkeypatch.setenv("SR_SNAPSHOT", "before")
    plan = expand(
        workflow_from_dict(
            {
                "name": "w",
                "tasks": {
                    "a": {"run": "true"},
                    "b": {"run": "sh -c 'test \"$SR_SNAPSHOT\" = before'", "needs": ["a"]},
                },
            },
            base_dir=tmp_path,
        )
    )
    engine = WorkflowEngine()
    # Changed while the workflow runs (after its first task's start is published).
    engine.bus.subscribe(
        lambda e: monkeypatch.setenv("SR_SNAPSHOT", "after") if e.type == "run.started" else None
    )
    assert engine.run(plan).ok


def test_the_journal_holds_no_secret_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes are masked before they are queued, so what the journal keeps is masked."""
    from scriptrunner.vaults.masking import Masker
    from scriptrunner.workflows import engine
    from scriptrunner.workflows.secrets import WorkflowSecrets

    value = "hunter2-the-secret-value"
    plan = expand(
        workflow_from_dict(
            {
                "name": "w",
                "secrets": {"PASSWORD": "vault://secret/app#password"},
                "tasks": {"a": {"run": "sh -c 'echo $PASSWORD; echo " + value + " >&2'"}},
            },
            base_dir=tmp_path,
        )
    )
    secrets = WorkflowSecrets(plan, {"vault://secret/app#password": value}, Masker([value]))
    monkeypatch.setattr(engine, "resolve_plan_secrets", lambda *_a, **_k: secrets)
    store = journaled(tmp_path)
    result = WorkflowEngine(store).run(plan)
    assert result.ok
    path = Path(str(store.journal.path))
    store.close()
    data = path.read_bytes()
    assert b"***" in data
    assert value.encode() not in data
