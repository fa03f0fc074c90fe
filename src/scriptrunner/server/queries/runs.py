"""Runs: the list (keyset-paginated, filtered), one run in detail, its samples and output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select

from scriptrunner.costs.report import fill_workflow_costs
from scriptrunner.server.pagination import PageRequest, after_desc_asc, page
from scriptrunner.server.queries.common import (
    Window,
    fetch,
    fetch_one,
    resolve_prefix,
    script_is,
)
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

RUNS = schema.runs

#: The columns of a run in a list (no output tails: a page must stay small and fast).
ITEM_COLUMNS = (
    RUNS.c.id,
    RUNS.c.kind,
    RUNS.c.script,
    RUNS.c.command,
    RUNS.c.status,
    RUNS.c.exit_code,
    RUNS.c.attempts,
    RUNS.c.started_at,
    RUNS.c.finished_at,
    RUNS.c.duration_seconds,
    RUNS.c.peak_rss_bytes,
    RUNS.c.cpu_percent_avg,
    RUNS.c.tags,
    RUNS.c.cloud_cost_usd,
    RUNS.c.workflow_run_id,
    RUNS.c.task_name,
    RUNS.c.error,
)
METRIC_KEYS = (
    "cpu_user_seconds",
    "cpu_system_seconds",
    "peak_rss_bytes",
    "cpu_percent_avg",
    "cpu_percent_max",
    "stdout_bytes",
    "stderr_bytes",
)
ATTEMPT_KEYS = (
    "attempt",
    "status",
    "exit_code",
    "signal",
    "started_at",
    "finished_at",
    "delay_before",
    "wall_seconds",
    "peak_rss_bytes",
    "cpu_percent_avg",
    "cpu_percent_max",
    # Where an attempt run elsewhere ran (``results.Placement``); null for a local one.
    "attempt_id",
    "host",
    "pid",
    "worker",
    "queued_seconds",
)


@dataclass(frozen=True, slots=True)
class RunFilters:
    status: str | None = None
    script: str | None = None
    kind: str | None = None
    top_level: bool = False
    workflow_run_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    window: Window = field(default_factory=Window)

    def conditions(self, common_tags: frozenset[str] = frozenset()) -> list[ColumnElement[bool]]:
        """Every filter but ``script`` (which ``list_runs`` resolves first).

        A tag is tested in one of two ways (measured on SQLite over 100,000 runs, 8 teams):
        ``id IN (runs with the tag in run_tags)`` starts from the tag's index and sorts
        every run it finds, which is right for a rare tag (3 runs: 0.1 ms) and slow for a
        common one (12,500 runs: 64 ms); testing each run's own ``tags`` walks the runs
        newest first until a page is full, which is right for a common tag (0.3 ms) and
        a scan of the whole table for a rare one (70 ms).  The keys in ``common_tags``
        (see :func:`common_tag_keys`) are tested on the runs.  (Not ``EXISTS`` on
        ``run_tags``: without statistics SQLite may probe it by its (key, value) index,
        not by run id, depending on the order the indexes were created in: 120 ms.)"""
        conds = self.window.on(RUNS.c.started_at)
        if self.status:
            conds.append(RUNS.c.status == self.status)
        if self.kind:
            conds.append(RUNS.c.kind == self.kind)
        if self.top_level:
            conds.append(RUNS.c.kind != "task")
        if self.workflow_run_id:
            conds.append(RUNS.c.workflow_run_id == self.workflow_run_id)
        tags = schema.run_tags
        for key, value in self.tags.items():
            if key in common_tags:
                conds.append(RUNS.c.tags[key].as_string() == value)
            else:
                tagged = select(tags.c.run_id).where(tags.c.key == key, tags.c.value == value)
                conds.append(RUNS.c.id.in_(tagged))
        return conds


#: A tag on more runs than this is "common" (see ``RunFilters.conditions``).  Where the
#: two plans cost the same: the ``IN`` plan sorts the tag's N runs, the other one tests
#: about page x total / N runs; with pages of 50 and 100,000 runs, N ~ 2,000.
COMMON_TAG_RUNS = 1000


def common_tag_keys(reader: HistoryReader, tags: Mapping[str, str]) -> frozenset[str]:
    """The keys of ``tags`` whose ``key=value`` is on more than ``COMMON_TAG_RUNS`` runs
    (counted on the tag index, at most ``COMMON_TAG_RUNS + 1`` entries read per tag)."""
    t = schema.run_tags
    common = set()
    for key, value in tags.items():
        some = select(t.c.run_id).where(t.c.key == key, t.c.value == value)
        first = some.limit(COMMON_TAG_RUNS + 1).subquery()
        row = fetch_one(reader, select(func.count().label("n")).select_from(first))
        if row is not None and int(row["n"]) > COMMON_TAG_RUNS:
            common.add(key)
    return frozenset(common)


def list_runs(reader: HistoryReader, filters: RunFilters, request: PageRequest) -> dict[str, Any]:
    """Newest first (``started_at desc, id``); runs whose runner died are settled as ``lost``
    first, so the list never shows a dead run as ``running``."""
    reader.settle_lost()
    rows = fetch(reader, runs_query(reader, filters, request))
    fill_workflow_costs(reader, rows)
    return page(rows, request, ("started_at", "id"))


def runs_query(reader: HistoryReader, filters: RunFilters, request: PageRequest) -> Select[Any]:
    """The statement of one page of :func:`list_runs`."""
    conds = filters.conditions(common_tag_keys(reader, filters.tags))
    if filters.script:
        conds.append(RUNS.c.script.in_(matching_scripts(reader, filters.script)))
    after = after_desc_asc(RUNS.c.started_at, RUNS.c.id, request.after)
    if after is not None:
        conds.append(after)
    q = select(*ITEM_COLUMNS).where(and_(True, *conds))
    return q.order_by(RUNS.c.started_at.desc(), RUNS.c.id).limit(request.limit + 1)


#: How many distinct scripts the index walk visits before a plain scan is cheaper.
SKIP_SCAN_LIMIT = 2000


def matching_scripts(reader: HistoryReader, script: str) -> list[str]:
    """The stored scripts ``script`` names (itself, or paths ending in ``/script``), so the
    list query is an ``IN`` the script index answers, instead of a suffix match tested on
    every run newest first (which costs a scan of the table for a script that rarely ran).

    The distinct scripts are enumerated by skipping through the script index (a recursive
    query: the smallest script greater than the last one, one index probe per script: ~2 ms
    for 200 scripts over 100,000 runs, where ``SELECT DISTINCT`` reads every row on
    PostgreSQL); with more than :data:`SKIP_SCAN_LIMIT` distinct scripts, a plain
    ``DISTINCT`` scan it is."""
    later = RUNS.alias("later")
    walk = select(func.min(RUNS.c.script).label("script"), literal(1).label("n")).cte(
        "scripts", recursive=True
    )
    step = select(
        select(func.min(later.c.script)).where(later.c.script > walk.c.script).scalar_subquery(),
        walk.c.n + 1,
    ).where(walk.c.script.is_not(None), walk.c.n < SKIP_SCAN_LIMIT)
    walk = walk.union_all(step)
    found = fetch(reader, select(walk.c.script, walk.c.n).where(walk.c.script.is_not(None)))
    if len(found) >= SKIP_SCAN_LIMIT:
        q = select(RUNS.c.script).distinct().where(script_is(RUNS.c.script, script))
        return [str(row["script"]) for row in fetch(reader, q)]
    names = (str(row["script"]) for row in found)
    return [name for name in names if name == script or name.endswith(f"/{script}")]


def resolve_run(reader: HistoryReader, prefix: str) -> str | None:
    """The full id of a run given its id or a unique prefix (``common.resolve_prefix``)."""
    return resolve_prefix(reader, RUNS.c.id, prefix, "run")


#: Their names as plain ``str`` (a column's ``name`` is SQLAlchemy's ``quoted_name``, which
#: FastAPI's serialiser handles far more slowly: see ``common.fetch``).
ITEM_KEYS = tuple(str(c.name) for c in ITEM_COLUMNS)


def item(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ITEM_KEYS}


def get_run(reader: HistoryReader, run_id: str) -> dict[str, Any] | None:
    """The run's list item plus attempts, metrics, gate scan, trace id and where it ran."""
    reader.settle_lost()
    row = fetch_one(reader, select(RUNS).where(RUNS.c.id == run_id))
    if row is None:
        return None
    fill_workflow_costs(reader, [row])
    out = item(row)
    a = schema.run_attempts
    attempts = fetch(reader, select(a).where(a.c.run_id == run_id).order_by(a.c.attempt))
    out["attempt_rows"] = [{k: at.get(k) for k in ATTEMPT_KEYS} for at in attempts]
    out["metrics"] = {k: row.get(k) for k in METRIC_KEYS}
    out["gate"] = gate_of(reader, run_id)
    s = schema.spans
    span = fetch_one(
        reader, select(s.c.trace_id).where(s.c.run_id == run_id).order_by(s.c.start_time)
    )
    out["trace_id"] = span["trace_id"] if span else None
    for key in ("cwd", "outputs", "hostname", "pid"):
        out[key] = row.get(key)
    return out


