"""Replaying journaled writes into a real SQLite store: every kind of write, writes the
store has already, writes it refuses (kept aside, named), and journal files that are not
replayed (busy, unreadable header, another store)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.store_rows import FINDING, RUN, SCAN, SPAN
from scriptrunner.store import journal, replay, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.replay_sqlite import SqliteTarget
from scriptrunner.store.sqlite import SqliteHistory


def store(tmp_path: Path) -> Path:
    path = tmp_path / "history.db"
    SqliteHistory(path).close()
    return path


def start_record(run_id: str = RUN) -> dict[str, Any]:
    row = rows.run_start_row(
        run_id=run_id, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    return {"op": "start", "row": row, "events": []}


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_nothing_to_apply_opens_no_transaction() -> None:
    done = replay.apply_records(SqliteTarget("/nonexistent/dir/history.db"), [])
    assert (done.applied, done.present, done.refused) == (0, 0, [])


def sqlite_target(path: Path) -> replay.Target:
    return SqliteTarget(str(path))


def sqla_target(path: Path) -> replay.Target:
    from sqlalchemy import create_engine

    from scriptrunner.store.replay_sqla import SqlaTarget

    return SqlaTarget(create_engine(f"sqlite:///{path}"), str(path))


@pytest.mark.parametrize("make_target", [sqlite_target, sqla_target], ids=["sqlite", "sqla"])
def test_spans_cost_scans_and_runless_events_are_written_once(
    tmp_path: Path, make_target: Callable[[Path], replay.Target]
) -> None:
    path = store(tmp_path)
    runless = {"type": "store.note", "run_id": None, "ts": 5.0, "payload": "{}"}
    records = [
        start_record(),
        {"op": "spans", "rows": [SPAN]},
        {"op": "cost", "run_id": RUN, "usd": 0.25, "events": []},
        {"op": "scan", "scan": SCAN, "findings": [FINDING], "events": []},
        {"op": "event", "event": runless},
    ]
    target = make_target(path)
    first = replay.apply_records(target, list(enumerate(records)))
    assert (first.applied, first.refused) == (4, [])  # cost without events: not "fresh"
    assert query(path, "SELECT trace_id, span_id FROM spans") == [("t1", "s1")]
    assert query(path, "SELECT cloud_cost_usd FROM runs") == [(0.25,)]
    assert query(path, "SELECT id FROM scans") == [("scan1",)]
    assert query(path, "SELECT id FROM findings") == [(1,)]
    assert query(path, "SELECT type FROM events WHERE run_id IS NULL") == [("store.note",)]
    again = replay.apply_records(target, list(enumerate(records)))
    assert (again.applied, again.present, again.refused) == (0, 5, [])
    assert query(path, "SELECT count(*) FROM spans") == [(1,)]
    assert query(path, "SELECT count(*) FROM findings") == [(1,)]
    assert query(path, "SELECT count(*) FROM events WHERE run_id IS NULL") == [(1,)]


def test_a_start_of_a_running_run_updates_it(tmp_path: Path) -> None:
    path = store(tmp_path)
    target = SqliteTarget(str(path))
    replay.apply_records(target, [(0, start_record())])
    changed = start_record()
    changed["row"]["cwd"] = "/elsewhere"
    done = replay.apply_records(target, [(0, changed)])
    assert (done.applied, done.present) == (0, 1)
    assert query(path, "SELECT cwd, status FROM runs") == [("/elsewhere", "running")]


def test_an_unknown_record_is_refused_and_the_rest_written(tmp_path: Path) -> None:
    path = store(tmp_path)
    done = replay.apply_records(
        SqliteTarget(str(path)), [(0, {"op": "bogus"}), (1, start_record())]
    )
    assert done.applied == 1
    assert done.refused == [{"op": "bogus", "error": "ValueError: unknown journal record 'bogus'"}]
    assert query(path, "SELECT id FROM runs") == [(RUN,)]


def test_describe_names_events_and_scans_by_their_run() -> None:
    event = {"op": "event", "event": {"type": "run.started", "run_id": RUN}}
    assert replay.describe(event) == f"event run.started of run {RUN[:8]}"
    assert replay.describe({"op": "scan", "scan": {"run_id": RUN}}) == f"scan of run {RUN[:8]}"
    assert replay.describe({"op": "spans"}) == "spans"


def test_the_target_of_a_wrapping_store_is_its_inner_store(tmp_path: Path) -> None:
    path = store(tmp_path)

    class Wrapper:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

    inner = SqliteHistory(path)
    try:
        target = replay.target_for(Wrapper(inner))
    finally:
        inner.close()
    assert isinstance(target, SqliteTarget) and target.path == str(path)


def journal_dir(tmp_path: Path) -> Path:
    return tmp_path / journal.DIRECTORY


def key_of(path: Path) -> str:
    return journal.store_key(f"sqlite:///{path}")


def test_refused_writes_are_kept_aside_and_named(tmp_path: Path) -> None:
    path = store(tmp_path)
    writer = JournalWriter(str(journal_dir(tmp_path)), key_of(path))
    writer.append([{"op": "bogus", "run_id": RUN}, start_record()])
    writer.close()
    report = replay.replay_directory(
        SqliteTarget(str(path)), str(journal_dir(tmp_path)), key_of(path)
    )
    assert report.files == 1 and report.applied == 1
    assert report.refused == [
        f"bogus of run {RUN[:8]}: refused by the store: ValueError: unknown journal record 'bogus'"
    ]
    kept = journal.read(report.kept[0])
    assert kept.header is not None and kept.header["store"] == key_of(path)
    assert [r["op"] for _, r in kept.records] == ["bogus"]
    assert not Path(str(writer.path)).exists()


def test_files_not_replayed_are_counted_and_named(tmp_path: Path) -> None:
    path = store(tmp_path)
    directory = journal_dir(tmp_path)
    live = JournalWriter(str(directory), key_of(path))
    live.append([start_record("b" * 32)])  # its writer is alive: busy
    other = JournalWriter(str(directory), key_of(path))
    other.append([start_record("c" * 32)])
    other.close()
    headerless = Path(str(other.path))
    data = headerless.read_bytes()
    headerless.write_bytes(b"\x00" + data[1:])  # the header's marker damaged
    elsewhere = directory / f"zz{journal.SUFFIX}"
    elsewhere.write_bytes(journal.encode({"journal": journal.VERSION, "store": 5}))
    try:
        report = replay.replay_directory(SqliteTarget(str(path)), str(directory), key_of(path))
    finally:
        live.close()
    assert report.busy == 1 and report.elsewhere == 1 and report.files == 0
    assert any("its header cannot be read" in p and str(headerless) in p for p in report.problems)
    assert headerless.exists() and elsewhere.exists()
    assert query(path, "SELECT count(*) FROM runs") == [(0,)]


def test_the_fast_path_does_nothing_without_journal_files(tmp_path: Path) -> None:
    path = store(tmp_path)
    journal.make_directory(str(journal_dir(tmp_path)))
    assert replay.replay_sqlite_home(str(path)) is None
