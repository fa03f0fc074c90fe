"""The event spine: rows and events written in one transaction, then published."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scriptrunner import event_catalogue as catalogue
from scriptrunner import events as ev
from scriptrunner.errors import StoreError
from scriptrunner.events import Event, EventBus
from scriptrunner.findings.model import Finding, Location, ScanResult, Severity
from scriptrunner.store import rows
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.recorder import Recorder
from scriptrunner.store.sqlite import SqliteHistory


def start_row(run_id: str) -> dict[str, object]:
    return rows.run_start_row(
        run_id=run_id, kind="run", script=None, command=["true"], cwd="/", tags={}, started_at=1.0
    )


def test_events_are_stored_before_subscribers_see_them(
    sqlite_store: SqliteHistory, sqlite_reader: HistoryReader
) -> None:
    bus = EventBus()
    stored_when_published: list[list[str]] = []
    bus.subscribe(
        lambda _e: stored_when_published.append([r["type"] for r in sqlite_reader.events()])
    )
    recorder = Recorder(sqlite_store, bus)

    recorder.emit("first", "r1", n=1)
    recorder.record([Event("second", None, {"nested": {"k": ["v", 2]}}, ts=123.5)])

    assert stored_when_published == [["first"], ["first", "second"]]
    got = sqlite_reader.events()
    assert [(r["type"], r["run_id"], r["payload"]) for r in got] == [
        ("first", "r1", {"n": 1}),
        ("second", None, {"nested": {"k": ["v", 2]}}),
    ]
    assert got[1]["ts"] == 123.5


def test_a_row_and_its_events_share_one_transaction(
    tmp_path: Path, sqlite_store: SqliteHistory
) -> None:
    recorder = Recorder(sqlite_store)
    started = Event(ev.RUN_STARTED, "r1", {"command": ["true"]})
    recorder.start_run(start_row("r1"), [started])
    with pytest.raises(StoreError):  # the same id again: the row fails, so does its event
        recorder.start_run(start_row("r1"), [Event(ev.RUN_STARTED, "r1", {"again": True})])
    with sqlite3.connect(tmp_path / "history.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
        assert conn.execute("SELECT payload FROM events").fetchall() == [('{"command":["true"]}',)]


def test_a_store_failure_propagates_and_subscribers_are_not_told(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "history.db")
    store.close()  # every write now fails
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    with pytest.raises(StoreError, match="cannot write history store"):
        Recorder(store, bus).emit("lost?", None)
    assert seen == []  # history must not silently lose an event that observers saw


def test_without_a_store_events_are_only_published() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    recorder = Recorder(None, bus)
    recorder.start_run(start_row("r1"), [Event(ev.RUN_STARTED, "r1")])
    recorder.set_run_cost("r1", 1.0, [Event(ev.COST_CALCULATED, "r1")])
    assert [e.type for e in seen] == [ev.RUN_STARTED, ev.COST_CALCULATED]


def test_a_scan_is_stored_with_its_findings_and_events(
    sqlite_store: SqliteHistory, sqlite_reader: HistoryReader, tmp_path: Path
) -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.subscribe(lambda e: seen.append(e.type))
    finding = Finding(("bandit",), "B602", "t", "m", Severity.HIGH, Location("a.py", 3))
    result = ScanResult(findings=(finding,), tools={"bandit": "1.8"}, targets=("a.py",))
    scan_id = Recorder(sqlite_store, bus).record_scan(
        "code", result, started_at=1.0, finished_at=2.0
    )
    assert seen == [ev.FINDING_DETECTED, ev.SCAN_COMPLETED]
    with sqlite3.connect(tmp_path / "history.db") as conn:
        assert conn.execute("SELECT id, kind, status FROM scans").fetchall() == [
            (scan_id, "code", "findings")
        ]
        assert conn.execute("SELECT rule_id, path FROM findings").fetchall() == [("B602", "a.py")]
    stored = sqlite_reader.events()
    assert [r["type"] for r in stored] == seen
    assert all(not catalogue.payload_problems(r["type"], r["payload"]) for r in stored)
