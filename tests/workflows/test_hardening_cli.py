"""Issue #15 defects 9 and 10 and the workflow rough edges, through the real CLI: the engine
never crashes or leaves a row ``running``; numbers, secrets, output names and matrices are
bounded and checked, with the file, the line and the field."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli

EMIT = """
import os, sys
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a", encoding="utf-8") as out:
    for pair in sys.argv[1:]:
        out.write(pair + "\\n")
"""
DEEP = """
import os
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a", encoding="utf-8") as out:
    out.write("deep=" + "[" * 100_000 + "]" * 100_000 + "\\n")
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "emit.py").write_text(EMIT)
    (tmp_path / "deep.py").write_text(DEEP)
    return tmp_path / "home"


def write(tmp_path: Path, text: str, name: str = "wf.yaml") -> Path:
    wf = tmp_path / name
    wf.write_text(textwrap.dedent(text))
    return wf


# -- defect 9: any exception inside the engine ends the task, never the workflow ---------


def test_deeply_nested_json_ends_tasks_as_error_and_the_workflow_finishes(
    tmp_path: Path, home: Path
) -> None:
    marker = tmp_path / "always-ran"
    wf = write(
        tmp_path,
        f"""
        tasks:
          get:
            script: deep.py
          cond:
            needs: [get]
            if: ${{{{ fromJSON(needs.get.outputs.deep) }}}}
            run: "true"
          render:
            needs: [get]
            run: echo ${{{{ toJSON(fromJSON(needs.get.outputs.deep)) }}}}
          cleanup:
            needs: [cond, render]
            if: always()
            run: touch {marker}
        """,
    )
    r = cli(home, "workflow", "run", str(wf), "--json")
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert r.returncode == 1, r.stderr[-2000:]
    data = json.loads(r.stdout)
    states = {name: task["state"] for name, task in data["tasks"].items()}
    assert states == {
        "get": "succeeded",
        "cond": "error",
        "render": "error",
        "cleanup": "succeeded",
    }
    for name in ("cond", "render"):
        assert "nested" in data["tasks"][name]["reason"], data["tasks"][name]
    assert marker.exists(), "the always() task did not run"
    shown = json.loads(cli(home, "show", data["id"], "--json").stdout)
    assert shown["status"] == "failed"
    assert all(t["status"] != "running" for t in shown["tasks"].values()), shown["tasks"]


@pytest.mark.parametrize("name", ["wf.yaml", "wf.json"])
def test_deeply_nested_workflow_files_are_refused_clearly(
    tmp_path: Path, home: Path, name: str
) -> None:
    deep = "[" * 5000 + "]" * 5000
    wf = write(tmp_path, '{"tasks": {"a": {"run": "true"}}, "resources": ' + deep + "}", name)
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-500:]
    assert f"{wf}: the document nests mappings and lists more than 100 levels deep" in r.stderr


def test_eval_context_too_deep_is_a_clear_error(tmp_path: Path, home: Path) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    r = cli(home, "workflow", "eval", "toJSON(x)", "--context", f"x={deep}")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-500:]
    assert "JSON nested more than 100 levels deep" in r.stderr


# -- defect 10: non-finite and huge numbers in workflow files ----------------------------


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        (
            "wf.json",
            '{"tasks": {"a": {"run": "true",\n "retries": {"max": 1, "delay": 1e308}}}}',
            "wf.json:2: tasks.a.retries.delay",
        ),
        (
            "wf.yaml",
            "tasks:\n  a:\n    run: 'true'\n    timeout: .nan\n",
            "wf.yaml:4: tasks.a.timeout",
        ),
        (
            "wf.yaml",
            "tasks:\n  a:\n    run: 'true'\n    timeout: 1.0e+308\n",
            "wf.yaml:4: tasks.a.timeout",
        ),
        (
            "wf.yaml",
            "tasks:\n  a:\n    run: 'true'\n    retries: {max: 1000000000}\n",
            "wf.yaml:4: tasks.a.retries.max",
        ),
        (
            "wf.json",
            '{"tasks": {"a": {"run": "true",\n "retries": {"max": 1e9}}}}',
            "wf.json:2: tasks.a.retries.max",
        ),
        (
            "wf.yaml",
            "defaults:\n  retries: {max: 1, max_delay: .inf}\ntasks: {a: {run: 'true'}}\n",
            "wf.yaml:2: defaults.retries.max_delay",
        ),
        (
            "wf.yaml",
            "max_parallel: 100000000000\ntasks: {a: {run: 'true'}}\n",
            "wf.yaml:1: max_parallel",
        ),
        (
            "wf.yaml",
            "max_matrix: 1000000000\ntasks: {a: {run: 'true'}}\n",
            "wf.yaml:1: max_matrix",
        ),
        (
            "wf.yaml",
            "tasks:\n  a:\n    run: 'true'\n    retries: {max: 1, 'on': [1, 999]}\n",
            "wf.yaml:4: tasks.a.retries.on[1]",
        ),
    ],
    ids=[
        "delay-1e308",
        "timeout-nan",
        "timeout-huge",
        "max-1e9-int",
        "max-1e9-json",
        "inf",
        "max_parallel",
        "max_matrix",
        "retry-on-999",
    ],  # fmt: skip
)
def test_non_finite_and_huge_numbers_fail_validate(
    tmp_path: Path, home: Path, name: str, text: str, where: str
) -> None:
    wf = write(tmp_path, text, name)
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 2, r.stdout
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"scriptrunner: error: {tmp_path}/{where}:")
    assert "must be between" in lines[0] or "finite" in lines[0], lines[0]


