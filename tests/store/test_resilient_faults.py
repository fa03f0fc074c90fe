"""The journaled store with real faults, no switch: an outage is a table the store lost
(SQLite's own ``OperationalError: no such table``, which the store takes for an outage,
until the table is created again); a refusal is a row the store's constraints reject; a
journal that cannot be written is a journal directory whose parent is a file.  Each write
ends up stored once, kept in ``rejected/``, or reported lost -- never twice, never
silently gone."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

from fixtures.store_rows import RUN, SPAN
from scriptrunner.events import Event
from scriptrunner.store import journal, ops, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.outage import is_outage
from scriptrunner.store.resilient import JournaledStore
from scriptrunner.store.sqla import SqlAlchemyHistory
from scriptrunner.store.sqlite import SqliteHistory


def start_row(run_id: str = RUN) -> dict[str, Any]:
    return rows.run_start_row(
        run_id=run_id, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )


def table(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


class LostTable:
    """A table of the store file ``db`` dropped (the outage) and created again (back)."""

    def __init__(self, db: Path, name: str) -> None:
        self.db, self.name = db, name
        self.schema = table(db, f"SELECT sql FROM sqlite_master WHERE name = '{name}'")[0][0]

    def drop(self) -> None:
        self._execute(f"DROP TABLE {self.name}")

    def restore(self) -> None:
        self._execute(self.schema)

    def _execute(self, sql: str) -> None:
        conn = sqlite3.connect(self.db)
        try:
            conn.execute(sql)
            conn.commit()
        finally:
            conn.close()


def journaled(tmp_path: Path, inner: Any, directory: Path | None = None) -> JournaledStore:
    db = tmp_path / "history.db"
    writer = JournalWriter(
        str(directory or tmp_path / "journal"), journal.store_key(f"sqlite:///{db}")
    )
    return JournaledStore(inner, writer, first_backoff=60.0)


def test_a_write_neither_the_store_nor_the_journal_can_take_is_reported_lost(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the journal's parent should be")
    store = journaled(tmp_path, SqliteHistory(db), blocker / "journal")
    events = LostTable(db, "events")
    try:
        events.drop()
        store.append_event(Event("note", None, payload={"n": 1}))
        assert store.pending == 0 and store.journal.path is None
        assert store.delayed() is None  # nothing waits: it is lost, and said so
        assert len(store.lost) == 1
        assert store.lost[0].startswith(
            f"event note: cannot create the history journal directory {blocker / 'journal'}: "
        )
        events.restore()
        store.append_event(Event("note", None, payload={"n": 2}))
    finally:
        store.close()
    assert len(store.lost) == 1
    assert table(db, "SELECT payload FROM events") == [('{"n":2}',)]


def test_a_refused_write_then_an_outage_in_one_batch_keeps_each_once(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    store = journaled(tmp_path, SqliteHistory(db))
    spans = LostTable(db, "spans")
    try:
        store.start_run(start_row())
        spans.drop()
        # The batch fails whole (a duplicate run id), so each write is tried alone: the
        # start is refused, the spans meet the outage and wait in the journal.
        store.commit([(ops.START, start_row(), []), (ops.SPANS, [dict(SPAN)])])
        assert store.pending == 1
        assert len(store.refused) == 1
        assert store.refused[0].startswith(f"start of run {RUN[:8]}: refused: IntegrityError")
        # Behind the journal, a scan the store will refuse when it is replayed.
        store.record_scan({"id": "scan1", "run_id": RUN}, [])
        assert store.pending == 2
        spans.restore()
        assert store.settle()
    finally:
        store.close()
    assert table(db, "SELECT count(*) FROM runs") == [(1,)]
    assert table(db, "SELECT trace_id, span_id FROM spans") == [("t1", "s1")]
    assert table(db, "SELECT count(*) FROM scans") == [(0,)]
    assert (store.pending, store.replayed) == (0, 2)
    assert len(store.refused) == 2
    assert store.refused[1].startswith(f"scan of run {RUN[:8]}: refused: IntegrityError")
    kept = sorted((tmp_path / "journal" / journal.REJECTED).glob("*" + journal.SUFFIX))
    assert len(kept) == 1 and f"(kept in {kept[0]})" in store.refused[1]
    assert [r["op"] for _, r in journal.read(str(kept[0])).records] == ["start", "scan"]
    assert not list((tmp_path / "journal").glob("*" + journal.SUFFIX))  # nothing waits


def test_a_store_without_transactions_refuses_one_write_and_takes_the_next(
    tmp_path: Path,
) -> None:
    db = tmp_path / "history.db"
    inner = SqlAlchemyHistory(f"sqlite:///{db}")
    assert not hasattr(inner, "transaction")
    store = journaled(tmp_path, inner)
    try:
        store.start_run(start_row())
        store.record_scan({"id": "scan1", "run_id": RUN}, [])  # NOT NULL columns missing
        store.set_run_cost(RUN, 2.5)
    finally:
        store.close()
    assert len(store.refused) == 1 and "IntegrityError" in store.refused[0]
    assert (store.pending, store.lost) == (0, [])
    assert table(db, "SELECT cloud_cost_usd FROM runs") == [(2.5,)]
    assert table(db, "SELECT count(*) FROM scans") == [(0,)]


def test_a_copy_of_the_store_is_the_same_store(tmp_path: Path) -> None:
    """Copying builds the object before its ``inner`` is set: the attribute lookup that
    delegates to ``inner`` must not recurse then."""
    store = journaled(tmp_path, SqliteHistory(tmp_path / "history.db"))
    try:
        twin = copy.copy(store)
        assert twin.inner is store.inner and twin.path == store.inner.path
    finally:
        store.close()


def test_a_store_file_that_is_not_a_database_is_an_outage_not_a_refusal(tmp_path: Path) -> None:
    """SQLite's ``DatabaseError`` for a damaged file (not an ``OperationalError``): the
    writes wait in the journal for the file to be repaired rather than being refused."""
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a SQLite database\n" * 200)
    conn = sqlite3.connect(damaged)
    try:
        conn.execute("SELECT * FROM runs")
    except sqlite3.DatabaseError as exc:
        error: BaseException = exc
    finally:
        conn.close()
    assert type(error) is sqlite3.DatabaseError and "not a database" in str(error)
    assert is_outage(error)
    assert not is_outage(sqlite3.IntegrityError("UNIQUE constraint failed: runs.id"))
