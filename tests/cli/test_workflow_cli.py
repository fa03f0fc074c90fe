"""``scriptrunner workflow ...`` as users call it: real processes, real history."""

from __future__ import annotations

import json
import signal
import textwrap
import time
from pathlib import Path

import pytest

from fixtures.cli import cli, cli_env, start_cli
from fixtures.waiting import wait_until


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_run_success_json_and_history(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path / "wf.yaml",
        """
        name: small
        tasks:
          a:
            run: sh -c 'echo n=${{ matrix.n }} >> "$SCRIPTRUNNER_OUTPUT"'
            matrix: {n: [1, 2]}
          b:
            needs: [a]
            run: echo got ${{ needs.a.outputs.n }}
    """,
    )
    r = cli(home, "workflow", "run", str(wf), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["status"] == "succeeded"
    assert set(data["tasks"]) == {"a (n=1)", "a (n=2)", "b"}
    assert data["tasks"]["b"]["outputs"] == {}
    shown = json.loads(cli(home, "show", data["id"], "--json").stdout)
    assert shown["kind"] == "workflow"
    assert sorted(shown["tasks"]) == ["a (n=1)", "a (n=2)", "b"]
    b_run = json.loads(cli(home, "show", data["tasks"]["b"]["id"], "--json").stdout)
    assert b_run["stdout_tail"] == "got 2\n"


def test_failure_exit_1_with_summary_and_stderr_tail(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path / "wf.yaml",
        """
        name: broken
        tasks:
          bad:
            run: sh -c 'echo boom >&2; exit 4'
          after:
            needs: [bad]
            run: echo never
    """,
    )
    r = cli(home, "workflow", "run", str(wf))
    assert r.returncode == 1
    assert "boom" in r.stderr
    assert "skipped" in r.stderr and "failed" in r.stderr
    assert "workflow broken failed" in r.stderr


def test_resume_reruns_only_what_failed(tmp_path: Path, home: Path) -> None:
    counter = tmp_path / "count"
    marker = tmp_path / "ready"
    wf = write(
        tmp_path / "wf.yaml",
        f"""
        name: resumable
        tasks:
          first:
            run: sh -c 'echo x >> {counter}; echo token=abc >> "$SCRIPTRUNNER_OUTPUT"'
          second:
            needs: [first]
            run: sh -c 'test -e {marker} && echo ${{{{ needs.first.outputs.token }}}}'
    """,
    )
    first = json.loads(cli(home, "workflow", "run", str(wf), "--json").stdout)
    assert first["tasks"]["second"]["state"] == "failed"
    marker.write_text("")
    r = cli(home, "workflow", "run", str(wf), "--json", "--resume", first["id"][:10])
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["tasks"]["first"]["reused_from"] is not None
    assert again["tasks"]["second"]["state"] == "succeeded"
    assert counter.read_text().count("x") == 1  # first ran once in total
    second = json.loads(cli(home, "show", again["tasks"]["second"]["id"], "--json").stdout)
    assert second["stdout_tail"] == "abc\n"


def test_resume_of_a_plain_run_is_refused(home: Path, tmp_path: Path) -> None:
    run = json.loads(cli(home, "run", "-q", "--json", "--", "true").stdout)
    wf = write(tmp_path / "wf.yaml", "name: x\ntasks:\n  a: {run: 'true'}\n")
    r = cli(home, "workflow", "run", str(wf), "--resume", run["id"])
    assert r.returncode == 2 and "not a workflow run" in r.stderr


def test_bad_file_exits_2_with_file_and_line(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path / "wf.yaml",
        """
        name: typo
        tasks:
          test:
            run: "true"
          build:
            needs: [tset]
            run: "true"
    """,
    )
    for command in ("run", "validate", "plan", "graph"):
        r = cli(home, "workflow", command, str(wf))
        assert r.returncode == 2, command
        assert (
            f'{wf}:7: task "build" needs "tset", which does not exist (did you mean "test"?)'
            in r.stderr
        )


def test_validate_plan_graph(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path / "wf.yaml",
        """
        name: shape
        tasks:
          a: {run: "true", matrix: {x: [1, 2]}}
          b: {run: "true", needs: [a], if: failure()}
    """,
    )
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 0 and "2 tasks, 3 instances in 2 levels" in r.stdout
    plan = json.loads(cli(home, "workflow", "plan", str(wf), "--json").stdout)
    assert [(p["level"], p["instance"]) for p in plan] == [(0, "a (x=1)"), (0, "a (x=2)"), (1, "b")]
    text = cli(home, "workflow", "plan", str(wf)).stdout
    assert "a (x=1)" in text and "failure()" in text
    assert cli(home, "workflow", "graph", str(wf)).stdout.startswith("flowchart TD")
    assert cli(home, "workflow", "graph", str(wf), "--format", "dot").stdout.startswith("digraph")


def test_eval_prints_json(home: Path) -> None:
    r = cli(
        home,
        "workflow",
        "eval",
        "format('{0}/{1}', matrix.os, 3) == 'LINUX/3'",
        "--context",
        'matrix={"os": "linux"}',
    )
    assert r.returncode == 0 and json.loads(r.stdout) is True
    r = cli(home, "workflow", "eval", "toJSON(fromJSON('[1, 2]'))")
    assert json.loads(r.stdout) == "[\n  1,\n  2\n]"
    bad = cli(home, "workflow", "eval", "a == )", "--context", "a=1")
    assert bad.returncode == 2 and "column" in bad.stderr
    bad = cli(home, "workflow", "eval", "x", "--context", "x={bad")
    assert bad.returncode == 2 and "bad JSON" in bad.stderr


def test_sigint_cancels_the_workflow(tmp_path: Path, home: Path) -> None:
    started_marker = tmp_path / "slow-started"
    wf = write(
        tmp_path / "wf.yaml",
        f"""
        name: long
        tasks:
          slow: {{run: "sh -c 'touch {started_marker}; exec sleep 60'"}}
          after: {{run: "true", needs: [slow]}}
          cleanup: {{run: "true", needs: [slow], if: always()}}
    """,
    )
    p = start_cli(
        "workflow", "run", str(wf), "--json", env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=tmp_path
    )
    wait_until(started_marker.exists, "the slow task to start")
    started = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert p.returncode == 128 + signal.SIGINT
    data = json.loads(out)
    assert data["status"] == "cancelled"
    assert data["tasks"]["slow"]["state"] == "cancelled"
    assert data["tasks"]["after"]["state"] == "cancelled"
    assert data["tasks"]["cleanup"]["state"] == "succeeded"


def test_history_lists_workflows_and_hides_tasks_unless_all(tmp_path: Path, home: Path) -> None:
    wf = write(tmp_path / "wf.yaml", "name: pair\ntasks:\n  a: {run: 'true'}\n  b: {run: 'true'}\n")
    assert cli(home, "workflow", "run", "-q", str(wf)).returncode == 0
    top = json.loads(cli(home, "history", "--json").stdout)
    assert [r["kind"] for r in top] == ["workflow"]
    everything = json.loads(cli(home, "history", "--json", "--all").stdout)
    assert sorted(r["kind"] for r in everything) == ["task", "task", "workflow"]


@pytest.mark.slow
def test_cost_profile_prices_every_task_and_sums_the_workflow(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path / "wf.yaml", "name: priced\ntasks:\n  a: {run: 'sleep 0.2'}\n  b: {run: 'true'}\n"
    )
    r = cli(home, "workflow", "run", "-q", "--json", "--cost-profile", "aws:m5.large", str(wf))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    hourly = 0.096  # m5.large, us-east-1, Linux on-demand (the bundled AWS catalog)
    for task in data["tasks"].values():
        run = json.loads(cli(home, "show", task["id"], "--json").stdout)
        assert run["cloud_cost_usd"] == pytest.approx(
            run["duration_seconds"] / 3600 * hourly, rel=1e-9
        )
    bad = cli(home, "workflow", "run", "--cost-profile", "aws:m5.lage", str(wf))
    assert bad.returncode == 2 and "m5.large" in bad.stderr
