"""``scriptrunner run`` whose end the SQLite store cannot take (a lock held past the busy
timeout): the script's exit code stands, the end is journaled, a line says where, and the
next command (or ``db replay``) writes it.  The fast path's end is journaled the same way,
and the fast path replays journals of gone processes before its own start row."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from fixtures.cli import cli
from fixtures.waiting import wait_until
from scriptrunner.cli.fast_record import Recording
from scriptrunner.store.sqlite import SqliteHistory

#: A daemon that takes the store's write lock, says so, holds it for 3 s and says so.
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
conn.execute("ROLLBACK")
open(sys.argv[3], "w").close()
"""
#: The script: starts the holder in a session of its own, waits for the lock, exits 0.
SCRIPT = """
import os, subprocess, sys, time
holder, db, held, released = sys.argv[1:5]
subprocess.Popen([sys.executable, holder, db, held, released], start_new_session=True)
while not os.path.exists(held):
    time.sleep(0.01)
"""


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_run_keeps_its_exit_code_when_its_end_cannot_be_stored(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "history.db"
    SqliteHistory(db).close()
    holder, script = tmp_path / "holder.py", tmp_path / "job.py"
    holder.write_text(HOLDER)
    script.write_text(SCRIPT)
    held, released = tmp_path / "held", tmp_path / "released"
    done = cli(
        home,
        "run",
        "--json",
        "--keep-daemons",  # the lock outlives the script
        str(script),
        str(holder),
        str(db),
        str(held),
        str(released),
        env={"SCRIPTRUNNER_BUSY_TIMEOUT": "0.2"},
    )
    assert done.returncode == 0, done.stderr
    assert "history delayed" in done.stderr and "Traceback" not in done.stderr
    journals = list((home / "journal").glob("*.jnl"))
    assert len(journals) == 1 and str(journals[0]) in done.stderr
    assert rows(db, "SELECT status FROM runs") == [("running",)]
    story = json.loads(done.stdout)  # from the run itself: the store does not have its end
    assert (story["status"], story["exit_code"], story["attempt_count"]) == ("succeeded", 0, 1)
    assert story["id"] == rows(db, "SELECT id FROM runs")[0][0]

    wait_until(released.exists, what="the lock to be released", timeout=10)
    replayed = cli(home, "db", "replay")
    assert replayed.returncode == 0, replayed.stderr
    assert rows(db, "SELECT status, exit_code, attempts FROM runs") == [("succeeded", 0, 1)]
    types = [t for (t,) in rows(db, "SELECT type FROM events ORDER BY id")]
    assert types == ["run.started", "run.attempt.finished", "run.finished"]
    assert not journals[0].exists()


def test_the_fast_path_journals_an_end_it_cannot_store_and_replays_it_next_time(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    db = home / "history.db"
    SqliteHistory(db).close()
    run_id = "c" * 32
    recording = Recording(str(db), run_id, busy_timeout=0.2)
    t0 = time.time()
    recording.start(command=["true"], script=None, cwd=str(tmp_path), tags={}, t0=t0)
    pid = os.posix_spawnp("true", ["true"], dict(os.environ))
    _, status, usage = os.wait4(pid, 0)
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        end = recording.finish(
            t0=t0,
            wall=0.01,
            wait_status=status,
            usage=usage,
            parent_hwm=0,
            monitor=None,
            cancelled=False,
            kept=(b"out\n", b""),
            totals=(4, 0),
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert (end["status"], end["exit_code"]) == ("succeeded", 0)  # what the summary says
    err = capfd.readouterr().err
    journals = list((home / "journal").glob("*.jnl"))
    assert len(journals) == 1 and "history delayed" in err and str(journals[0]) in err
    recording.conn.close()  # type: ignore[union-attr]

    # The next run (the fast path: an existing store, no settings) writes it first.
    again = cli(home, "run", "-q", "--", sys.executable, "-c", "pass")
    assert again.returncode == 0, again.stderr
    assert rows(db, f"SELECT status, stdout_tail FROM runs WHERE id = '{run_id}'") == [
        ("succeeded", "out\n")
    ]
    assert rows(db, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM run_attempts") == [(2,)]
    assert not journals[0].exists()
