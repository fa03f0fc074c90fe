"""Ctrl-C while a session opens its store, for real: a ``SIGINT`` arrives while the
start-up replay of a gone process's journal waits for a store another connection has
locked.  The interrupt goes through (nothing swallows it), the store the session had
opened is closed again, and the journal is kept for a later replay."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

from scriptrunner.app import outages
from scriptrunner.settings import Settings
from scriptrunner.store import journal, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.sqlite import SqliteHistory

RUN = "a" * 32


def open_files(path: Path) -> int:
    """How many descriptors of this process are open on ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            pass
    return count


def test_ctrl_c_during_the_start_up_replay_closes_the_store_and_keeps_the_journal(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    db = home / "history.db"
    SqliteHistory(db).close()
    row = rows.run_start_row(
        run_id=RUN, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    writer = JournalWriter(journal.journal_dir(home), journal.store_key(f"sqlite:///{db}"))
    writer.append([{"op": "start", "row": row, "events": []}])
    writer.close()
    lock = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    lock.execute("BEGIN IMMEDIATE")  # the replay waits for it
    before = open_files(db)

    def interrupt() -> None:
        """Once the session has the store and its replay connection open (two more
        descriptors), Ctrl-C, then let the replay go on: the interrupt surfaces in it."""
        deadline = time.monotonic() + 20
        while open_files(db) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        if open_files(db) >= before + 2:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        lock.execute("ROLLBACK")

    sent: list[bool] = []

    thread = threading.Thread(target=interrupt)
    # Python's own Ctrl-C handler, whatever an earlier test of this process installed.
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        thread.start()
        try:
            outages.open_journaled(Settings(home=home, busy_timeout=30.0), [].append).close()
        except KeyboardInterrupt:
            interrupted = True
        else:
            interrupted = False
    finally:
        thread.join()
        lock.close()
        signal.signal(signal.SIGINT, handler)
    assert sent, "the replay connection was never seen open"
    assert interrupted, "the Ctrl-C was swallowed"
    assert open_files(db) == 0  # the store the session opened is closed too
    assert Path(str(writer.path)).exists()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    conn.close()
