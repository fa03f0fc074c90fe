"""Traces from the ``spans`` table: one line per trace, and one trace's spans."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select

from scriptrunner.server.pagination import BadQuery, PageRequest, page
from scriptrunner.server.queries.common import Window, fetch
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

SPANS = schema.spans
SPAN_KEYS = (
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "start_time",
    "end_time",
    "status",
    "status_message",
    "attributes",
    "events",
    "run_id",
)


def list_traces(
    reader: HistoryReader, run_id: str | None, window: Window, request: PageRequest
) -> dict[str, Any]:
    """Traces, the most recently started first: name of the root span, first start, last
    end, span count, ``error`` if any span failed (else ``ok`` or ``unset``), and the run of
    the root span (the first run seen if it has none)."""
    start = func.min(SPANS.c.start_time)
    errors = func.sum(case((SPANS.c.status == "error", 1), else_=0))
    oks = func.sum(case((SPANS.c.status == "ok", 1), else_=0))
    q = select(
        SPANS.c.trace_id,
        start.label("start_time"),
        func.max(SPANS.c.end_time).label("end_time"),
        func.count().label("spans"),
        errors.label("errors"),
        oks.label("oks"),
    ).group_by(SPANS.c.trace_id)
    if run_id:
        having = SPANS.c.trace_id.in_(select(SPANS.c.trace_id).where(SPANS.c.run_id == run_id))
        q = q.where(having)
    conds = window.on(start)
    if request.after is not None:
        t, tid = request.after
        if not isinstance(t, (int, float)) or not isinstance(tid, str):
            raise BadQuery("cursor is not a cursor this server gave: pass `next` as is")
        conds.append(and_(start <= t, or_(start < t, SPANS.c.trace_id > tid)))
    if conds:
        q = q.having(and_(*conds))
    q = q.order_by(start.desc(), SPANS.c.trace_id).limit(request.limit + 1)
    rows = fetch(reader, q)
    roots = _roots(reader, [str(row["trace_id"]) for row in rows])
    items = []
    for row in rows:
        root = roots.get(str(row["trace_id"]), {})
        status = "error" if row["errors"] else ("ok" if row["oks"] else "unset")
        items.append(
            {
                "trace_id": row["trace_id"],
                "name": root.get("name"),
                "start_time": row["start_time"],
                "end_time": row["end_time"],
                "spans": row["spans"],
                "status": status,
                "run_id": root.get("run_id"),
            }
        )
    return page(items, request, ("start_time", "trace_id"))


def _roots(reader: HistoryReader, trace_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per trace, its root span (no parent; the earliest span when none is a root) and the
    first run id any of its spans names."""
    if not trace_ids:
        return {}
    q = select(SPANS.c.trace_id, SPANS.c.parent_span_id, SPANS.c.name, SPANS.c.run_id)
    q = q.where(SPANS.c.trace_id.in_(trace_ids)).order_by(SPANS.c.start_time, SPANS.c.id)
    out: dict[str, dict[str, Any]] = {}
    for row in fetch(reader, q):
        tid = str(row["trace_id"])
        found = out.setdefault(tid, {"name": row["name"], "run_id": None, "root": False})
        if row["parent_span_id"] is None and not found["root"]:
            found.update(name=row["name"], root=True, run_id=row["run_id"] or found["run_id"])
        if found["run_id"] is None:
            found["run_id"] = row["run_id"]
    return out


def get_trace(reader: HistoryReader, trace_id: str) -> dict[str, Any] | None:
    """The trace's spans in start order, or ``None`` when it has none."""
    q = select(SPANS).where(SPANS.c.trace_id == trace_id).order_by(SPANS.c.start_time, SPANS.c.id)
    rows = fetch(reader, q)
    if not rows:
        return None
    return {"trace_id": trace_id, "spans": [{k: row.get(k) for k in SPAN_KEYS} for row in rows]}
