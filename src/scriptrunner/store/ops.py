"""History writes as values: what the background writer queues and the journal keeps.

An operation is a tuple whose first item names it:

``(START, row, events)``                                  a ``runs`` row and its events
``(FINISH, run_id, values, attempts, samples, events)``    a run's end
``(EVENT, event)``                                        one event
``(SPANS, rows)``                                         trace spans
``(COST, run_id, usd, events)``                           a run's attributed cost
``(SCAN, scan, findings, events)``                        a scan and its findings

:func:`write_ops` writes a list of them to a store in one transaction where the store
offers one (group commit), :func:`op_record` turns one into the plain record the journal
keeps (events as ``events`` rows), which ``store.replay`` writes back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from scriptrunner.events import Event
from scriptrunner.store.base import HistoryStore, event_row

START, FINISH, EVENT, SPANS, COST, SCAN = "start", "finish", "event", "spans", "cost", "scan"

Op = tuple[Any, ...]


def write_ops(store: HistoryStore, ops: Sequence[Op]) -> None:
    """Write ``ops`` in order, in one transaction when ``store`` has ``transaction``; run
    starts, finishes and events with as few statements as ``write_batch`` allows."""
    transaction = getattr(store, "transaction", None)
    with transaction() if transaction is not None else contextlib.nullcontext():
        rows: list[Op] = []
        for op in ops:
            if op[0] in (START, FINISH, EVENT):
                rows.append(op)
                continue
            _write_rows(store, rows)  # what came before it is written first
            rows = []
            apply_op(store, op)
        _write_rows(store, rows)


def apply_op(store: HistoryStore, op: Op) -> None:
    """One operation through the store's own method."""
    kind = op[0]
    if kind == START:
        store.start_run(op[1], op[2])
    elif kind == FINISH:
        store.finish_run(*op[1:])
    elif kind == EVENT:
        store.append_event(op[1])
    elif kind == SPANS:
        store.append_spans(op[1])
    elif kind == COST:
        store.set_run_cost(op[1], op[2], op[3])
    elif kind == SCAN:
        store.record_scan(op[1], op[2], op[3])
    else:
        raise ValueError(f"unknown history write {kind!r}")


def _write_rows(store: HistoryStore, ops: list[Op]) -> None:
    """Write run starts, finishes and events, in order, with as few statements as the
    store allows."""
    if not ops:
        return
    write_batch = getattr(store, "write_batch", None)
    if write_batch is None:
        for op in ops:
            apply_op(store, op)
        return
    started: set[str] = set()
    for i, op in enumerate(ops):
        if op[0] == START:
            if op[1]["id"] in started:
                # The same run started twice: write in two parts, so the store refuses
                # the second insert as it would have without grouping.
                _write_rows(store, ops[:i])
                _write_rows(store, ops[i:])
                return
            started.add(op[1]["id"])
    runs: dict[str, dict[str, Any]] = {}  # inserted in this window, by id
    updates: list[tuple[str, Mapping[str, Any]]] = []
    attempts: list[Mapping[str, Any]] = []
    samples: list[Mapping[str, Any]] = []
    events: list[Event] = []
    for op in ops:
        if op[0] == START:
            runs[op[1]["id"]] = op[1]
            events.extend(op[2])
        elif op[0] == FINISH:
            _, run_id, values, run_attempts, run_samples, run_events = op
            if run_id in runs:
                runs[run_id] = {**runs[run_id], **values}  # one complete row
            else:
                updates.append((run_id, values))
            attempts.extend(run_attempts)
            samples.extend(run_samples)
            events.extend(run_events)
        else:
            events.append(op[1])
    write_batch(list(runs.values()), updates, attempts, samples, events)


def _events(events: Sequence[Event]) -> list[dict[str, Any]]:
    return [event_row(e) for e in events]


def op_record(op: Op) -> dict[str, Any]:
    """The journal's record of ``op``: plain values only (events as ``events`` rows)."""
    kind = op[0]
    if kind == START:
        return {"op": kind, "row": dict(op[1]), "events": _events(op[2])}
    if kind == FINISH:
        _, run_id, values, attempts, samples, events = op
        return {
            "op": kind,
            "run_id": run_id,
            "values": dict(values),
            "attempts": [dict(a) for a in attempts],
            "samples": [dict(s) for s in samples],
            "events": _events(events),
        }
    if kind == EVENT:
        return {"op": kind, "event": event_row(op[1])}
    if kind == SPANS:
        return {"op": kind, "rows": [dict(r) for r in op[1]]}
    if kind == COST:
        return {"op": kind, "run_id": op[1], "usd": op[2], "events": _events(op[3])}
    if kind == SCAN:
        return {
            "op": kind,
            "scan": dict(op[1]),
            "findings": [dict(f) for f in op[2]],
            "events": _events(op[3]),
        }
    raise ValueError(f"unknown history write {kind!r}")
