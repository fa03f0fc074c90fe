"""The journaled store over a reachable SQLite store: spans, costs and scans go straight
to the store, reads and other attributes are the store's, and a write the store refuses
is named (not journaled, not raised)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from fixtures.store_rows import FINDING, RUN, SCAN, SPAN
from scriptrunner.events import Event
from scriptrunner.settings import Settings
from scriptrunner.store import rows
from scriptrunner.store.resilient import JournaledStore, journal_for
from scriptrunner.store.sqlite import SqliteHistory


def opened(home: Path) -> JournaledStore:
    settings = Settings(home=home)
    return JournaledStore(SqliteHistory(home / "history.db"), journal_for(settings))


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_spans_costs_and_scans_are_written_to_the_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = opened(home)
    try:
        row = rows.run_start_row(
            run_id=RUN, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
        )
        store.start_run(row)
        store.append_spans([])  # nothing to write
        store.append_spans([SPAN])
        store.set_run_cost(RUN, 0.5, [Event("cost.attributed", RUN, {}, 3.0)])
        store.record_scan(SCAN, [FINDING])
        assert store.run_exists(RUN) and not store.run_exists("b" * 32)
        assert Path(store.path) == home / "history.db"  # the wrapped store's attribute
        assert store.pending == 0 and store.refused == [] and store.lost == []
    finally:
        store.close()
    db = home / "history.db"
    assert query(db, "SELECT span_id FROM spans") == [("s1",)]
    assert query(db, "SELECT cloud_cost_usd FROM runs") == [(0.5,)]
    assert query(db, "SELECT type FROM events WHERE type = 'cost.attributed'") == [
        ("cost.attributed",)
    ]
    assert query(db, "SELECT id FROM scans") == [("scan1",)]
    assert query(db, "SELECT id FROM findings") == [(1,)]


def test_a_refused_write_is_named_and_the_others_are_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = opened(home)
    try:
        store.append_spans([SPAN])
        store.append_spans([SPAN])  # the same span id again: refused by the store
        store.record_scan(SCAN, [])
    finally:
        store.close()
    assert len(store.refused) == 1 and "IntegrityError" in store.refused[0]
    db = home / "history.db"
    assert query(db, "SELECT count(*) FROM spans") == [(1,)]
    assert query(db, "SELECT id FROM scans") == [("scan1",)]
