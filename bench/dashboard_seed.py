"""A large, realistic history for ``bench/dashboard.py``, written fast.

The store is created by the real code (``scriptrunner.store.open_store_url``: schema,
migrations, WAL), then filled by bulk inserts through SQLAlchemy Core into ``schema.runs``,
``schema.run_tags`` (rows made by ``store.rows.tag_rows``, as the writers make them) and
``schema.events`` (one transaction; the runner would take hours to make as many).
The rows have the columns a finished run has, with variety: ~200 scripts under a few
teams, mostly successes and a share of failures, timeouts, cancellations and a few runs
left ``running`` by a runner that is gone; tags (team, env, sometimes a ticket),
log-normal durations, and workflows with their tasks.  Each run also has its
``run.started`` and ``run.finished`` events, as the runner writes them.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, insert

from scriptrunner.store import open_store_url, schema
from scriptrunner.store.rows import tag_rows

TEAMS = ("data", "platform", "billing", "search", "ml", "infra", "web", "security")
ENVS = ("prod", "staging", "dev")
#: status -> weight (per thousand), as a busy scheduler's history looks.
STATUSES = {
    "succeeded": 850,
    "failed": 100,
    "timed_out": 15,
    "cancelled": 15,
    "error": 10,
    "blocked": 9,
    "running": 1,  # runners killed outright: the API shows them as lost
}
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Seeded:
    """What was written, and values the bench filters on."""

    runs: int
    workflows: int
    tasks: int
    events: int
    seconds: float
    script: str  # a script with a typical number of runs
    team: str
    ticket: str  # a rare tag value (a handful of runs)
    newest: float  # started_at of the newest run


def _scripts(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``(path, team)`` pairs."""
    kinds = ("etl", "report", "sync", "cleanup", "backup", "export", "train", "check")
    out = []
    for i in range(count):
        team = TEAMS[i % len(TEAMS)]
        out.append((f"/srv/jobs/{team}/{rng.choice(kinds)}_{i:03d}.py", team))
    return out


def _run_row(
    rng: random.Random,
    *,
    started: float,
    script: str,
    team: str,
    kind: str = "run",
    workflow_run_id: str | None = None,
    task_name: str | None = None,
) -> dict[str, Any]:
    status = rng.choices(list(STATUSES), weights=list(STATUSES.values()))[0]
    duration = min(rng.lognormvariate(2.5, 1.2), 6 * 3600.0)
    done = status != "running"
    tags = {"team": team, "env": rng.choice(ENVS)}
    if rng.random() < 0.2:
        tags["ticket"] = f"OPS-{rng.randrange(1000, 9999)}"
    failed = status in ("failed", "error", "timed_out")
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "kind": kind,
        "script": script,
        "command": ["python", script, "--date", time.strftime("%Y-%m-%d", time.gmtime(started))],
        "cwd": f"/srv/jobs/{team}",
        "tags": tags,
        "status": status,
        "exit_code": (1 if failed else 0) if done and status != "blocked" else None,
        "attempts": (rng.choice((1, 1, 1, 2, 3)) if failed else 1) if done else 0,
        "started_at": started,
        "finished_at": started + duration if done else None,
        "duration_seconds": duration if done else None,
        "cpu_user_seconds": duration * rng.random() * 0.8 if done else None,
        "cpu_system_seconds": duration * rng.random() * 0.05 if done else None,
        "peak_rss_bytes": int(rng.lognormvariate(18.5, 1.0)) if done else None,
        "cpu_percent_avg": rng.uniform(1, 100) if done else None,
        "cpu_percent_max": rng.uniform(50, 200) if done else None,
        "stdout_tail": "processed 1234 rows\n" * rng.randrange(1, 20) if done else None,
        "stderr_tail": "Traceback (most recent call last):\n  ...\nValueError: bad row\n"
        if failed
        else "",
        "stdout_bytes": rng.randrange(100, 10**6) if done else None,
        "stderr_bytes": rng.randrange(0, 10**4) if done else None,
        "error": "exit code 1" if failed else None,
        "workflow_run_id": workflow_run_id,
        "parent_run_id": workflow_run_id,
        "task_name": task_name,
        "outputs": None,
        "hostname": "worker-1",
        "pid": 2**22 + rng.randrange(1000),  # above pid_max's default: no such process
        "cloud_cost_usd": round(duration * 0.00002, 6) if done and rng.random() < 0.3 else None,
        "pid_started": 1,
    }


def _events(row: dict[str, Any]) -> list[dict[str, Any]]:
    started = {
        "type": "run.started",
        "run_id": row["id"],
        "ts": row["started_at"],
        "payload": {
            "command": row["command"],
            "script": row["script"],
            "cwd": row["cwd"],
            "tags": row["tags"],
        },
    }
    if row["finished_at"] is None:
        return [started]
    finished = {
        "type": "run.finished",
        "run_id": row["id"],
        "ts": row["finished_at"],
        "payload": {
            "status": row["status"],
            "exit_code": row["exit_code"],
            "attempts": row["attempts"],
            "duration": row["duration_seconds"],
        },
    }
    return [started, finished]


def seed(url: str, *, runs: int, scripts: int = 200, days: float = 90, seed: int = 16) -> Seeded:
    """Create the store at ``url`` with the real code and fill it (see the module doc):
    ``runs`` runs, plus one workflow per 100 runs with 6 tasks each."""
    t0 = time.perf_counter()
    open_store_url(url).close()  # the schema, as the CLI makes it
    rng = random.Random(seed)
    names = _scripts(rng, scripts)
    now = time.time()
    rows: list[dict[str, Any]] = []
    for _ in range(runs):
        script, team = rng.choice(names)
        rows.append(
            _run_row(rng, started=now - rng.random() * days * DAY, script=script, team=team)
        )
    workflows = runs // 100
    for w in range(workflows):
        started = now - rng.random() * days * DAY
        team = TEAMS[w % len(TEAMS)]
        flow = _run_row(
            rng,
            started=started,
            script=f"/srv/flows/{team}/nightly.yml",
            team=team,
            kind="workflow",
        )
        rows.append(flow)
        for t in range(6):
            rows.append(
                _run_row(
                    rng,
                    started=started + t * 30,
                    script=f"/srv/flows/{team}/step_{t}.py",
                    team=team,
                    kind="task",
                    workflow_run_id=flow["id"],
                    task_name=f"step_{t}",
                )
            )
    rows.sort(key=lambda r: r["started_at"])  # the table grows in time order, as in life
    events = [e for r in rows for e in _events(r)]
    events.sort(key=lambda e: e["ts"])
    tags = [t for r in rows for t in tag_rows(r["id"], r["tags"])]
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                conn.execute(insert(schema.runs), rows[start : start + 5000])
            for start in range(0, len(tags), 10000):
                conn.execute(insert(schema.run_tags), tags[start : start + 10000])
            for start in range(0, len(events), 10000):
                conn.execute(insert(schema.events), events[start : start + 10000])
    finally:
        engine.dispose()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["script"]] = counts.get(r["script"], 0) + 1
    script = sorted(n for n, _ in names)[len(names) // 2]
    ticket = next(r["tags"]["ticket"] for r in rows if "ticket" in r["tags"])
    return Seeded(
        runs=runs,
        workflows=workflows,
        tasks=workflows * 6,
        events=len(events),
        seconds=time.perf_counter() - t0,
        script=script,
        team=dict(names)[script],
        ticket=ticket,
        newest=rows[-1]["started_at"],
    )
