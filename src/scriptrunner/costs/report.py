"""Costs over the run history: ``scriptrunner cost report`` and the COST column of ``history``.

Costs live on the runs they were attributed to (``runs.cloud_cost_usd``).  A workflow run
costs the sum of its tasks' costs: a report counts each task once (never the workflow row
as well), and ``history`` shows the workflow row with that sum.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from scriptrunner.costs.allocate import UNTAGGED
from scriptrunner.costs.base import ZERO, exact
from scriptrunner.errors import PriceError, StoreError
from scriptrunner.store.base import db_error

if TYPE_CHECKING:
    from scriptrunner.store.reader import HistoryReader

REPORT_BY = ("script", "day", "status", "kind", "workflow")
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: float | None = None) -> float:
    """``7d``, ``12h``, ``30m``, ``2w`` ago, or an ISO date/time, as epoch seconds."""
    now = time.time() if now is None else now
    span = _SPAN.match(text)
    if span:
        return now - float(span.group(1)) * _SECONDS[span.group(2)]
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise PriceError(
            f"--since {text!r}: expected a span such as 7d, 12h, 30m, 2w or a date YYYY-MM-DD"
        ) from None
    return when.timestamp()


def check_report_by(by: str) -> str:
    if by in REPORT_BY or (by.startswith("tag:") and by[4:].strip()):
        return by
    raise PriceError(f"--by {by!r}: expected one of {', '.join(REPORT_BY)} or tag:KEY")


@dataclass(frozen=True, slots=True)
class ReportGroup:
    name: str
    runs: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class CostReport:
    """Attributed costs of runs since ``since``, grouped ``by``; groups sum to ``total``."""

    by: str
    since: float | None
    groups: tuple[ReportGroup, ...]
    total: Decimal
    runs: int


def _query(reader: HistoryReader, query: Any) -> list[dict[str, Any]]:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with reader.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read history store {reader.where}: {db_error(exc)}") from exc


def costed_runs(reader: HistoryReader, since: float | None = None) -> list[dict[str, Any]]:
    """Runs with an attributed cost, oldest first, counting a workflow's cost once."""
    from sqlalchemy import select

    from scriptrunner.store import schema

    r = schema.runs
    q = select(r).where(r.c.cloud_cost_usd.is_not(None)).order_by(r.c.started_at, r.c.id)
    if since is not None:
        q = q.where(r.c.started_at >= since)
    rows = _query(reader, q)
    with_tasks = {row["workflow_run_id"] for row in rows if row["kind"] == "task"}
    workflows = {row["id"]: row for row in rows if row["kind"] == "workflow"}
    names = _workflow_names(reader, with_tasks - set(workflows))
    names.update({i: w.get("script") or w.get("task_name") or i for i, w in workflows.items()})
    out = []
    for row in rows:
        if row["kind"] == "workflow" and row["id"] in with_tasks:
            continue  # its tasks carry the cost
        own = row["id"] if row["kind"] == "workflow" else row.get("workflow_run_id")
        row["workflow"] = names.get(own or "", "-")
        out.append(row)
    return out


def _workflow_names(reader: HistoryReader, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    from sqlalchemy import select

    from scriptrunner.store import schema

    r = schema.runs
    rows = _query(reader, select(r.c.id, r.c.script, r.c.command).where(r.c.id.in_(sorted(ids))))
    return {
        row["id"]: str(row["script"] or " ".join(row["command"] or []) or row["id"]) for row in rows
    }


def _group_name(row: Mapping[str, Any], by: str) -> str:
    if by.startswith("tag:"):
        return str((row.get("tags") or {}).get(by[4:].strip(), UNTAGGED))
    if by == "day":
        return dt.datetime.fromtimestamp(row["started_at"]).date().isoformat()
    if by == "script":
        return str(row.get("task_name") or row.get("script") or " ".join(row.get("command") or []))
    return str(row.get(by) or "-")


def build_report(
    rows: Sequence[Mapping[str, Any]], by: str, since: float | None = None
) -> CostReport:
    check_report_by(by)
    sums: dict[str, tuple[int, Decimal]] = {}
    with exact():
        for row in rows:
            name = _group_name(row, by)
            runs, cost = sums.get(name, (0, ZERO))
            sums[name] = (runs + 1, cost + Decimal(repr(float(row["cloud_cost_usd"]))))
        total = sum((c for _, c in sums.values()), ZERO)
    groups = sorted(
        (ReportGroup(n, k, c) for n, (k, c) in sums.items()), key=lambda g: (-g.cost_usd, g.name)
    )
    return CostReport(by, since, tuple(groups), total, len(rows))


def fill_workflow_costs(reader: HistoryReader, rows: Sequence[dict[str, Any]]) -> None:
    """Give listed workflow rows without a cost of their own the sum of their tasks' costs."""
    wanted = [
        r["id"] for r in rows if r.get("kind") == "workflow" and r.get("cloud_cost_usd") is None
    ]
    if not wanted:
        return
    from sqlalchemy import func, select

    from scriptrunner.store import schema

    r = schema.runs
    q = (
        select(r.c.workflow_run_id, func.sum(r.c.cloud_cost_usd).label("usd"))
        .where(r.c.workflow_run_id.in_(wanted), r.c.cloud_cost_usd.is_not(None))
        .group_by(r.c.workflow_run_id)
    )
    sums = {row["workflow_run_id"]: row["usd"] for row in _query(reader, q)}
    for row in rows:
        if row.get("id") in sums:
            row["cloud_cost_usd"] = float(sums[row["id"]])
