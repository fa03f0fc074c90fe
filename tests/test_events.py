"""The event bus and catalogue: subscribers, failures that stay contained, payload shapes."""

from __future__ import annotations

import logging
import sys

import pytest

from scriptrunner import event_catalogue as catalogue
from scriptrunner import events as ev
from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.events import Event, EventBus
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory


def test_subscribers_are_notified_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, str]] = []
    bus.subscribe(lambda e: seen.append(("first", e.type)))
    bus.subscribe(lambda e: seen.append(("second", e.type)))

    bus.publish(Event("a", None))
    bus.publish(Event("b", "run-1", {"answer": 42}))

    assert seen == [("first", "a"), ("second", "a"), ("first", "b"), ("second", "b")]


def test_unsubscribe_stops_notifications() -> None:
    bus = EventBus()
    kept: list[Event] = []
    dropped: list[Event] = []
    bus.subscribe(kept.append)
    unsubscribe = bus.subscribe(dropped.append)

    bus.publish(Event("before", None))
    unsubscribe()
    unsubscribe()  # a second call is harmless
    bus.publish(Event("after", None))

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
            bus.publish(Event(f"e{n}", None))

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
        bus.publish(Event("x", None))
        bus.publish(Event("y", None))
    assert len([r for r in caplog.records if r.name == "scriptrunner.events"]) == 2


def test_runner_events_reach_subscribers_and_the_store(
    sqlite_store: SqliteHistory, sqlite_reader: HistoryReader, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)

    def broken(_e: Event) -> None:
        raise RuntimeError("observer bug")

    bus.subscribe(broken)
    with caplog.at_level(logging.WARNING, logger="scriptrunner.events"):
        result = Runner(sqlite_store, bus).run(
            RunSpec(command=(sys.executable, "-c", "raise SystemExit(3)"))
        )

    assert result.exit_code == 3  # a broken observer does not change the run
    types = [ev.RUN_STARTED, ev.RUN_ATTEMPT_FINISHED, ev.RUN_FINISHED]
    assert [e.type for e in seen] == types
    assert all(e.run_id == result.run_id for e in seen)
    assert seen[-1].payload["status"] == "failed" and seen[-1].payload["exit_code"] == 3

    stored = sqlite_reader.events()
    assert [(r["type"], r["run_id"]) for r in stored] == [(t, result.run_id) for t in types]
    assert [r["ts"] for r in stored] == pytest.approx([e.ts for e in seen])
    assert stored[-1]["payload"]["status"] == "failed"
    assert len([r for r in caplog.records if r.name == "scriptrunner.events"]) == 1


def test_the_catalogue_checks_payload_keys() -> None:
    assert (
        catalogue.payload_problems(ev.TASK_STARTED, {"task": "a", "task_run_id": "r", "matrix": {}})
        == []
    )
    assert catalogue.payload_problems(ev.TASK_STARTED, {"task": "a", "extra": 1}) == [
        "task.started: missing 'matrix'",
        "task.started: missing 'task_run_id'",
        "task.started: unexpected 'extra'",
    ]
    assert catalogue.payload_problems("nope", {}) == ["unknown event type 'nope'"]
    # Optional keys are allowed, not required.
    blocked = {"script": "s.py", "reason": "r", "findings": 1}
    assert catalogue.payload_problems(ev.RUN_BLOCKED, blocked) == []
    assert catalogue.payload_problems(ev.RUN_BLOCKED, {**blocked, "task": "t"}) == []


def test_every_finding_kind_has_a_catalogued_event() -> None:
    assert set(ev.FINDING_EVENTS) == {"code", "deps", "secrets"}
    assert all(t in catalogue.CATALOGUE for t in ev.FINDING_EVENTS.values())
    assert {t.name for t in catalogue.CATALOGUE.values() if not t.stored} == {
        ev.SPAN_CREATED,
        ev.SPAN_ENDED,
    }
