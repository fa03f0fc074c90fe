"""PostgreSQL stopped in the middle of a workflow or at the end of a run, then started
again on the same port: the work goes on and ends with its own exit code and summary,
history is journaled and replayed, and the rows come out exact (every task final, the
right attempts, no ``running`` leftovers, no duplicate events); ``--resume`` reuses what
succeeded; ``LISTEN`` hears the events, replayed ones too."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli_env, run_cli, start_cli
from fixtures.postgres import PostgresServer, own_postgres  # noqa: F401
from fixtures.waiting import wait_until

pytestmark = pytest.mark.postgres

TASKS = 7


@pytest.fixture
def db_url(own_postgres: PostgresServer) -> Iterator[str]:  # noqa: F811
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = own_postgres.create_database(name)
    try:
        yield url
    finally:
        if not _running(own_postgres):  # a test that failed with the server stopped
            own_postgres.start()
        own_postgres.drop_database(name)


def _running(server: PostgresServer) -> bool:
    try:
        server.admin("SELECT 1")
    except Exception:
        return False
    return True


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql, params or None).fetchall())


def chain_workflow(tmp_path: Path, *, last_fails: bool = False) -> Path:
    """``t1`` ... ``t7`` one after another, each touching ``tN.started`` and sleeping
    0.3 s; ``t3`` fails its first attempt and succeeds on its retry."""
    tasks: dict[str, Any] = {}
    for n in range(1, TASKS + 1):
        script = f"touch {tmp_path}/t{n}.started && sleep 0.3"
        task: dict[str, Any] = {}
        if n == 3:
            tried = tmp_path / "t3.tried"
            script += f" && {{ test -e {tried} || {{ touch {tried}; exit 3; }}; }}"
            task["retries"] = {"max": 1, "delay": 0}
        if n == TASKS and last_fails:
            script = f"touch {tmp_path}/t{n}.started && exit 1"
        task["run"] = f"sh -c '{script}'"
        if n > 1:
            task["needs"] = [f"t{n - 1}"]
        tasks[f"t{n}"] = task
    path = tmp_path / "chain.json"
    path.write_text(json.dumps({"name": "chain", "tasks": tasks}))
    return path


def wait_for_file(path: Path, timeout: float = 30) -> None:
    wait_until(path.exists, timeout=timeout, what=f"{path.name} to appear")


def check_rows(url: str, workflow_id: str) -> None:
    """Every task final and succeeded (``t3`` after 2 attempts), no ``running`` row, no
    event twice."""
    tasks = query(
        url,
        "SELECT task_name, status, attempts FROM runs WHERE workflow_run_id = %s "
        "AND kind = 'task' ORDER BY task_name",
        workflow_id,
    )
    assert [t[0] for t in tasks] == [f"t{n}" for n in range(1, TASKS + 1)]
    assert {t[1] for t in tasks} == {"succeeded"}, tasks
    assert {t[0]: t[2] for t in tasks}["t3"] == 2
    attempts = query(
        url,
        "SELECT r.task_name, count(*) FROM run_attempts a JOIN runs r ON r.id = a.run_id "
        "WHERE r.workflow_run_id = %s GROUP BY r.task_name",
        workflow_id,
    )
    assert dict(attempts) == {f"t{n}": 2 if n == 3 else 1 for n in range(1, TASKS + 1)}
    assert query(url, "SELECT id FROM runs WHERE status = 'running'") == []
    twice = query(
        url,
        "SELECT run_id, type, ts, count(*) FROM events GROUP BY run_id, type, ts "
        "HAVING count(*) > 1",
    )
    assert twice == []
    finished = query(
        url,
        "SELECT count(*) FROM events WHERE run_id = %s AND type = 'task.finished'",
        workflow_id,
    )
    assert finished == [(TASKS,)]


def workflow_id(url: str) -> str:
    rows = query(url, "SELECT id, status FROM runs WHERE kind = 'workflow'")
    assert len(rows) == 1, rows
    return str(rows[0][0])


def test_a_workflow_goes_on_while_postgresql_is_down_and_catches_up_when_it_is_back(
    own_postgres: PostgresServer,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_DATABASE_URL=db_url)
    flow = chain_workflow(tmp_path)
    proc = start_cli("workflow", "run", str(flow), env=env, cwd=tmp_path)
    try:
        wait_for_file(tmp_path / "t2.started")
        own_postgres.stop()
        wait_for_file(tmp_path / "t4.started")
        own_postgres.start()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "t7" in err and "Traceback" not in err  # the summary, no crash
    check_rows(db_url, workflow_id(db_url))
    assert query(db_url, "SELECT status FROM runs WHERE kind = 'workflow'") == [("succeeded",)]
    assert not list((home / "journal").glob("*.jnl"))  # replayed while it ran, or at its end


def test_a_workflow_ending_while_postgresql_is_down_is_replayed_later_and_resumable(
    own_postgres: PostgresServer,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_DATABASE_URL=db_url)
    flow = chain_workflow(tmp_path, last_fails=True)
    proc = start_cli("workflow", "run", str(flow), env=env, cwd=tmp_path)
    try:
        wait_for_file(tmp_path / "t2.started")
        own_postgres.stop()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # The tasks decide: t7 failed (exit 1), not the store (2); the summary is printed.
    assert proc.returncode == 1, err
    assert "t7" in err and "Traceback" not in err
    journals = list((home / "journal").glob("*.jnl"))
    assert len(journals) == 1
    assert "history delayed" in err and str(journals[0]) in err
    assert journals[0].stat().st_mode & 0o777 == 0o600
    assert (home / "journal").stat().st_mode & 0o777 == 0o700

    down = run_cli("db", "replay", env=env, cwd=tmp_path, timeout=60)
    assert down.returncode == 2
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1
    assert journals[0].exists()

    own_postgres.start()
    replayed = run_cli("db", "replay", env=env, cwd=tmp_path, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1 journal file" in replayed.stdout
    assert not journals[0].exists()
    wid = workflow_id(db_url)
    assert query(db_url, "SELECT status, exit_code FROM runs WHERE id = %s", wid) == [("failed", 1)]
    tasks = dict(
        query(
            db_url,
            "SELECT task_name, status FROM runs WHERE workflow_run_id = %s AND kind = 'task'",
            wid,
        )
    )
    assert tasks == {**{f"t{n}": "succeeded" for n in range(1, TASKS)}, "t7": "failed"}
    assert query(db_url, "SELECT id FROM runs WHERE status = 'running'") == []

    # --resume runs t7 again and reuses what succeeded (their rows are there now).
    (tmp_path / "t1.started").unlink()
    resumed = run_cli(
        "workflow", "run", "--resume", "last", "--json", str(flow), env=env, cwd=tmp_path
    )
    assert resumed.returncode == 1, resumed.stderr
    story = json.loads(resumed.stdout)
    reused = {name for name, task in story["tasks"].items() if task["reused_from"]}
    assert reused == {f"t{n}" for n in range(1, TASKS)}
    assert not (tmp_path / "t1.started").exists()


def test_a_run_whose_end_finds_postgresql_down_keeps_its_exit_code(
    own_postgres: PostgresServer,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    import psycopg

    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_DATABASE_URL=db_url)
    marker = tmp_path / "started"
    proc = start_cli(
        "run", "--", "sh", "-c", f"touch {marker}; sleep 1; exit 0", env=env, cwd=tmp_path
    )
    try:
        wait_for_file(marker)
        wait_until(
            lambda: query(db_url, "SELECT status FROM runs") == [("running",)],
            timeout=10,
            what="the running row",
        )
        own_postgres.stop()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "history delayed" in err and "Traceback" not in err
    assert len(list((home / "journal").glob("*.jnl"))) == 1

    own_postgres.start()
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("LISTEN scriptrunner_events")
        replayed = run_cli("db", "replay", env=env, cwd=tmp_path, timeout=60)
        assert replayed.returncode == 0, replayed.stderr
        heard = list(listener.notifies(timeout=5, stop_after=1))
    assert heard and heard[0].channel == "scriptrunner_events"  # replayed events notify too
    assert query(db_url, "SELECT status, exit_code, attempts FROM runs") == [("succeeded", 0, 1)]
    types = [t for (t,) in query(db_url, "SELECT type FROM events ORDER BY id")]
    assert types == ["run.started", "run.attempt.finished", "run.finished"]
    assert query(db_url, "SELECT count(*) FROM run_attempts") == [(1,)]


def test_listen_hears_the_events_of_a_workflow(
    own_postgres: PostgresServer,  # noqa: F811
    db_url: str,
    tmp_path: Path,
) -> None:
    import psycopg

    flow = tmp_path / "two.json"
    flow.write_text(json.dumps({"name": "two", "tasks": {"a": {"run": "true"}}}))
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_DATABASE_URL=db_url)
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("LISTEN scriptrunner_events")
        done = run_cli("workflow", "run", str(flow), env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 5
        heard = []
        while not heard and time.monotonic() < deadline:
            heard = list(listener.notifies(timeout=1, stop_after=1))
    assert heard and heard[0].channel == "scriptrunner_events"
