"""``scriptrunner stats``: failure rates, flaky runs and durations over finished runs.

A run is *flaky* when it succeeded after more than one attempt: its final status hides a
failure, so the first-attempt failure rate is counted beside the final one.  The first
attempt failed exactly when the run was retried (only a failed attempt is retried) or when
its only attempt did not succeed; runs that made no attempt (blocked by a gate, a command
that could not start) are left out of that rate.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from scriptrunner.store import schema
from scriptrunner.store.filters import script_is


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One script's (or command's) share of :class:`ScriptStats`."""

    script: str
    runs: int
    failures: int
    failure_rate: float
    flaky: int
    first_attempt_failures: int
    #: Over the runs that made at least one attempt.
    first_attempt_failure_rate: float


@dataclass(frozen=True, slots=True)
class ScriptStats:
    """Aggregates over the finished runs of one script (or all runs)."""

    script: str | None
    runs: int
    failures: int
    failure_rate: float
    p50_seconds: float | None
    p95_seconds: float | None
    mean_seconds: float | None
    #: Median duration of the newer half of runs divided by that of the older half.
    trend: float | None
    by_status: dict[str, int]
    #: Runs that succeeded after more than one attempt.
    flaky: int = 0
    first_attempt_failures: int = 0
    first_attempt_failure_rate: float = 0.0
    #: Per script (a command without a script: its program), most runs first.
    scripts: tuple[ScriptLine, ...] = ()


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default method)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _first_attempt(row: dict[str, Any]) -> tuple[bool, bool]:
    """(made an attempt, its first attempt failed), for a run or task row."""
    attempts = row["attempts"] or 0
    if row["kind"] == "workflow" or attempts < 1:
        return False, False
    return True, attempts > 1 or row["status"] != "succeeded"


def _line(name: str, rows: list[dict[str, Any]]) -> ScriptLine:
    failures = sum(1 for r in rows if r["status"] != "succeeded")
    tried = [_first_attempt(r) for r in rows]
    attempted = sum(1 for made, _ in tried if made)
    first = sum(1 for _, failed in tried if failed)
    flaky = sum(1 for r in rows if r["status"] == "succeeded" and (r["attempts"] or 0) > 1)
    return ScriptLine(
        script=name,
        runs=len(rows),
        failures=failures,
        failure_rate=failures / len(rows) if rows else 0.0,
        flaky=flaky,
        first_attempt_failures=first,
        first_attempt_failure_rate=first / attempted if attempted else 0.0,
    )


def _name(row: dict[str, Any]) -> str:
    if row["script"]:
        return str(row["script"])
    command = row["command"] or []
    return str(command[0]) if command else "-"


def script_stats(
    select_rows: Callable[[Select[Any]], list[dict[str, Any]]], script: str | None = None
) -> ScriptStats:
    """Finished runs of ``script`` (its tasks in workflows too), or all top-level runs;
    ``select_rows`` runs a query (``HistoryReader.select_rows``)."""
    r = schema.runs
    q = select(
        r.c.status, r.c.duration_seconds, r.c.attempts, r.c.kind, r.c.script, r.c.command
    ).where(r.c.status != "running")
    q = q.where(script_is(r.c.script, script)) if script else q.where(r.c.kind != "task")
    rows = select_rows(q.order_by(r.c.started_at))
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    durations = [
        float(row["duration_seconds"]) for row in rows if row["duration_seconds"] is not None
    ]
    ordered = sorted(durations)
    trend = None
    if len(durations) >= 4:
        half = len(durations) // 2
        old, new = statistics.median(durations[:half]), statistics.median(durations[half:])
        trend = new / old if old > 0 else None
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["kind"] != "workflow":
            groups.setdefault(_name(row), []).append(row)
    lines = sorted((_line(k, v) for k, v in groups.items()), key=lambda s: (-s.runs, s.script))
    total = _line(script or "", [row for row in rows if row["kind"] != "workflow"])
    failures = sum(n for st, n in by_status.items() if st != "succeeded")
    return ScriptStats(
        script=script,
        runs=len(rows),
        failures=failures,
        failure_rate=failures / len(rows) if rows else 0.0,
        p50_seconds=_percentile(ordered, 0.5) if ordered else None,
        p95_seconds=_percentile(ordered, 0.95) if ordered else None,
        mean_seconds=statistics.fmean(ordered) if ordered else None,
        trend=trend,
        by_status=by_status,
        flaky=total.flaky,
        first_attempt_failures=total.first_attempt_failures,
        first_attempt_failure_rate=total.first_attempt_failure_rate,
        scripts=tuple(lines),
    )
