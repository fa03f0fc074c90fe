"""Attributed cloud costs: per run, grouped over time, and the most expensive scripts.

Per-run costs are ``runs.cloud_cost_usd``.  Breakdowns read the ``cost.calculated``
events, one per priced run (a workflow's tasks each have theirs, so nothing is counted
twice): ``provider`` is the profile's, ``component`` and ``service`` (the catalog key's
first part, ``ec2`` of ``ec2/m5.large``) are per priced line, ``tag:KEY`` is the run's tag.
Events stored before lines carried their component count as ``unknown``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, select

from scriptrunner import events as ev
from scriptrunner.costs.allocate import UNTAGGED
from scriptrunner.server.pagination import BUCKETS, PageRequest, after_desc_asc, page
from scriptrunner.server.queries.common import Window, fetch
from scriptrunner.server.queries.runs import RUNS
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

GROUPS = ("component", "provider", "service")


def run_costs(reader: HistoryReader, window: Window, request: PageRequest) -> dict[str, Any]:
    """Runs with an attributed cost, newest first."""
    conds = [RUNS.c.cloud_cost_usd.is_not(None), *window.on(RUNS.c.started_at)]
    after = after_desc_asc(RUNS.c.started_at, RUNS.c.id, request.after)
    if after is not None:
        conds.append(after)
    q = select(
        RUNS.c.id.label("run_id"),
        RUNS.c.kind,
        RUNS.c.script,
        RUNS.c.task_name,
        RUNS.c.workflow_run_id,
        RUNS.c.started_at,
        RUNS.c.cloud_cost_usd,
        RUNS.c.tags,
    ).where(and_(*conds))
    q = q.order_by(RUNS.c.started_at.desc(), RUNS.c.id).limit(request.limit + 1)
    return page(fetch(reader, q), request, ("started_at", "run_id"))


def _usd(text: Any) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return Decimal(0)


def grouped(reader: HistoryReader, group_by: str, window: Window, bucket: str) -> dict[str, Any]:
    """Sums per (time bucket, group), oldest bucket first, larger groups first within one."""
    width = BUCKETS[bucket]
    e = schema.events
    q = select(e.c.run_id, e.c.ts, e.c.payload).where(
        and_(e.c.type == ev.COST_CALCULATED, *window.on(e.c.ts))
    )
    events = fetch(reader, q.order_by(e.c.id))
    tags: dict[str, dict[str, Any]] = {}
    if group_by.startswith("tag:"):
        ids = sorted({str(x["run_id"]) for x in events if x["run_id"]})
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            rows = fetch(reader, select(RUNS.c.id, RUNS.c.tags).where(RUNS.c.id.in_(part)))
            tags.update({str(row["id"]): row["tags"] or {} for row in rows})
    sums: dict[tuple[float, str], Decimal] = defaultdict(Decimal)
    for event in events:
        start = float(int(event["ts"] // width) * width)
        payload = event["payload"] or {}
        if group_by == "provider":
            sums[start, str(payload.get("provider", "unknown"))] += _usd(payload.get("usd_exact"))
        elif group_by.startswith("tag:"):
            value = tags.get(str(event["run_id"]), {}).get(group_by[4:], UNTAGGED)
            sums[start, str(value)] += _usd(payload.get("usd_exact"))
        else:
            for line in payload.get("lines") or []:
                if group_by == "component":
                    name = line.get("component", "unknown")
                else:
                    name = str(line.get("key", "unknown")).split("/", 1)[0]
                sums[start, str(name)] += _usd(line.get("cost_usd"))
    items = sorted(sums.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    return {
        "group_by": group_by,
        "bucket": bucket,
        "items": [{"bucket": b, "group": g, "usd": float(usd)} for (b, g), usd in items],
        "next": None,
    }


def top_scripts(reader: HistoryReader, window: Window, limit: int) -> dict[str, Any]:
    """The most expensive scripts (``scriptrunner cost report --by script``'s groups)."""
    from scriptrunner.costs.report import build_report, costed_runs

    rows = [
        r
        for r in costed_runs(reader, window.since)
        if window.until is None or r["started_at"] < window.until
    ]
    report = build_report(rows, "script", window.since)
    return {
        "items": [
            {"script": g.name, "usd": float(g.cost_usd), "runs": g.runs}
            for g in report.groups[:limit]
        ],
        "next": None,
    }
