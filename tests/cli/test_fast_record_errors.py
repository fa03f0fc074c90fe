"""The fast path's ``Recording`` refuses a store it cannot open or whose schema is not the
one it writes: the error names the store and what to do, and no row is written."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from scriptrunner.cli.fast_record import Recording
from scriptrunner.errors import StoreError
from scriptrunner.store.sqlite import SqliteHistory
from scriptrunner.store.version import SCHEMA_TABLE, SCHEMA_VERSION


def start(db: Path) -> None:
    Recording(str(db), "a" * 32).start(
        command=["python", "job.py"], script="job.py", cwd="/", tags={}, t0=time.time()
    )


def set_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(f"UPDATE {SCHEMA_TABLE} SET version = ?", (version,))
    finally:
        conn.close()


def run_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


def test_a_store_in_a_missing_directory_is_refused_with_its_path(tmp_path: Path) -> None:
    db = tmp_path / "gone" / "history.db"
    with pytest.raises(StoreError) as caught:
        start(db)
    assert str(db) in str(caught.value)
    assert not db.exists()


def test_an_older_store_asks_for_db_upgrade_and_gets_no_row(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    SqliteHistory(db).close()
    set_version(db, SCHEMA_VERSION - 1)
    with pytest.raises(StoreError, match="scriptrunner db upgrade") as caught:
        start(db)
    assert f"schema version {SCHEMA_VERSION - 1}" in str(caught.value)
    assert run_count(db) == 0


def test_a_newer_store_is_refused_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    SqliteHistory(db).close()
    set_version(db, SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match="upgrade scriptrunner"):
        start(db)
    assert run_count(db) == 0


def test_a_journal_directory_without_journals_is_not_replayed(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    SqliteHistory(db).close()
    (tmp_path / "journal").mkdir()
    (tmp_path / "journal" / "notes.txt").write_text("not a journal")
    start(db)
    assert run_count(db) == 1
