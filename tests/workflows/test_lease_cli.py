"""Leases through the real CLI: a workflow renews the lease of its running rows, a live one
refuses ``--resume``, and once its runner is killed outright a reader on another host (its
rows are made to look written elsewhere) stores it ``lost`` and ``--resume`` re-runs what
had not finished.  On real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from fixtures.cli import cli, cli_env, start_cli
from fixtures.waiting import wait_until
from scriptrunner.store import schema
from scriptrunner.store.sqla import make_engine
from scriptrunner.store.sqlite import SqliteHistory

#: A host name that is not this one.
ELSEWHERE = "runner-3.elsewhere.example"
#: Short lease settings, so a lost lease shows within a test's time.
INTERVAL, TIMEOUT = 0.2, 3.0


def _rows(url: str) -> dict[str, dict[str, Any]]:
    engine = make_engine(url)
    try:
        r = schema.runs
        with engine.connect() as conn:
            found = conn.execute(
                select(r.c.id, r.c.kind, r.c.task_name, r.c.status, r.c.heartbeat_at)
            )
            return {str(row.id): dict(row._mapping) for row in found}
    finally:
        engine.dispose()


def _move_running_rows_elsewhere(url: str) -> None:
    engine = make_engine(url)
    try:
        r = schema.runs
        with engine.begin() as conn:
            conn.execute(update(r).where(r.c.status == "running").values(hostname=ELSEWHERE))
    finally:
        engine.dispose()


def test_a_workflow_renews_its_lease_refuses_resume_alive_and_is_lost_elsewhere_once_killed(
    tmp_path: Path, empty_store_url: str
) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    go, started = tmp_path / "go", tmp_path / "started"
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: leased\n"
        "tasks:\n"
        "  first:\n"
        '    run: "true"\n'
        "  second:\n"
        "    needs: [first]\n"
        f"    run: sh -c 'touch {started}; while ! test -e {go}; do sleep 0.05; done'\n"
    )
    settings = {
        "SCRIPTRUNNER_DATABASE_URL": empty_store_url,
        "SCRIPTRUNNER_HEARTBEAT_INTERVAL": str(INTERVAL),
        "SCRIPTRUNNER_LEASE_TIMEOUT": str(TIMEOUT),
        "TMPDIR": str(tmp),
    }
    env = cli_env(SCRIPTRUNNER_HOME=str(home), **settings)
    p = start_cli("workflow", "run", str(wf), env=env, cwd=tmp_path)
    try:
        wait_until(started.exists, "the second task to start")

        def running_rows() -> dict[str, dict[str, Any]]:
            rows = _rows(empty_store_url).items()
            return {k: v for k, v in rows if v["status"] == "running"}

        # The workflow's row and its running task's (the task rows go through the
        # workflow's background writer: committed soon, not at once).
        running = wait_until(
            lambda: (
                (found := running_rows())
                and {v["task_name"] for v in found.values()} == {"leased", "second"}
                and found
            ),
            "the workflow and its second task to be running in the store",
        )
        assert all(row["heartbeat_at"] is not None for row in running.values()), running
        # Renewed while it runs, the workflow's row and its task's together.
        wait_until(
            lambda: all(
                row["heartbeat_at"] > running[k]["heartbeat_at"] + INTERVAL
                for k, row in _rows(empty_store_url).items()
                if k in running
            ),
            "the lease to be renewed",
            10,
        )
        _move_running_rows_elsewhere(empty_store_url)  # as if its runner ran on another host
        workflow_id = next(k for k, v in running.items() if v["kind"] == "workflow")
        refused = cli(home, "workflow", "run", str(wf), "--resume", workflow_id, env=settings)
        assert refused.returncode == 2, refused.stderr
        assert "still running" in refused.stderr and "renewed its lease" in refused.stderr
        assert ELSEWHERE in refused.stderr and "wait for it to end" in refused.stderr
        p.kill()  # kill -9: no end is recorded, no lease renewed
        p.communicate(timeout=30)
    finally:
        go.touch()
    last = max(row["heartbeat_at"] or 0 for row in _rows(empty_store_url).values())
    time.sleep(max(0.0, last + TIMEOUT + 0.2 - time.time()))
    listed = json.loads(cli(home, "history", "--json", "--all", env=settings).stdout)
    states = {r["name"]: r["status"] for r in listed}
    assert states == {"leased": "lost", "first": "succeeded", "second": "lost"}
    shown = cli(home, "show", workflow_id[:8], env=settings)
    assert "lease expired at" in shown.stdout and ELSEWHERE in shown.stdout, shown.stdout
    r = cli(home, "workflow", "run", str(wf), "--json", "--resume", workflow_id, env=settings)
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["tasks"]["first"]["reused_from"] is not None
    assert again["tasks"]["second"]["state"] == "succeeded"
    assert again["tasks"]["second"]["reused_from"] is None


def test_a_run_on_the_full_path_renews_its_lease_and_the_fast_path_keeps_none(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    SqliteHistory(home / "history.db").close()  # an existing store: the fast path takes it
    url = f"sqlite:///{home / 'history.db'}"
    slow = cli(
        home,
        "run",
        "-q",
        "--",
        "python3",
        "-c",
        "import time; time.sleep(1.0)",
        env={"SCRIPTRUNNER_HEARTBEAT_INTERVAL": str(INTERVAL)},
    )
    assert slow.returncode == 0, slow.stderr
    short = cli(home, "run", "-q", "--", "true", env={"SCRIPTRUNNER_FAST_PATH": "0"})
    assert short.returncode == 0, short.stderr
    fast = cli(home, "run", "-q", "--", "true")
    assert fast.returncode == 0, fast.stderr
    engine = make_engine(url)
    try:
        r = schema.runs
        with engine.connect() as conn:
            rows = conn.execute(
                select(r.c.started_at, r.c.heartbeat_at).order_by(r.c.started_at)
            ).all()
    finally:
        engine.dispose()
    (slow_start, slow_beat), (short_start, short_beat), (_, fast_beat) = rows
    assert slow_beat - slow_start >= INTERVAL  # renewed while it ran
    assert 0 <= short_beat - short_start < 1.0  # stamped at its start (interval: 10 s)
    assert fast_beat is None  # the fast path renews no lease: the pid check of its host
