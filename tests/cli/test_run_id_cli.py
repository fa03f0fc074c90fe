"""``run --run-id`` and ``workflow run --run-id``: the caller (the dashboard) knows the id
before the run starts; a malformed or already used id is refused before anything runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fixtures.cli import (
    cli,
)

pytestmark = pytest.mark.usefixtures("run_path")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def new_id() -> str:
    return os.urandom(16).hex()


def test_run_is_recorded_under_the_given_id(tmp_path: Path, home: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text("import os, sys\nprint(os.environ['SCRIPTRUNNER_RUN_ID'], sys.argv[1:])\n")
    rid = new_id()
    # After the script, "--run-id" is the script's own argument, never an option of run.
    r = cli(home, "run", "--json", "--run-id", rid, str(script), "--run-id", "x", "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"{rid} ['--run-id', 'x', '--help']"
    assert json.loads(r.stdout[r.stdout.index("{") :])["id"] == rid
    shown = json.loads(cli(home, "show", rid, "--json").stdout)
    assert (shown["id"], shown["status"]) == (rid, "succeeded")


@pytest.mark.parametrize(
    "bad", ["abc", "A" * 32, "g" * 32, "0" * 31, "0" * 33, "../" + "0" * 29, " " + "0" * 31]
)
def test_a_malformed_id_exits_2_with_one_line(home: Path, bad: str) -> None:
    for args in (("run", "--run-id", bad, "--", "true"), ("workflow", "run", "x.yml")):
        if args[0] == "workflow":
            args = (*args, f"--run-id={bad}")
        r = cli(home, *args)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert "is not a run id: give 32 lowercase hex digits" in lines[-1], r.stderr
        assert "Traceback" not in r.stderr


def test_an_id_already_in_the_store_is_refused_before_running(tmp_path: Path, home: Path) -> None:
    rid = new_id()
    assert cli(home, "run", "-q", "--run-id", rid, "--", "true").returncode == 0
    marker = tmp_path / "ran"
    r = cli(home, "run", "-q", "--run-id", rid, "--", "touch", str(marker))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"scriptrunner: error: --run-id: run {rid} already exists in history store "
        f"{home / 'history.db'}; choose a new id (or leave --run-id out for a fresh one)"
    ]
    assert not marker.exists()
    shown = json.loads(cli(home, "show", rid, "--json").stdout)
    assert shown["command"] == ["true"]  # the first run's row is untouched
    wf = tmp_path / "wf.yml"
    wf.write_text(f"name: w\ntasks:\n  a: {{run: 'touch {marker}'}}\n")
    r = cli(home, "workflow", "run", str(wf), "--run-id", rid)
    assert r.returncode == 2 and "already exists in history store" in r.stderr
    assert not marker.exists()


def test_workflow_run_and_resume_use_the_given_ids(tmp_path: Path, home: Path) -> None:
    marker = tmp_path / "ready"
    wf = tmp_path / "wf.yml"
    wf.write_text(
        f"name: w\ntasks:\n  a: {{run: 'echo a'}}\n  b: {{needs: [a], run: 'test -e {marker}'}}\n"
    )
    first_id, second_id = new_id(), new_id()
    r = cli(home, "workflow", "run", str(wf), "--json", "--run-id", first_id)
    assert r.returncode == 1
    assert json.loads(r.stdout)["id"] == first_id
    marker.write_text("")
    r = cli(home, "workflow", "run", str(wf), "--json", "--resume", first_id, "--run-id", second_id)
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["id"] == second_id
    assert again["tasks"]["a"]["reused_from"] is not None
    shown = json.loads(cli(home, "show", second_id, "--json").stdout)
    assert (shown["kind"], shown["status"]) == ("workflow", "succeeded")
    assert {t["workflow_run_id"] for t in shown["tasks"].values()} == {second_id}
