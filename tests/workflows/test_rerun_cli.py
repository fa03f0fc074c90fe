"""Issue #17: ``workflow run --resume`` re-runs like GitHub's "re-run failed jobs", and
``--resume last`` / ``--rerun-all``; through the real ``scriptrunner workflow run``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli

#: ``build`` fails until ``fixed`` exists; ``notify`` runs because of the failure, ``report``
#: always (its output says whether the build was healthy); ``prep`` has nothing to do with
#: it; ``deploy`` and ``publish`` are downstream of the build.
WORKFLOW = """
name: nightly
tasks:
  prep:
    run: sh -c 'echo x >> prep.count; echo dir=out >> "$SCRIPTRUNNER_OUTPUT"'
  build:
    run: sh -c 'echo x >> build.count; test -e fixed'
  notify:
    needs: [build]
    if: failure()
    run: sh -c 'echo x >> notify.count'
  report:
    needs: [build]
    if: always()
    run: sh -c 'if test -e fixed; then echo status=ok; else echo status=degraded; fi >> "$SCRIPTRUNNER_OUTPUT"'
  deploy:
    needs: [build, prep]
    run: echo deploying to ${{ needs.prep.outputs.dir }}
  publish:
    needs: [prep]
    if: needs.prep.result == 'success'
    run: sh -c 'echo x >> publish.count'
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(WORKFLOW))
    return tmp_path / "home"


def run(home: Path, *args: str) -> tuple[int, dict[str, Any]]:
    r = cli(home, "workflow", "run", "wf.yaml", "--json", *args)
    assert r.stdout, r.stderr
    return r.returncode, json.loads(r.stdout)


def count(tmp_path: Path, name: str) -> int:
    path = tmp_path / f"{name}.count"
    return path.read_text().count("x") if path.exists() else 0


def test_resume_reevaluates_what_ran_because_of_the_failure(tmp_path: Path, home: Path) -> None:
    code, first = run(home)
    assert code == 1
    assert first["tasks"]["notify"]["state"] == "succeeded"
    assert first["tasks"]["report"]["outputs"] == {"status": "degraded"}
    (tmp_path / "fixed").touch()
    code, again = run(home, "--resume", first["id"][:8])
    assert code == 0, again
    tasks = again["tasks"]
    # Only prep succeeded upstream-clean with a condition that does not read status.
    assert [t for t, v in tasks.items() if v["reused_from"]] == ["prep"]
    assert tasks["notify"]["state"] == "skipped" and tasks["notify"]["reused_from"] is None
    assert tasks["report"]["outputs"] == {"status": "ok"}
    assert tasks["deploy"]["state"] == "succeeded"
    assert tasks["publish"]["state"] == "succeeded"  # reads needs.prep.result: re-evaluated
    assert count(tmp_path, "prep") == 1 and count(tmp_path, "build") == 2
    assert count(tmp_path, "notify") == 1  # only the first run's failure notified


def test_resume_summary_says_what_was_reused_and_why_the_rest_ran(
    tmp_path: Path, home: Path
) -> None:
    _, first = run(home)
    (tmp_path / "fixed").touch()
    r = cli(home, "workflow", "run", "wf.yaml", "--resume", first["id"])
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stderr.splitlines() if line.strip()}
    short = first["id"][:8]
    assert f"reused from run {short}" in lines["prep"]
    assert f"re-run: failed in run {short}" in lines["build"]
    assert "re-run: condition `failure()` depends on status" in lines["notify"]
    assert "re-run: condition `always()` depends on status" in lines["report"]
    assert "re-run: needs `build`, which is re-run" in lines["deploy"]
    assert (
        "re-run: condition `needs.prep.result == 'success'` depends on status" in (lines["publish"])
    )


def test_resume_last_picks_the_newest_run_of_this_workflow(tmp_path: Path, home: Path) -> None:
    missing = cli(home, "workflow", "run", "wf.yaml", "--resume", "last")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "scriptrunner: error: --resume last: no earlier run of workflow 'nightly' "
        "(wf.yaml) in the history store; run it once without --resume"
    ]
    (tmp_path / "other.yaml").write_text("name: other\ntasks:\n  a: {run: 'true'}\n")
    _, first = run(home)
    assert cli(home, "workflow", "run", "other.yaml").returncode == 0  # newer, other workflow
    (tmp_path / "fixed").touch()
    code, again = run(home, "--resume", "last")
    assert code == 0
    assert again["tasks"]["prep"]["reused_from"] is not None
    shown = json.loads(cli(home, "show", again["id"], "--json").stdout)
    assert shown["parent_run_id"] == first["id"]


def test_rerun_all_runs_every_task_linked_to_the_previous_run(tmp_path: Path, home: Path) -> None:
    _, first = run(home)
    (tmp_path / "fixed").touch()
    code, again = run(home, "--rerun-all")
    assert code == 0
    assert not any(t["reused_from"] for t in again["tasks"].values())
    assert count(tmp_path, "prep") == 2 and count(tmp_path, "build") == 2
    shown = json.loads(cli(home, "show", again["id"], "--json").stdout)
    assert shown["parent_run_id"] == first["id"]


def test_rerun_all_and_resume_exclude_each_other_in_one_line(home: Path) -> None:
    r = cli(home, "workflow", "run", "wf.yaml", "--rerun-all", "--resume", "last")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "scriptrunner: error: --rerun-all runs every task again and --resume reuses what "
        "succeeded: give one of them"
    ]


def test_resume_of_another_workflows_run_is_refused(tmp_path: Path, home: Path) -> None:
    (tmp_path / "other.yaml").write_text("name: other\ntasks:\n  prep: {run: 'false'}\n")
    other = json.loads(cli(home, "workflow", "run", "other.yaml", "--json").stdout)
    r = cli(home, "workflow", "run", "wf.yaml", "--resume", other["id"])
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "is a run of workflow 'other'" in r.stderr


def test_show_says_which_run_a_resumed_workflow_re_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "wf.yaml").write_text("name: w\ntasks:\n  a: {run: 'true'}\n")
    assert cli(home, "workflow", "run", "-q", "wf.yaml").returncode == 0
    first = json.loads(cli(home, "show", "last", "--json").stdout)["id"]
    assert cli(home, "workflow", "run", "-q", "wf.yaml", "--rerun-all").returncode == 0
    text = cli(home, "show", "last").stdout
    assert "re-run of" in text and first in text
