"""``cli.fast_run.execute`` when the program cannot be started (None: nothing ran, nothing
was recorded, the full path says why) or when the store refuses the start row (the child is
killed and reaped, the error is one line, and its exit code is the full path's)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from scriptrunner.cli.fast_run import execute, plan
from scriptrunner.errors import StoreError
from scriptrunner.store.sqlite import SqliteHistory
from scriptrunner.store.version import SCHEMA_TABLE, SCHEMA_VERSION


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    SqliteHistory(home / "history.db").close()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def run_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


def test_a_program_that_cannot_be_started_is_handed_over_unrecorded(
    home: Path, tmp_path: Path
) -> None:
    p = plan(["run", "--", "no-such-program-here"], {"SCRIPTRUNNER_HOME": str(home)})
    assert p is not None
    before = Path.cwd()
    assert execute(p) is None
    assert Path.cwd() == before
    assert run_count(home / "history.db") == 0


def test_a_refused_start_row_kills_the_child_and_says_why(
    home: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    p = plan(
        ["run", "--", "sh", "-c", f"sleep 0.5; touch {marker}"],
        {"SCRIPTRUNNER_HOME": str(home)},
    )
    assert p is not None
    conn = sqlite3.connect(home / "history.db", isolation_level=None)
    conn.execute(f"UPDATE {SCHEMA_TABLE} SET version = ?", (SCHEMA_VERSION - 1,))
    conn.close()
    code = execute(p)
    assert code == StoreError("x").exit_code
    err = capfd.readouterr().err
    assert "scriptrunner: error:" in err and "scriptrunner db upgrade" in err
    assert run_count(home / "history.db") == 0
    time.sleep(0.7)  # the child would have written its marker by now
    assert not marker.exists()


def test_a_reader_that_leaves_does_not_end_the_run(home: Path) -> None:
    p = plan(
        ["run", "--", "sh", "-c", "echo one; sleep 0.2; echo two; exit 3"],
        {"SCRIPTRUNNER_HOME": str(home)},
    )
    assert p is not None
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader of our stdout is gone
    saved = os.dup(1)
    os.dup2(write_end, 1)
    try:
        code = execute(p)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(write_end)
    assert code == 3  # the script's own exit code, not a broken pipe
    conn = sqlite3.connect(home / "history.db")
    try:
        stored = conn.execute("SELECT status, exit_code, stdout_tail FROM runs").fetchall()
    finally:
        conn.close()
    assert stored == [("failed", 3, "one\ntwo\n")]
