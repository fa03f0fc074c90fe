"""Costs over history: reports by tag/script/workflow, workflows summing their tasks."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.costs.report import (
    build_report,
    check_report_by,
    costed_runs,
    fill_workflow_costs,
    parse_since,
)
from scriptrunner.errors import PriceError
from scriptrunner.store import rows
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory


@pytest.fixture
def history(tmp_path: Path) -> Iterator[tuple[HistoryReader, dict[str, str]]]:
    """Runs with costs: two plain runs, a workflow of two costed tasks, one without cost."""
    path = tmp_path / "h.db"
    store = SqliteHistory(path)
    ids: dict[str, str] = {}
    try:
        runner = Runner(store)

        def run(name: str, cost: float | None, **spec: Any) -> str:
            result = runner.run(RunSpec(command=("true",), **spec))
            if cost is not None:
                store.set_run_cost(result.run_id, cost)
            ids[name] = result.run_id
            return result.run_id

        run("web", 0.25, tags={"team": "web"}, script="web.py")
        run("untagged", 0.5)
        run("free", None, tags={"team": "web"})
        wf = "w" * 32
        store.start_run(
            rows.run_start_row(
                run_id=wf,
                kind="workflow",
                script="nightly.yaml",
                command=["workflow", "run"],
                cwd="/",
                tags={},
                started_at=time.time(),
            )
        )
        ids["workflow"] = wf
        run(
            "extract",
            0.125,
            kind="task",
            workflow_run_id=wf,
            task_name="extract",
            tags={"team": "data"},
        )
        run(
            "load", 0.0625, kind="task", workflow_run_id=wf, task_name="load", tags={"team": "data"}
        )
        lone = "l" * 32
        store.start_run(
            rows.run_start_row(
                run_id=lone,
                kind="workflow",
                script="weekly.yaml",
                command=["workflow", "run"],
                cwd="/",
                tags={"team": "ml"},
                started_at=time.time(),
            )
        )
        store.set_run_cost(lone, 1.0)  # a workflow priced as a whole
        ids["lone"] = lone
    finally:
        store.close()
    reader = HistoryReader(f"sqlite:///{path}")
    try:
        yield reader, ids
    finally:
        reader.close()


def test_tasks_carry_a_workflows_cost_once(history: tuple[HistoryReader, dict[str, str]]) -> None:
    reader, ids = history
    costed = costed_runs(reader)
    assert {r["id"] for r in costed} == {
        ids[k] for k in ("web", "untagged", "extract", "load", "lone")
    }
    report = build_report(costed, "workflow")
    assert report.total == Decimal("1.9375") and report.runs == 5
    assert [(g.name, g.runs, g.cost_usd) for g in report.groups] == [
        ("weekly.yaml", 1, Decimal("1")),
        ("-", 2, Decimal("0.75")),
        ("nightly.yaml", 2, Decimal("0.1875")),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            "tag:team",
            [("ml", 1, "1"), ("untagged", 1, "0.5"), ("web", 1, "0.25"), ("data", 2, "0.1875")],
        ),
        (
            "script",
            [
                ("weekly.yaml", 1, "1"),
                ("true", 1, "0.5"),
                ("web.py", 1, "0.25"),
                ("extract", 1, "0.125"),
                ("load", 1, "0.0625"),
            ],
        ),
        ("kind", [("workflow", 1, "1"), ("run", 2, "0.75"), ("task", 2, "0.1875")]),
    ],
)
def test_report_groups(
    history: tuple[HistoryReader, dict[str, str]], by: str, expected: list[tuple[str, int, str]]
) -> None:
    report = build_report(costed_runs(history[0]), by)
    assert [(g.name, g.runs, g.cost_usd) for g in report.groups] == [
        (n, k, Decimal(c)) for n, k, c in expected
    ]
    assert sum(g.cost_usd for g in report.groups) == report.total


def test_report_by_day_and_since(history: tuple[HistoryReader, dict[str, str]]) -> None:
    reader, _ = history
    today = dt.date.today().isoformat()
    assert [g.name for g in build_report(costed_runs(reader), "day").groups] == [today]
    assert costed_runs(reader, since=time.time() + 60) == []
    assert len(costed_runs(reader, since=parse_since("1h"))) == 5


def test_history_rows_of_a_workflow_get_the_sum_of_their_tasks(
    history: tuple[HistoryReader, dict[str, str]],
) -> None:
    reader, ids = history
    listed = reader.list_runs(limit=0, top_level=True)
    fill_workflow_costs(reader, listed)
    by_id = {r["id"]: r["cloud_cost_usd"] for r in listed}
    assert by_id[ids["workflow"]] == 0.1875
    assert by_id[ids["lone"]] == 1.0  # its own cost is kept
    assert by_id[ids["free"]] is None


@pytest.mark.parametrize(
    ("text", "seconds_ago"),
    [
        ("7d", 7 * 86400),
        ("12h", 12 * 3600),
        ("30m", 1800),
        ("2w", 14 * 86400),
        ("90s", 90),
        ("1.5h", 5400),
    ],
)
def test_since_spans(text: str, seconds_ago: float) -> None:
    assert parse_since(text, now=1_000_000.0) == 1_000_000.0 - seconds_ago


def test_since_dates_and_errors() -> None:
    assert parse_since("2026-01-02") == dt.datetime(2026, 1, 2).timestamp()
    with pytest.raises(PriceError, match=r"--since 'last week': expected a span such as 7d"):
        parse_since("last week")
    with pytest.raises(PriceError, match=r"--by 'team': expected one of script, day"):
        check_report_by("team")
    assert check_report_by("tag:team") == "tag:team"
