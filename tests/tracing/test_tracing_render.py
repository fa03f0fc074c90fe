"""``scriptrunner traces`` output, checked against golden files (UPDATE_GOLDEN=1 rewrites)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.tracing.render import (
    build_tree,
    fmt_duration,
    group_traces,
    render_list,
    render_trace,
    summarize,
)

GOLDEN = Path(__file__).parent / "golden"
T0 = 1_780_000_000.0
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def row(
    span: str, parent: str | None, name: str, start: float, end: float, **kw: Any
) -> dict[str, Any]:
    return {
        "trace_id": kw.pop("trace_id", TRACE),
        "span_id": span,
        "parent_span_id": parent,
        "run_id": kw.pop("run_id", None),
        "name": name,
        "start_time": T0 + start,
        "end_time": None if end < 0 else T0 + end,
        "status": kw.pop("status", "unset"),
        "status_message": kw.pop("message", None),
    }


ROWS = [
    # The root's parent is remote (a CI job's span): not stored, so it is the root here.
    row(
        "a1",
        "c1",
        "workflow nightly",
        0.0,
        12.0,
        run_id="0123456789abcdef",
        status="error",
        message="failed",
    ),
    row("b1", "a1", "task extract", 0.1, 3.0),
    row("b2", "a1", "task transform", 3.1, 11.5, status="error", message="failed, exit 1"),
    row("c2", "b2", "attempt 1", 3.1, 6.0, status="error", message="attempt 1 failed"),
    row("c3", "b2", "attempt 2", 7.0, 11.5, status="error", message="attempt 2 failed"),
    row("b3", "a1", "task report", 11.9, -1),
]


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_waterfall_golden() -> None:
    check("waterfall.txt", render_trace(ROWS))


def test_list_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    other = [
        row("z1", None, "run job.py", 20.0, 20.25, trace_id="f" * 32, run_id="fedcba9876543210")
    ]
    traces = group_traces([*other, *ROWS])
    check("list.txt", render_list([summarize(rows) for rows in traces.values()]))
    monkeypatch.undo()
    time.tzset()


def test_tree_shape_and_order() -> None:
    (root,) = build_tree(ROWS)
    assert [c.row["name"] for c in root.children] == [
        "task extract",
        "task transform",
        "task report",
    ]
    assert [c.row["name"] for c in root.children[1].children] == ["attempt 1", "attempt 2"]


@pytest.mark.parametrize(("seconds", "text"), [(0.0123, "12 ms"), (3.5, "3.50 s"), (600, "10m00s")])
def test_fmt_duration(seconds: float, text: str) -> None:
    assert fmt_duration(seconds) == text


def test_a_zero_length_trace_still_renders() -> None:
    text = render_trace([row("x", None, "run t", 1.0, 1.0)])
    assert "run t" in text and "|█" in text
