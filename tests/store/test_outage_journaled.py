"""The journaled store under the background writer: an outage journals writes in order and
they are replayed when the store is back, exactly once (a batch cut off after its commit
too); a refused write is kept aside and reported, not retried for ever; the run start is
fail closed; a full journal is fatal."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.waiting import wait_until
from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import journal, rows
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.replay import replay_directory
from scriptrunner.store.replay_sqlite import SqliteTarget, SqliteTx
from scriptrunner.store.resilient import JournaledStore
from scriptrunner.store.sqlite import SqliteHistory


class Outage:
    """A switch: while ``down``, the store and its replay target fail as a lost disk does."""

    def __init__(self) -> None:
        self.down = False
        #: Fail after the commit went through (the acknowledgement is what is lost).
        self.after_commit = False

    def check(self) -> None:
        if self.down:
            raise StoreError("cannot write history store") from sqlite3.OperationalError(
                "disk I/O error"
            )


class FlakyStore(SqliteHistory):
    def __init__(self, path: Path, outage: Outage) -> None:
        super().__init__(path)
        self.outage = outage

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.outage.check()
        with super().transaction():
            yield
        if self.outage.after_commit:
            self.outage.after_commit = False
            self.outage.down = True
            self.outage.check()


class FlakyTarget(SqliteTarget):
    def __init__(self, path: Path, outage: Outage) -> None:
        super().__init__(str(path))
        self.outage = outage

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqliteTx]:
        self.outage.check()
        with super().transaction() as tx:
            yield tx


def make(tmp_path: Path, outage: Outage, **options: Any) -> JournaledStore:
    db = tmp_path / "history.db"
    writer = JournalWriter(
        str(tmp_path / "journal"), journal.store_key(f"sqlite:///{db}"), **options
    )
    return JournaledStore(
        FlakyStore(db, outage), writer, first_backoff=0.05, target=FlakyTarget(db, outage)
    )


def start_row(run_id: str) -> dict[str, Any]:
    return rows.run_start_row(
        run_id=run_id, kind="task", script=None, command=["x"], cwd="/", tags={"k": "v"},
        started_at=1.0,
    )  # fmt: skip


def write_run(writer: Any, i: int) -> None:
    rid = f"{i:032d}"
    writer.start_run(start_row(rid), [Event("run.started", rid)])
    attempt = rows.attempt_values(
        rid, attempt=1, status="succeeded", exit_code=0, signal=None, started_at=1.0,
        finished_at=2.0, delay_before=0.0, metrics=dict.fromkeys(METRICS, 0.0),
    )  # fmt: skip
    writer.finish_run(
        rid, {"status": "succeeded", "attempts": 1}, [attempt], [], [Event("run.finished", rid)]
    )


METRICS = (
    "wall_seconds", "cpu_user_seconds", "cpu_system_seconds", "peak_rss_bytes",
    "cpu_percent_avg", "cpu_percent_max",
)  # fmt: skip


def table(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def exact(db: Path, runs: int) -> None:
    """``runs`` runs, each succeeded with one attempt and its two events, once."""
    assert table(db, "SELECT count(*), min(status), max(status) FROM runs") == [
        (runs, "succeeded", "succeeded")
    ]
    assert table(db, "SELECT count(*) FROM run_attempts") == [(runs,)]
    assert table(db, "SELECT count(*) FROM run_tags") == [(runs,)]
    types = [t for (t,) in table(db, "SELECT type FROM events ORDER BY id")]
    assert types == ["run.started", "run.finished"] * runs  # in order, none twice


def test_writes_during_an_outage_are_journaled_then_replayed_in_order(tmp_path: Path) -> None:
    outage = Outage()
    store = make(tmp_path, outage)
    writer = BackgroundWriter(store, interval=0.0)
    write_run(writer, 0)
    writer.flush()
    outage.down = True
    for i in range(1, 30):
        write_run(writer, i)
    writer.flush()  # no error: the writes are in the journal
    assert store.pending > 0 and store.journal.path is not None
    assert Path(store.journal.path).exists()
    assert "history delayed" in str(store.delayed())
    outage.down = False
    # Nothing else is written: the writer replays on its own when the next try is due.
    wait_until(lambda: store.pending == 0, what="the journal to be replayed", timeout=10)
    writer.close()
    store.close()
    exact(tmp_path / "history.db", 30)
    assert not list((tmp_path / "journal").glob("*.jnl"))


def test_a_batch_whose_commit_was_cut_off_is_not_written_twice(tmp_path: Path) -> None:
    outage = Outage()
    store = make(tmp_path, outage)
    writer = BackgroundWriter(store, interval=60.0)
    for i in range(5):
        write_run(writer, i)
    outage.after_commit = True  # the batch commits, then the connection "drops"
    writer.flush()
    assert store.pending == 10  # journaled: whether it was stored is not known
    outage.down = False
    assert store.settle()
    writer.close()
    store.close()
    exact(tmp_path / "history.db", 5)


def test_replaying_a_journal_twice_changes_nothing(tmp_path: Path) -> None:
    outage = Outage()
    store = make(tmp_path, outage)
    outage.down = True
    writer = BackgroundWriter(store, interval=0.0)
    for i in range(3):
        write_run(writer, i)
    writer.close()
    path = Path(str(store.journal.path))
    copy = path.with_name("copy" + journal.SUFFIX)
    copy.write_bytes(path.read_bytes())
    store.close()  # releases its file: a gone writer's journal
    outage.down = False
    db = tmp_path / "history.db"
    key = journal.store_key(f"sqlite:///{db}")
    report = replay_directory(SqliteTarget(str(db)), str(tmp_path / "journal"), key)
    assert (report.files, report.applied, report.present) == (2, 6, 6)
    exact(db, 3)


def test_a_refused_write_is_kept_aside_and_reported_and_later_writes_go_on(
    tmp_path: Path,
) -> None:
    store = make(tmp_path, Outage())
    writer = BackgroundWriter(store, interval=60.0)
    write_run(writer, 0)
    writer.flush()
    writer.start_run(start_row(f"{0:032d}"))  # the same id again: the store refuses it
    write_run(writer, 1)
    writer.close()  # not fatal
    store.close()
    exact(tmp_path / "history.db", 2)
    assert len(store.refused) == 1 and "IntegrityError" in store.refused[0]
    kept = list((tmp_path / "journal" / journal.REJECTED).glob("*.jnl"))
    assert len(kept) == 1 and str(kept[0]) in store.refused[0]
    contents = journal.read(str(kept[0]))
    assert contents.records[0][1]["op"] == "start" and "error" in contents.records[0][1]
    assert not list((tmp_path / "journal").glob("*.jnl"))  # nothing waits for a replay


def test_a_run_start_is_written_now_or_refused(tmp_path: Path) -> None:
    outage = Outage()
    store = make(tmp_path, outage)
    outage.down = True
    store.append_event(Event("note", None))  # journaled
    with pytest.raises(StoreError, match="unreachable .* nothing was started"):
        store.start_run(start_row("b" * 32))
    outage.down = False
    store.start_run(start_row("b" * 32))  # the journal first, then the row
    store.close()
    assert table(tmp_path / "history.db", "SELECT count(*) FROM runs") == [(1,)]
    assert table(tmp_path / "history.db", "SELECT type FROM events") == [("note",)]


def test_a_full_journal_is_fatal_for_the_writer(tmp_path: Path) -> None:
    outage = Outage()
    store = make(tmp_path, outage, max_bytes=2000)
    seen: list[BaseException] = []
    writer = BackgroundWriter(store, on_error=seen.append, interval=0.0)
    outage.down = True
    for i in range(50):
        write_run(writer, i)
    with pytest.raises(StoreError, match="is full"):
        writer.close()
    store.close()
    assert len(seen) == 1


def test_a_write_from_another_thread_keeps_its_place_behind_the_journal(tmp_path: Path) -> None:
    """A direct write (the session's thread) goes behind what the writer journaled."""
    outage = Outage()
    store = make(tmp_path, outage)
    outage.down = True
    writer = BackgroundWriter(store, interval=0.0)
    write_run(writer, 0)
    writer.flush()
    outage.down = False
    done = threading.Event()

    def direct() -> None:
        store.append_event(Event("after", None))
        done.set()

    threading.Thread(target=direct).start()
    assert done.wait(10)
    writer.close()
    assert store.settle()
    store.close()
    types = [t for (t,) in table(tmp_path / "history.db", "SELECT type FROM events ORDER BY id")]
    assert types == ["run.started", "run.finished", "after"]