# -- rough edges -------------------------------------------------------------------------


def test_undeclared_secret_is_a_validation_error(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path,
        """
        secrets: {TOKEN: "vault://secret/app#token"}
        tasks:
          a:
            run: echo ${{ secrets.TOKEN }} ${{ secrets.TOKNE }}
        """,
    )
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 2, r.stdout
    assert f"{wf}:5: tasks.a.run: secrets.TOKNE is not declared" in r.stderr, r.stderr
    assert 'did you mean "TOKEN"' in r.stderr


def test_a_secret_picked_at_run_time_must_be_declared_too(tmp_path: Path, home: Path) -> None:
    wf = write(
        tmp_path,
        """
        tasks:
          a:
            run: echo "[${{ secrets[format('{0}', 'TOKEN')] }}]"
        """,
    )
    r = cli(home, "workflow", "run", str(wf), "--json")
    task = json.loads(r.stdout)["tasks"]["a"]
    assert task["state"] == "error", task
    assert "'TOKEN' is not declared" in task["reason"], task["reason"]


@pytest.mark.parametrize("bad", ["../../evil=1", "=1", "a b=1", "évil=1", "-x=1"])
def test_bad_output_names_end_the_task_with_a_clear_error(
    tmp_path: Path, home: Path, bad: str
) -> None:
    wf = write(
        tmp_path,
        f"""
        tasks:
          a:
            script: emit.py
            args: ["ok=1", {json.dumps(bad)}]
        """,
    )
    r = cli(home, "workflow", "run", str(wf), "--json")
    data: dict[str, Any] = json.loads(r.stdout)
    task = data["tasks"]["a"]
    assert task["state"] == "error", task
    assert task["reason"].startswith("$SCRIPTRUNNER_OUTPUT:2: "), task["reason"]
    assert "output name" in task["reason"], task["reason"]
    assert task["outputs"] == {}


def test_a_raised_matrix_limit_cannot_make_validate_expand_millions(
    tmp_path: Path, home: Path
) -> None:
    axes = "\n".join(f"      k{i}: {list(range(10))}" for i in range(7))
    wf = write(
        tmp_path,
        f"max_matrix: 10000\ntasks:\n  a:\n    run: 'true'\n    matrix:\n{axes}\n",
    )
    started = time.monotonic()
    r = cli(home, "workflow", "validate", str(wf))
    assert time.monotonic() - started < 20
    assert r.returncode == 2, r.stdout
    assert "10000000 combinations" in r.stderr and "max_matrix (10000)" in r.stderr, r.stderr


def test_matrix_plans_too_large_to_hold_are_refused_before_they_are_built(
    tmp_path: Path, home: Path
) -> None:
    axes = "{x: " + str(list(range(100))) + ", y: " + str(list(range(20))) + "}"
    wf = write(
        tmp_path,
        f"max_matrix: 10000\ntasks:\n  a: {{run: 'true', matrix: {axes}}}\n"
        f"  b: {{run: 'true', needs: a, matrix: {axes}}}\n",
    )
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 2, r.stdout
    assert f"{wf}:4: tasks.b.needs: 2000 instances each need 2000 instances" in r.stderr, r.stderr
    tasks = "".join(f"  t{i}: {{run: 'true', matrix: {axes}}}\n" for i in range(60))
    wf = write(tmp_path, f"max_matrix: 10000\ntasks:\n{tasks}")
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 2, r.stdout
    assert "more than 100000 task instances" in r.stderr, r.stderr


def test_a_task_that_makes_its_outputs_file_a_directory_cannot_break_the_run(
    tmp_path: Path, home: Path
) -> None:
    wf = write(
        tmp_path,
        """
        tasks:
          odd:
            run: sh -c 'mkdir -p "$SCRIPTRUNNER_OUTPUT/x"'
        """,
    )
    r = cli(home, "workflow", "run", str(wf), "--json")
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    data = json.loads(r.stdout)
    shown = json.loads(cli(home, "show", data["id"], "--json").stdout)
    assert shown["status"] != "running"
    assert all(t["status"] != "running" for t in shown["tasks"].values()), shown["tasks"]
