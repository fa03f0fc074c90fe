"""Operator actions against a real ``scriptrunner serve``: start, cancel and resume over
HTTP, with the work done by real CLI processes recording into the server's store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.cli import start_cli
from tests.fixtures.server import Served, serve
from tests.fixtures.waiting import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("actions")
    (root / "scripts").mkdir()
    (root / "flows").mkdir()
    (root / "scripts" / "echo.py").write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    (root / "scripts" / "long.py").write_text("import time\ntime.sleep(60)\n")
    (root / "x.py").write_text("print('outside')\n")
    (root / "scripts" / "out.py").symlink_to(root / "x.py")
    (root / "scripts" / "notes.txt").write_text("not a script\n")
    return root


@pytest.fixture(scope="module")
def served(dirs: Path) -> Iterator[Served]:
    with serve(dirs / "home", scripts_dir=dirs / "scripts", workflows_dir=dirs / "flows") as s:
        yield s


def status(served: Served, run_id: str) -> dict[str, Any] | None:
    with sqlite3.connect(served.home / "history.db") as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    return dict(row) if row is not None else None


def wait_for(served: Served, run_id: str, *statuses: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        row = status(served, run_id)
        return row if row is not None and row["status"] in statuses else None

    return wait_until(reached, f"run {run_id} to be {statuses}", timeout=60)


def test_post_runs_starts_the_script_with_its_args_as_data(served: Served) -> None:
    args = ["--help", "; rm -rf /", "$(id)", "--", "a b"]
    with served.client() as client:
        answer = client.post(
            "/api/v1/runs", json={"script": "echo.py", "args": args, "tags": {"via": "web"}}
        )
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "running" and len(body["run_id"]) == 32
    row = wait_for(served, body["run_id"], "succeeded", "failed", "error")
    assert row["status"] == "succeeded"
    assert json.loads(row["stdout_tail"]) == args
    assert json.loads(row["tags"]) == {"via": "web"}
    shown = served.cli("show", body["run_id"], "--json")  # the CLI sees the same run
    assert json.loads(shown.stdout)["id"] == body["run_id"]


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({"script": "../x.py"}, 400, "must not contain '..'"),
        ({"script": "/etc/passwd"}, 400, "not absolute"),
        ({"script": "out.py"}, 400, "leads outside its --scripts-dir"),
        ({"script": "notes.txt"}, 400, "is not a .py file"),
        ({"script": "missing.py"}, 400, "is not a file under any --scripts-dir"),
        ({"script": "echo.py", "tags": {"a=b": "c"}}, 400, "tag key 'a=b' is not usable"),
        ({"script": "echo.py", "command": "rm -rf /"}, 422, ""),
        ({"script": "echo.py", "args": "--help"}, 422, ""),
        ({}, 422, ""),
    ],
)
def test_post_runs_refuses_what_is_not_a_script_under_the_scripts_dir(
    served: Served, body: dict[str, Any], code: int, says: str
) -> None:
    with served.client() as client:
        answer = client.post("/api/v1/runs", json=body)
    assert answer.status_code == code, answer.text
    assert says in str(answer.json()["detail"])


def test_cancel_a_run_started_from_the_web(served: Served) -> None:
    with served.client() as client:
        run_id = client.post("/api/v1/runs", json={"script": "long.py"}).json()["run_id"]
        wait_for(served, run_id, "running")
        answer = client.post(f"/api/v1/runs/{run_id}/cancel")
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"run_id": run_id, "cancelled": True}
        assert wait_for(served, run_id, "cancelled", "failed", "succeeded")["status"] == "cancelled"
        again = client.post(f"/api/v1/runs/{run_id}/cancel")
        assert again.status_code == 409 and "not running" in again.json()["detail"]
        unknown = client.post(f"/api/v1/runs/{'0' * 32}/cancel")
        assert unknown.status_code == 404
        as_workflow = client.post(f"/api/v1/workflows/{run_id}/cancel")
        assert as_workflow.status_code == 404


def test_cancel_a_run_started_by_the_cli_in_another_terminal(served: Served) -> None:
    proc = start_cli("run", "-q", "--json", "--", "sleep", "60", env=served.env, cwd=served.home)
    try:
        with sqlite3.connect(served.home / "history.db") as db:

            def running() -> str | None:
                row = db.execute(
                    "SELECT id FROM runs WHERE status = 'running' AND pid = ?", (proc.pid,)
                ).fetchone()
                return row[0] if row else None

            run_id = wait_until(running, "the CLI's run to be recorded")
        with served.client() as client:
            answer = client.post(f"/api/v1/runs/{run_id[:10]}/cancel")
        assert answer.status_code == 202, answer.text
        assert answer.json()["run_id"] == run_id
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM
        assert json.loads(out)["status"] == "cancelled"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_failed_workflow_is_resumed_from_what_failed(served: Served, dirs: Path) -> None:
    counter, marker = dirs / "count", dirs / "ready"
    (dirs / "flows" / "flaky.yml").write_text(
        textwrap.dedent(
            f"""\
            name: flaky
            tasks:
              first:
                run: sh -c 'echo x >> {counter}'
              second:
                needs: [first]
                run: test -e {marker}
            """
        )
    )
    with served.client() as client:
        answer = client.post("/api/v1/workflows", json={"file": "flaky.yml", "inputs": {}})
        assert answer.status_code == 202, answer.text
        first = answer.json()["run_id"]
        assert wait_for(served, first, "failed", "succeeded")["status"] == "failed"
        assert client.post(f"/api/v1/workflows/{first}/cancel").status_code == 409
        marker.write_text("")
        answer = client.post(f"/api/v1/workflows/{first[:8]}/resume")
        assert answer.status_code == 202, answer.text
        assert answer.json()["resumed_from"] == first
        second = answer.json()["run_id"]
        assert wait_for(served, second, "failed", "succeeded")["status"] == "succeeded"
        assert counter.read_text() == "x\n"  # "first" was reused, not run again
        done = client.post(f"/api/v1/workflows/{second}/resume")
        assert done.status_code == 409 and "succeeded" in done.json()["detail"]
        bad = client.post("/api/v1/workflows", json={"file": "../flows/flaky.yml"})
        assert bad.status_code == 400
        inputs = client.post("/api/v1/workflows", json={"file": "flaky.yml", "inputs": {"a": 1}})
        assert inputs.status_code == 400 and "inputs" in inputs.json()["detail"]


def test_stopping_the_server_cancels_what_it_started(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "long.py").write_text("import time\ntime.sleep(60)\n")
    with serve(tmp_path / "home", scripts_dir=tmp_path / "scripts") as s:
        with s.client() as client:
            run_id = client.post("/api/v1/runs", json={"script": "long.py"}).json()["run_id"]
        runner = wait_for(s, run_id, "running")["pid"]
    # serve has exited (cleanly: the fixture checks); the run was cancelled and recorded.
    assert status(s, run_id)["status"] == "cancelled"  # type: ignore[index]
    with pytest.raises(ProcessLookupError):
        os.kill(runner, 0)


def test_no_scripts_dir_no_start(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as s, s.client() as client:
        answer = client.post("/api/v1/runs", json={"script": "x.py"})
        assert answer.status_code == 400
        assert answer.json()["detail"].startswith("no --scripts-dir is configured")
        answer = client.post("/api/v1/workflows", json={"file": "x.yml"})
        assert answer.status_code == 400
