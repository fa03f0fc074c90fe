"""The background writer: ordered, group-committed writes; errors surface at flush."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import rows
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.sqlite import SqliteHistory


def start_row(run_id: str) -> dict[str, object]:
    return rows.run_start_row(
        run_id=run_id, kind="run", script=None, command=["true"], cwd="/", tags={}, started_at=1.0
    )


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def test_every_queued_write_is_stored_in_order(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = SqliteHistory(db)
    writer = BackgroundWriter(store)
    for i in range(300):
        writer.start_run(start_row(f"run{i:04d}"), [Event("run.started", f"run{i:04d}")])
        writer.finish_run(f"run{i:04d}", {"status": "succeeded"}, [], [])
    writer.close()
    store.close()
    assert count(db, "runs") == 300 and count(db, "events") == 300
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM runs WHERE status = 'succeeded'").fetchone()[0] == 300
    conn.close()


def test_a_failed_write_is_raised_at_flush_and_stops_later_writes(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = SqliteHistory(db)
    writer = BackgroundWriter(store)
    writer.start_run(start_row("dup"))
    writer.flush()
    writer.start_run(start_row("dup"))  # primary key clash: the store refuses it
    with pytest.raises(StoreError, match="cannot write history store"):
        writer.flush()
    writer.start_run(start_row("after"))  # not attempted after a failure
    with pytest.raises(StoreError):
        writer.close()
    store.close()
    assert count(db, "runs") == 1


def test_transaction_groups_writes_and_rolls_back_together(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = SqliteHistory(db)
    with pytest.raises(StoreError), store.transaction():
        store.start_run(start_row("a"))
        store.start_run(start_row("a"))  # fails: "a" must not be stored either
    with store.transaction():
        store.start_run(start_row("b"))
        with store.transaction():  # nested: part of the outer one
            store.start_run(start_row("c"))
    store.close()
    assert count(db, "runs") == 2


def test_a_window_of_writes_is_one_commit_and_a_run_started_and_finished_in_it_one_row(
    tmp_path: Path,
) -> None:
    db = tmp_path / "h.db"
    store = SqliteHistory(db)
    writer = BackgroundWriter(store, interval=60.0)  # nothing commits before flush()
    for i in range(50):
        writer.start_run(start_row(f"run{i:02d}"), [Event("run.started", f"run{i:02d}")])
        writer.append_event(Event("task.note", f"run{i:02d}", {"i": i}))
        writer.finish_run(
            f"run{i:02d}", {"status": "succeeded"}, [], [], [Event("run.finished", f"run{i:02d}")]
        )
    writer.close()
    store.close()
    assert writer.commits <= 2  # the first write may commit alone, the rest together
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM runs WHERE status = 'succeeded'").fetchone()[0] == 50
    types = [t for (t,) in conn.execute("SELECT type FROM events ORDER BY id")]
    conn.close()
    assert types == ["run.started", "task.note", "run.finished"] * 50  # order kept


def test_a_failed_write_calls_on_error_at_once(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.db")
    seen: list[BaseException] = []
    writer = BackgroundWriter(store, on_error=seen.append, interval=0.0)
    writer.start_run(start_row("dup"))
    writer.start_run(start_row("dup"))
    with pytest.raises(StoreError):
        writer.close()
    store.close()
    assert len(seen) == 1


def test_a_run_started_twice_in_one_window_is_still_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = SqliteHistory(db)
    writer = BackgroundWriter(store, interval=60.0)
    writer.start_run(start_row("first"))
    writer.flush()
    writer.start_run(start_row("dup"))
    writer.start_run(start_row("dup"))  # same window: grouping must not hide the clash
    with pytest.raises(StoreError, match="cannot write history store"):
        writer.close()
    store.close()
    assert count(db, "runs") == 1
