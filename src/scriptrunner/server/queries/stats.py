"""One script's record over time: failure rate, duration percentiles and the series the
dashboard charts (the ``scriptrunner stats`` numbers, plus the runs behind them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scriptrunner.server.queries.common import fetch, script_is
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

#: How many finished runs the duration series holds (the newest ones).
SERIES_RUNS = 500


def script_stats(reader: HistoryReader, script: str | None) -> dict[str, Any]:
    """``HistoryReader.stats`` (what ``scriptrunner stats`` prints) and the last
    :data:`SERIES_RUNS` finished runs, oldest first."""
    reader.settle_lost()
    st = reader.stats(script)
    runs = schema.runs
    q = select(runs.c.id, runs.c.started_at, runs.c.duration_seconds, runs.c.status)
    q = q.where(runs.c.status != "running")
    q = q.where(script_is(runs.c.script, script) if script else runs.c.kind != "task")
    q = q.order_by(runs.c.started_at.desc(), runs.c.id).limit(SERIES_RUNS)
    series = [
        {
            "run_id": row["id"],
            "started_at": row["started_at"],
            "duration_seconds": row["duration_seconds"],
            "status": row["status"],
        }
        for row in reversed(fetch(reader, q))
    ]
    return {
        "script": script,
        "runs": st.runs,
        "failures": st.failures,
        "failure_rate": st.failure_rate,
        "p50_seconds": st.p50_seconds,
        "p95_seconds": st.p95_seconds,
        "mean_seconds": st.mean_seconds,
        "by_status": st.by_status,
        "series": series,
    }
