"""The event bus: subscribers, failures that stay contained, and persistence in the store."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scriptrunner import events as ev
from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import StoreError
from scriptrunner.events import Event, EventBus
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteHistory]:
    s = SqliteHistory(tmp_path / "history.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def reader(tmp_path: Path, store: SqliteHistory) -> Iterator[HistoryReader]:
    r = HistoryReader(f"sqlite:///{tmp_path / 'history.db'}")
    try:
        yield r
    finally:
        r.close()


def test_subscribers_are_notified_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, str]] = []
    bus.subscribe(lambda e: seen.append(("first", e.type)))
    bus.subscribe(lambda e: seen.append(("second", e.type)))

    bus.publish(Event("a", None))
    event = bus.emit("b", "run-1", answer=42)

    assert seen == [("first", "a"), ("second", "a"), ("first", "b"), ("second", "b")]
    assert (event.type, event.run_id, dict(event.payload)) == ("b", "run-1", {"answer": 42})


def test_unsubscribe_stops_notifications() -> None:
    bus = EventBus()
    kept: list[Event] = []
    dropped: list[Event] = []
    bus.subscribe(kept.append)
    unsubscribe = bus.subscribe(dropped.append)

    bus.emit("before", None)
    unsubscribe()
    unsubscribe()  # a second call is harmless
    bus.emit("after", None)

    assert [e.type for e in kept] == ["before", "after"]
    assert [e.type for e in dropped] == ["before"]


def test_failing_subscriber_is_logged_once_and_never_breaks_publish(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    after: list[str] = []

    def broken(event: Event) -> None:
        raise RuntimeError(f"cannot handle {event.type}")

    bus.subscribe(broken)
    bus.subscribe(lambda e: after.append(e.type))

    with caplog.at_level(logging.WARNING, logger="scriptrunner.events"):
        for n in range(3):
            bus.emit(f"e{n}", None)

    assert after == ["e0", "e1", "e2"]  # later subscribers still hear every event
    records = [r for r in caplog.records if r.name == "scriptrunner.events"]
    assert len(records) == 1
    assert "event subscriber" in records[0].getMessage() and "broken" in records[0].getMessage()
    assert records[0].exc_info is not None and "cannot handle e0" in str(records[0].exc_info[1])


def test_each_failing_subscriber_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()

    def one(_e: Event) -> None:
        raise ValueError("one")

    def two(_e: Event) -> None:
        raise KeyError("two")

    bus.subscribe(one)
    bus.subscribe(two)
    with caplog.at_level(logging.WARNING, logger="scriptrunner.events"):
        bus.emit("x", None)
        bus.emit("y", None)
    assert len([r for r in caplog.records if r.name == "scriptrunner.events"]) == 2


def test_events_are_persisted_before_subscribers_see_them(
    store: SqliteHistory, reader: HistoryReader
) -> None:
    bus = EventBus(store)
    stored_when_notified: list[list[str]] = []
    bus.subscribe(lambda _e: stored_when_notified.append([r["type"] for r in reader.events()]))

    bus.emit("first", "r1", n=1)
    bus.publish(Event("second", None, {"nested": {"k": ["v", 2]}}, ts=123.5))

    assert stored_when_notified == [["first"], ["first", "second"]]
    rows = reader.events()
    assert [(r["type"], r["run_id"], r["payload"]) for r in rows] == [
        ("first", "r1", {"n": 1}),
        ("second", None, {"nested": {"k": ["v", 2]}}),
    ]
    assert rows[1]["ts"] == 123.5


def test_notify_does_not_persist(store: SqliteHistory, reader: HistoryReader) -> None:
    bus = EventBus(store)
    seen: list[Event] = []
    bus.subscribe(seen.append)
    bus.notify(Event("already.stored", None))
    assert [e.type for e in seen] == ["already.stored"]
    assert reader.events() == []


def test_store_failure_propagates_and_subscribers_are_not_told(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "history.db")
    store.close()  # every write now fails
    bus = EventBus(store)
    seen: list[Event] = []
    bus.subscribe(seen.append)

    with pytest.raises(StoreError, match="cannot write history store"):
        bus.emit("lost?", None)
    assert seen == []  # history must not silently lose an event that observers saw


def test_runner_events_reach_subscribers_and_the_store(
    store: SqliteHistory, reader: HistoryReader, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)

    def broken(_e: Event) -> None:
        raise RuntimeError("observer bug")

    bus.subscribe(broken)
    with caplog.at_level(logging.WARNING, logger="scriptrunner.events"):
        result = Runner(store, bus).run(
            RunSpec(command=(sys.executable, "-c", "raise SystemExit(3)"))
        )

    assert result.exit_code == 3  # a broken observer does not change the run
    types = [ev.RUN_STARTED, ev.RUN_ATTEMPT_FINISHED, ev.RUN_FINISHED]
    assert [e.type for e in seen] == types
    assert all(e.run_id == result.run_id for e in seen)
    assert seen[-1].payload["status"] == "failed" and seen[-1].payload["exit_code"] == 3

    stored = reader.events()
    assert [(r["type"], r["run_id"]) for r in stored] == [(t, result.run_id) for t in types]
    assert [r["ts"] for r in stored] == pytest.approx([e.ts for e in seen])
    assert stored[-1]["payload"]["status"] == "failed"
    assert len([r for r in caplog.records if r.name == "scriptrunner.events"]) == 1
