"""The action's scan step (``scripts/github_action.py``): inputs, commands, exit status and
the ``GITHUB_OUTPUT`` format, without GitHub; and a workflow file run through it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from github_runner import parse_outputs

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "github_action.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("github_action", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["github_action"] = module
    spec.loader.exec_module(module)
    return module


action = _load()


def _inputs(**values: str) -> object:
    env = {"INPUT_SCANS": "code,deps,secrets", "RUNNER_TEMP": "/tmp/rt"}
    env.update({f"INPUT_{k.upper()}": v for k, v in values.items()})
    return action.Inputs.from_env(env)


def test_defaults() -> None:
    inputs = _inputs()
    assert inputs.scans == ("code", "deps", "secrets")
    assert inputs.paths == (".",)
    assert inputs.fail_on == "high"
    assert inputs.sarif_dir == Path("/tmp/rt/scriptrunner-sarif")
    assert inputs.summary is True


def test_lists_split_like_words_and_extra_args_by_command() -> None:
    inputs = _inputs(
        paths="src 'dir with space'\ntests",
        extra_args="--exclude 'vendor/*'\ncode: --tool bandit\nworkflow: --max-parallel 2",
    )
    assert inputs.paths == ("src", "dir with space", "tests")
    assert inputs.extra == {
        "*": ("--exclude", "vendor/*"),
        "code": ("--tool", "bandit"),
        "workflow": ("--max-parallel", "2"),
    }
    argv = action.scan_command("code", inputs, Path("/w"), Path("/s/code.sarif"))
    assert argv[1:] == [
        "-m", "scriptrunner", "scan", "code", "src", "dir with space", "tests",
        "--format", "sarif", "-o", "/s/code.sarif", "--no-record", "--fail-on", "high",
        "--exclude", "vendor/*", "--tool", "bandit",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scans": "code,sast"}, "scans: unknown sast"),
        ({"fail_on": "severe"}, "fail-on: unknown severity 'severe'"),
        ({"paths": "'unclosed"}, "paths: No closing quotation"),
        ({"scans": "", "workflow": ""}, "nothing to do"),
    ],
)
def test_bad_inputs(values: dict[str, str], message: str) -> None:
    with pytest.raises(action.InputError, match=message):
        _inputs(**values)


def test_deps_reads_the_requirements_input_else_finds_files(tmp_path: Path) -> None:
    assert action.deps_files(_inputs(requirements="a.txt b.lock"), tmp_path) == ("a.txt", "b.lock")
    assert action.deps_files(_inputs(), tmp_path) == ()
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert action.deps_files(_inputs(), tmp_path) == ("pyproject.toml",)
    (tmp_path / "requirements-dev.txt").write_text("")
    (tmp_path / "uv.lock").write_text("")
    assert action.deps_files(_inputs(), tmp_path) == ("requirements-dev.txt", "uv.lock")
    argv = action.scan_command("deps", _inputs(advisory_db="db"), tmp_path, Path("d.sarif"))
    assert argv[5:9] == ["requirements-dev.txt", "uv.lock", "--db", "db"]
    assert "--online" in action.scan_command("deps", _inputs(), tmp_path, Path("d.sarif"))


def test_exit_status_worst_scan_then_workflow() -> None:
    outcome = action.Outcome
    assert action.exit_status([outcome("code", 0), outcome("deps", 1)], "high") == 1
    assert action.exit_status([outcome("code", 2), outcome("deps", 1)], "high") == 2
    assert action.exit_status([outcome("code", 1)], "none") == 0
    assert action.exit_status([outcome("code", 2)], "none") == 2
    assert action.exit_status([outcome("code", 0), outcome("workflow", 1)], "high") == 1
    assert action.exit_status([outcome("workflow", 0)], "high") == 0


def test_outputs_survive_newlines(tmp_path: Path) -> None:
    path = tmp_path / "out"
    action.write_outputs(str(path), {"a": "1", "b": "two\nlines", "c": "x=y<<z"})
    assert parse_outputs(path.read_text()) == {"a": "1", "b": "two\nlines", "c": "x=y<<z"}


def test_a_workflow_file_runs_and_its_failure_fails_the_step(tmp_path: Path) -> None:
    (tmp_path / "ci.yaml").write_text(
        "name: ci\ntasks:\n  ok:\n    run: echo ok\n  broken:\n    needs: ok\n    run: exit 3\n"
    )
    out, summary = tmp_path / "out", tmp_path / "summary"
    env = {
        **os.environ,
        "SCRIPTRUNNER_HOME": str(tmp_path / "home"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
        "INPUT_SCANS": "",
        "INPUT_WORKFLOW": "ci.yaml",
    }
    done = subprocess.run(
        [sys.executable, SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    outputs = parse_outputs(out.read_text())
    assert outputs["workflow-exit-code"] == "1" and outputs["exit-code"] == "1"
    assert outputs["findings"] == "0"
    assert "| workflow | a task failed | - | - | - | - | - |" in summary.read_text()


def test_an_input_cannot_start_a_workflow_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = _inputs(scans="secrets", paths="'a\n::add-mask::x'", sarif_dir=str(tmp_path))
    env = {**os.environ, "SCRIPTRUNNER_HOME": str(tmp_path / "home")}
    code = action.run_scan("secrets", inputs, tmp_path, env)
    out = capsys.readouterr().out
    assert code.exit_code == 2
    assert not any(line.startswith("::add-mask") for line in out.splitlines())
    assert "a%0A::add-mask::x" in out
