"""Replaying gone processes' journals when something is wrong, with real faults: the store
fails in the middle of a replay (its ``spans`` table is gone: a real ``OperationalError``
from SQLite, an outage to the replay), a journal "file" that cannot be read (a FIFO), and
a journal written in a newer format.  Nothing is half-written, nothing is lost, and what
could not be replayed is left where it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli
from fixtures.store_rows import RUN, SPAN
from scriptrunner.store import journal, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.replay import replay_directory
from scriptrunner.store.replay_sqlite import SqliteTarget
from scriptrunner.store.sqlite import SqliteHistory


def start(run_id: str = RUN) -> dict[str, Any]:
    row = rows.run_start_row(
        run_id=run_id, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    return {"op": "start", "row": row, "events": []}


def table(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def gone_journal(home: Path, records: list[dict[str, Any]]) -> tuple[Path, str]:
    """A fresh store in ``home`` and the journal a gone process left for it."""
    db = home / "history.db"
    SqliteHistory(db).close()
    key = journal.store_key(f"sqlite:///{db}")
    writer = JournalWriter(journal.journal_dir(home), key)
    writer.append(records)
    writer.close()
    return Path(str(writer.path)), key


def test_a_store_failing_mid_replay_keeps_nothing_of_it_and_the_journal_stays(
    tmp_path: Path,
) -> None:
    path, key = gone_journal(tmp_path, [start(), {"op": "spans", "rows": [SPAN]}])
    db = tmp_path / "history.db"
    schema = table(db, "SELECT sql FROM sqlite_master WHERE name = 'spans'")[0][0]
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE spans")  # the run start goes in, then the spans write fails
    conn.commit()
    before = path.read_bytes()
    directory = journal.journal_dir(tmp_path)
    with pytest.raises(sqlite3.OperationalError, match="no such table: spans"):
        replay_directory(SqliteTarget(str(db)), directory, key)
    assert table(db, "SELECT count(*) FROM runs") == [(0,)]  # rolled back whole
    assert path.read_bytes() == before
    assert not (Path(directory) / journal.REJECTED).exists()  # an outage, not a refusal
    conn.execute(schema)  # the store is back
    conn.commit()
    conn.close()
    report = replay_directory(SqliteTarget(str(db)), directory, key)
    assert (report.files, report.applied, report.present, report.refused) == (1, 2, 0, [])
    assert table(db, "SELECT id FROM runs") == [(RUN,)]
    assert table(db, "SELECT trace_id, span_id FROM spans") == [("t1", "s1")]
    assert not path.exists()


def test_a_journal_file_that_cannot_be_read_is_a_problem_and_the_others_are_replayed(
    tmp_path: Path,
) -> None:
    path, key = gone_journal(tmp_path, [start()])
    fifo = Path(journal.journal_dir(tmp_path)) / f"pipe{journal.SUFFIX}"
    os.mkfifo(fifo)  # opens and locks like a file, but cannot be read at an offset
    report = replay_directory(
        SqliteTarget(str(tmp_path / "history.db")), journal.journal_dir(tmp_path), key
    )
    assert report.problems == [f"{fifo}: cannot be read: Illegal seek"]
    assert (report.files, report.applied, report.busy) == (1, 1, 0)
    assert fifo.exists() and not path.exists()
    assert table(tmp_path / "history.db", "SELECT id FROM runs") == [(RUN,)]


def test_a_journal_of_a_newer_format_is_left_alone_and_named(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    path, key = gone_journal(tmp_path, [start("b" * 32)])
    newer = Path(journal.journal_dir(tmp_path)) / f"newer{journal.SUFFIX}"
    header = {"journal": journal.VERSION + 1, "store": key, "created": 1.0}
    data = journal.encode(header) + journal.encode(start()) + journal.encode({"op": "future"})
    newer.write_bytes(data)
    report = replay_directory(SqliteTarget(str(db)), journal.journal_dir(tmp_path), key)
    assert report.problems == [
        f"{newer}: written in journal format {journal.VERSION + 1} by a newer scriptrunner "
        f"(this one reads format {journal.VERSION}): not replayed"
    ]
    assert newer.read_bytes() == data  # kept as it was, for the scriptrunner that wrote it
    assert not (Path(journal.journal_dir(tmp_path)) / journal.REJECTED).exists()
    assert (report.files, report.applied, report.refused) == (1, 1, [])
    assert table(db, "SELECT id FROM runs") == [("b" * 32,)]  # only the other journal's
    assert not path.exists()


def test_db_replay_when_the_store_fails_mid_replay_says_so_and_keeps_the_journal(
    tmp_path: Path,
) -> None:
    path, _ = gone_journal(tmp_path, [start(), {"op": "spans", "rows": [SPAN]}])
    conn = sqlite3.connect(tmp_path / "history.db")
    conn.execute("DROP TABLE spans")
    conn.commit()
    conn.close()
    done = cli(tmp_path, "db", "replay")
    assert done.returncode == 2, done.stderr
    assert (
        f"cannot replay the history journal {journal.journal_dir(tmp_path)}: history store "
        f"sqlite:///{tmp_path / 'history.db'} became unreachable (OperationalError: no such "
        "table: spans); what was not written is kept"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert path.exists()
    assert table(tmp_path / "history.db", "SELECT count(*) FROM runs") == [(0,)]


def test_db_replay_leaves_a_live_writers_journal_and_a_newer_one_and_says_so(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    SqliteHistory(db).close()
    key = journal.store_key(f"sqlite:///{db}")
    live = JournalWriter(journal.journal_dir(tmp_path), key)
    live.append([start()])  # this process holds it (locked) while the CLI runs
    newer = Path(journal.journal_dir(tmp_path)) / f"newer{journal.SUFFIX}"
    newer.write_bytes(journal.encode({"journal": journal.VERSION + 1, "store": key}))
    try:
        done = cli(tmp_path, "db", "replay")
    finally:
        live.close()
    assert done.returncode == 0, done.stderr
    assert "1 journal file(s) still written by running processes: left to them" in done.stdout
    assert f"warning: {newer}: written in journal format {journal.VERSION + 1}" in done.stderr
    assert "replayed 0 journal file(s)" in done.stdout
    assert Path(str(live.path)).exists() and newer.exists()
    assert table(db, "SELECT count(*) FROM runs") == [(0,)]
