"""Opening a journaled store replays what gone processes journaled: refused writes are
warnings (the rest is written), a store that cannot take it now is a warning and the
journal is kept for later."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scriptrunner.app import outages
from scriptrunner.settings import Settings
from scriptrunner.store import journal, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.sqlite import SqliteHistory

RUN = "a" * 32


def journaled(home: Path) -> Path:
    """A fresh store in ``home`` and a gone process's journal for it: a run start and a
    write the store refuses."""
    SqliteHistory(home / "history.db").close()
    row = rows.run_start_row(
        run_id=RUN, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    key = journal.store_key(f"sqlite:///{home / 'history.db'}")
    writer = JournalWriter(journal.journal_dir(home), key)
    writer.append([{"op": "start", "row": row, "events": []}, {"op": "bogus", "run_id": RUN}])
    writer.close()
    return Path(str(writer.path))


def test_open_replays_gone_journals_and_warns_about_refused_writes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = journaled(home)
    warnings: list[str] = []
    store = outages.open_journaled(Settings(home=home), warnings.append)
    store.close()
    assert warnings == [
        f"bogus of run {RUN[:8]}: refused by the store: ValueError: unknown journal record 'bogus'"
    ]
    assert not path.exists()
    conn = sqlite3.connect(home / "history.db")
    assert conn.execute("SELECT id FROM runs").fetchall() == [(RUN,)]
    conn.close()


def test_a_locked_store_is_a_warning_and_the_journal_is_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = journaled(home)
    store = SqliteHistory(home / "history.db")
    lock = sqlite3.connect(home / "history.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    warnings: list[str] = []
    try:
        outages.replay_journals(store, Settings(home=home, busy_timeout=0.05), warnings.append)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
        store.close()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"history journal {journal.journal_dir(home)} not replayed yet: ")
    assert "locked" in warnings[0]
    assert path.exists()


def test_settle_warns_about_refused_and_lost_writes_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    store = outages.open_journaled(settings, [].append)
    directory = Path(journal.journal_dir(home))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / journal.REJECTED).write_text("not a directory")  # refused writes cannot be kept
    try:
        row = rows.run_start_row(
            run_id=RUN, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
        )
        store.start_run(row)
        store.set_run_cost(RUN, 1.0)
        store.record_scan({"id": "scan1"}, [])  # missing NOT NULL columns: refused
        warnings: list[str] = []
        assert outages.settle(store, warnings.append) is None  # nothing waits in the journal
        again: list[str] = []
        assert outages.settle(store, again.append) is None
    finally:
        store.close()
    assert len(warnings) == 2
    refused, lost = warnings
    assert refused.startswith("scan: refused: IntegrityError") and "kept in" not in refused
    assert lost.startswith("scan: cannot create the history journal directory")
    assert again == []
