"""``workflow run --json`` while PostgreSQL is down at the workflow's end: the story of the
run is still printed (built from the run itself and this process's journal, marked
``"history": "delayed"`` with the journal's path), the exit code is the tasks' own, and
after the replay ``show --json`` tells the same story with the store's extras."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli_env, run_cli, start_cli
from fixtures.postgres import PostgresServer, own_postgres  # noqa: F401
from fixtures.waiting import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(own_postgres: PostgresServer) -> Iterator[str]:  # noqa: F811
    url = own_postgres.create_database(f"t_{uuid.uuid4().hex[:16]}")
    try:
        yield url
    finally:
        try:
            own_postgres.admin("SELECT 1")
        except Exception:  # a test that failed with the server stopped
            own_postgres.start()


def stored_before(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        sql = "SELECT task_name, status FROM runs WHERE task_name IN ('never', 'first')"
        return list(conn.execute(sql + " ORDER BY task_name").fetchall())


def workflow(tmp_path: Path) -> Path:
    """``never`` is skipped and ``first`` ends before the outage; ``slow`` is running when it
    starts (1.5 s: time enough for the server to stop under load); ``bad`` fails
    twice (exit 3, one retry); ``after`` is skipped (no process: its id is journaled)."""
    tasks: dict[str, Any] = {
        "never": {"run": "true", "if": "false"},
        "first": {"run": "true"},
        "slow": {"run": f"sh -c 'touch {tmp_path}/slow.started && sleep 1.5'", "needs": ["first"]},
        "bad": {"run": "sh -c 'exit 3'", "needs": ["slow"], "retries": {"max": 1, "delay": 0}},
        "after": {"run": "true", "needs": ["bad"]},
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"name": "outage-json", "tasks": tasks}))
    return path


def test_workflow_run_json_prints_the_story_when_the_store_is_down_at_the_end(
    own_postgres: PostgresServer,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_DATABASE_URL=db_url)
    proc = start_cli("workflow", "run", "--json", str(workflow(tmp_path)), env=env, cwd=tmp_path)
    try:
        started = tmp_path / "slow.started"
        wait_until(started.exists, timeout=30, what="slow.started to appear")
        wait_until(  # their rows are in the store: the story must rebuild them
            lambda: stored_before(db_url) == [("first", "succeeded"), ("never", "skipped")],
            timeout=10,
            what="the rows of never and first",
        )
        own_postgres.stop()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # The tasks decide the exit code (bad failed: 1), not the store (2).
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "history delayed" in err
    journals = list((home / "journal").glob("*.jnl"))
    assert len(journals) == 1 and str(journals[0]) in err

    story = json.loads(out)
    assert story["history"] == "delayed" and story["journal"] == str(journals[0])
    assert (story["kind"], story["name"]) == ("workflow", "outage-json")
    assert (story["status"], story["exit_code"], story["attempts"]) == ("failed", 1, [])
    assert story["outputs"] == {"counts": {"succeeded": 2, "failed": 1, "skipped": 2}}
    assert story["events"] == [] and story["scans"] == [] and story["trace_id"] is None
    tasks = story["tasks"]
    assert set(tasks) == {"never", "first", "slow", "bad", "after"}
    bad, after = tasks["bad"], tasks["after"]
    assert (bad["state"], bad["result"], bad["exit_code"], bad["attempt_count"]) == (
        "failed",
        "failure",
        3,
        2,
    )
    assert [a["ended"] for a in bad["attempts"]] == ["exited 3", "exited 3"]
    assert (after["state"], after["result"], after["attempts"]) == ("skipped", "skipped", [])
    assert "bad" in after["reason"]
    assert all(t["workflow_run_id"] == story["id"] for t in tasks.values())

    # Once the store is back and the journal replayed, `show --json` tells the same story.
    own_postgres.start()
    replayed = run_cli("db", "replay", env=env, cwd=tmp_path, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    shown = run_cli("show", "--json", story["id"], env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    stored = json.loads(shown.stdout)
    assert "history" not in stored and "journal" not in stored
    assert set(stored) == set(story) - {"history", "journal"}
    same = ("id", "kind", "name", "status", "exit_code", "outputs", "started_at", "finished_at")
    assert {k: stored[k] for k in same} == {k: story[k] for k in same}
    assert set(stored["tasks"]) == set(tasks)
    # The same story but for what only the store has (documented in docs/history.md).
    assert stored["events"] and all(stored["tasks"][n]["events"] for n in ("first", "slow", "bad"))
    assert {k: v for k, v in stored.items() if k not in ("events", "tasks")} == {
        k: v for k, v in story.items() if k not in ("events", "tasks", "history", "journal")
    }
    never, kept_never = tasks.pop("never"), stored["tasks"].pop("never")
    for name, task in tasks.items():
        assert stored["tasks"][name] == {**task, "events": stored["tasks"][name]["events"]}, name
    # Skipped before the outage: its row is in the store only, so its id is not known yet.
    assert (never["id"], never["started_at"], never["state"]) == (None, None, "skipped")
    assert kept_never["id"] and kept_never["state"] == "skipped"
    unknown = ("id", "started_at", "finished_at")
    assert {k: v for k, v in never.items() if k not in unknown} == {
        k: v for k, v in kept_never.items() if k not in unknown
    }
