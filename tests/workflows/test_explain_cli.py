"""Issue #17: why a task was skipped, the implicit ``success() &&`` in ``workflow plan``,
and ``workflow eval`` with status functions and against a stored run; through the CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli

WORKFLOW = """
name: why
env: {STAGE: dev}
tasks:
  a:
    run: sh -c 'echo rows=0 >> "$SCRIPTRUNNER_OUTPUT"; exit 3'
  b:
    needs: [a]
    run: echo b
  c:
    needs: [b]
    run: echo c
  d:
    if: env.STAGE == 'prod'
    run: echo d
  e:
    needs: [a]
    if: needs.a.outputs.rows != '0'
    run: echo e
  f:
    needs: [a]
    if: failure()
    run: echo f
  g:
    needs: [f]
    run: echo g
"""

REASONS = {
    "b": "needs `a`, which failed",
    "c": "needs `b`, which was skipped",
    "d": "condition `env.STAGE == 'prod'` is false",
    "e": "needs `a`, which failed",
    "g": "needs `f`, which ran after `a` failed",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(WORKFLOW))
    return tmp_path / "home"


def run_json(home: Path) -> dict[str, Any]:
    r = cli(home, "workflow", "run", "wf.yaml", "--json")
    assert r.returncode == 1, r.stderr
    return dict(json.loads(r.stdout))


def test_skip_reasons_name_the_real_cause_in_json_and_history(home: Path) -> None:
    result = run_json(home)
    reasons = {t: v["reason"] for t, v in result["tasks"].items() if v["state"] == "skipped"}
    assert reasons == REASONS
    shown = json.loads(cli(home, "show", result["id"], "--json").stdout)
    stored = {n: t["error"] for n, t in shown["tasks"].items() if t["status"] == "skipped"}
    assert stored == REASONS


def test_skip_reasons_in_progress_lines_and_summary(home: Path) -> None:
    r = cli(home, "workflow", "run", "wf.yaml")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    for task, reason in REASONS.items():
        assert f"{task}: skipped — {reason}" in lines, (task, r.stderr)
        assert any(line.split()[:2] == [task, "skipped"] and reason in line for line in lines)
    assert "condition is false" not in r.stderr


def test_plan_shows_the_implicit_success(home: Path) -> None:
    r = cli(home, "workflow", "plan", "wf.yaml", "--format", "json")
    assert r.returncode == 0, r.stderr
    conditions = {row["instance"]: row["condition"] for row in json.loads(r.stdout)}
    assert conditions["a"] == "success()"
    assert conditions["d"] == "success() && (env.STAGE == 'prod')"
    assert conditions["f"] == "failure()"
    table = cli(home, "workflow", "plan", "wf.yaml").stdout
    assert "success() && (needs.a.outputs.rows != '0')" in table


@pytest.mark.parametrize(
    ("expr", "result", "value"),
    [
        ("success()", "failure", False),
        ("failure()", "failure", True),
        ("always()", "failure", True),
        ("cancelled()", "failure", False),
        ("success()", "success", True),
        ("failure()", "success", False),
        ("success()", "skipped", False),
    ],
)
def test_eval_status_functions_follow_the_needs_context(
    home: Path, expr: str, result: str, value: bool
) -> None:
    needs = json.dumps({"a": {"result": "success"}, "b": {"result": result}})
    r = cli(home, "workflow", "eval", expr, "--context", f"needs={needs}")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0]) is value


def test_eval_against_a_stored_run(home: Path) -> None:
    result = run_json(home)
    prefix = result["id"][:8]
    r = cli(home, "workflow", "eval", "--run", prefix, "--task", "e")
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "false"
    assert "condition: success() && (needs.a.outputs.rows != '0')" in out
    assert '  needs.a.result = "failure"' in out
    assert '  needs.a.outputs.rows = "0"' in out
    assert "  success() = false" in out
    r = cli(home, "workflow", "eval", "--run", prefix, "--task", "d", "env.STAGE")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == '"dev"'
    assert '  env.STAGE = "dev"' in r.stdout.splitlines()
    r = cli(home, "workflow", "eval", "--run", prefix, "--task", "f", "failure()")
    assert r.stdout.splitlines()[0] == "true"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run", "ffffffff", "--task", "e"], "no run with id 'ffffffff'"),
        (["--run", "RUN", "--task", "nope"], "has no task 'nope'"),
        (["--task", "e"], "--task needs --run"),
        (["--run", "RUN"], "--run needs --task"),
        (["--run", "RUN", "--task", "e", "x", "--context", "a=1"], "--context"),
    ],
)
def test_eval_run_errors_are_one_line(home: Path, args: list[str], message: str) -> None:
    result = run_json(home)
    args = [result["id"] if a == "RUN" else a for a in args]
    r = cli(home, "workflow", "eval", *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_eval_run_refuses_a_task_run_and_names_its_workflow(home: Path) -> None:
    result = run_json(home)
    task_run = result["tasks"]["e"]["id"]
    r = cli(home, "workflow", "eval", "--run", task_run, "--task", "e")
    assert r.returncode == 2
    assert f"is a task, not a workflow run; its workflow run is {result['id']}" in r.stderr


def test_eval_run_says_what_it_cannot_know_when_the_file_changed(home: Path) -> None:
    """The stored run's needs and outputs still answer; env and if: came from the file."""
    result = run_json(home)
    wf = home.parent / "wf.yaml"
    wf.write_text(textwrap.dedent(WORKFLOW).replace("  g:\n", "  h:\n"))
    r = cli(home, "workflow", "eval", "--run", result["id"], "--task", "g", "success()")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "false"
    assert "no longer has task 'g': env and if: unknown" in r.stdout + r.stderr
    wf.unlink()
    r = cli(home, "workflow", "eval", "--run", result["id"], "--task", "e", "needs.a.result")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == '"failure"'
    assert "workflow file not usable" in r.stdout + r.stderr
