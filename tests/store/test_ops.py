"""History writes as values: each kind reaches the store's own method, in order, and
becomes a plain journal record; an unknown kind is refused."""

from __future__ import annotations

from typing import Any

import pytest

from scriptrunner.events import Event
from scriptrunner.store import ops


class Calls:
    """A store without ``write_batch`` or ``transaction``: every write by its own method."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start_run(self, row: Any, events: Any) -> None:
        self.calls.append(("start_run", row["id"]))

    def finish_run(self, run_id: str, *rest: Any) -> None:
        self.calls.append(("finish_run", run_id))

    def append_event(self, event: Event) -> None:
        self.calls.append(("append_event", event.type))

    def append_spans(self, spans: Any) -> None:
        self.calls.append(("append_spans", len(spans)))

    def set_run_cost(self, run_id: str, usd: float, events: Any) -> None:
        self.calls.append(("set_run_cost", run_id, usd))

    def record_scan(self, scan: Any, findings: Any, events: Any) -> None:
        self.calls.append(("record_scan", scan["id"], len(findings)))


class Batched(Calls):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[list[str], list[str], int]] = []

    def write_batch(
        self, runs: Any, updates: Any, attempts: Any, samples: Any, events: Any
    ) -> None:
        self.batches.append(([r["id"] for r in runs], [u[0] for u in updates], len(events)))


EVENT = Event("t", "r1", {}, 1.0)
START = (ops.START, {"id": "r1"}, [])
FINISH = (ops.FINISH, "r1", {"status": "ok"}, [], [], [])
SPANS = (ops.SPANS, [{"span": 1}, {"span": 2}])
COST = (ops.COST, "r1", 0.5, [EVENT])
SCAN = (ops.SCAN, {"id": "s1"}, [{"rule": "x"}], [])


def test_every_kind_reaches_its_method_in_order_without_write_batch() -> None:
    store = Calls()
    ops.write_ops(store, [START, (ops.EVENT, EVENT), SPANS, FINISH, COST, SCAN])  # type: ignore[arg-type]
    assert store.calls == [
        ("start_run", "r1"),
        ("append_event", "t"),
        ("append_spans", 2),
        ("finish_run", "r1"),
        ("set_run_cost", "r1", 0.5),
        ("record_scan", "s1", 1),
    ]


def test_rows_before_another_kind_are_batched_first() -> None:
    store = Batched()
    ops.write_ops(store, [SPANS, START, FINISH, COST])  # type: ignore[arg-type]
    assert store.calls == [("append_spans", 2), ("set_run_cost", "r1", 0.5)]
    assert store.batches == [(["r1"], [], 0)]


def test_the_same_run_started_twice_is_written_in_two_batches() -> None:
    store = Batched()
    ops.write_ops(store, [START, (ops.EVENT, EVENT), START])  # type: ignore[arg-type]
    assert store.batches == [(["r1"], [], 1), (["r1"], [], 0)]


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown history write 'nope'"):
        ops.write_ops(Calls(), [("nope",)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown history write 'nope'"):
        ops.op_record(("nope",))


def test_records_are_plain_values() -> None:
    assert ops.op_record(SPANS) == {"op": "spans", "rows": [{"span": 1}, {"span": 2}]}
    cost = ops.op_record(COST)
    assert cost["op"] == "cost" and cost["run_id"] == "r1" and cost["usd"] == 0.5
    assert [e["type"] for e in cost["events"]] == ["t"]
    assert ops.op_record(SCAN) == {
        "op": "scan",
        "scan": {"id": "s1"},
        "findings": [{"rule": "x"}],
        "events": [],
    }