def gate_of(reader: HistoryReader, run_id: str) -> dict[str, Any] | None:
    """The pre-execution gate's scan of this run with its findings, or ``None``."""
    from scriptrunner.server.queries.scans import get_scan

    sc = schema.scans
    scan = fetch_one(
        reader,
        select(sc.c.id).where(sc.c.run_id == run_id, sc.c.kind == "gate").order_by(sc.c.started_at),
    )
    return get_scan(reader, str(scan["id"])) if scan else None


def samples(reader: HistoryReader, run_id: str) -> dict[str, Any]:
    m = schema.metric_samples
    q = select(m.c.attempt, m.c.t, m.c.cpu_percent, m.c.rss_bytes, m.c.num_procs)
    q = q.where(m.c.run_id == run_id).order_by(m.c.attempt, m.c.t, m.c.id)
    return {"items": fetch(reader, q)}


def output(reader: HistoryReader, run_id: str, stream: str | None) -> dict[str, Any]:
    """The stored output tails (the last part of each stream; ``truncated`` when the run
    wrote more); a run still running has none yet."""
    reader.settle_lost()
    cols = (
        RUNS.c.status,
        RUNS.c.stdout_tail,
        RUNS.c.stderr_tail,
        RUNS.c.stdout_bytes,
        RUNS.c.stderr_bytes,
    )
    row = fetch_one(reader, select(*cols).where(RUNS.c.id == run_id)) or {}
    out: dict[str, Any] = {"running": row.get("status") == "running", "truncated": False}
    for name in ("stdout", "stderr"):
        tail = str(row.get(f"{name}_tail") or "") if stream in (None, name) else ""
        size = row.get(f"{name}_bytes")
        out[name] = tail
        out[f"{name}_bytes"] = size
        if stream in (None, name) and size is not None and size > len(tail.encode()):
            out["truncated"] = True
    return out
