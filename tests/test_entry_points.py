"""``python -m scriptrunner`` and the installed ``scriptrunner`` console script both work."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import scriptrunner
from fixtures.cli import SCRIPTRUNNER, cli_env

ENTRY_POINTS = {
    "python -m scriptrunner": [sys.executable, "-m", "scriptrunner"],
    "console script": [str(SCRIPTRUNNER)],
}


@pytest.fixture(params=list(ENTRY_POINTS), ids=list(ENTRY_POINTS))
def entry(request: pytest.FixtureRequest) -> list[str]:
    return ENTRY_POINTS[request.param]


def test_version_matches_the_installed_package(entry: list[str], tmp_path: Path) -> None:
    proc = subprocess.run(
        [*entry, "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=cli_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"scriptrunner {scriptrunner.__version__}\n"
    assert scriptrunner.__version__ == version("scriptrunner")


def test_entry_point_runs_and_records_a_command(entry: list[str], tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [*entry, "run", "-q", "--", "sh", "-c", "echo hi; exit 7"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 7, proc.stderr  # the command's own exit code
    assert proc.stderr == ""
    history = subprocess.run(
        [*entry, "history", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert history.returncode == 0, history.stderr
    assert '"exit_code": 7' in history.stdout and '"stdout_tail": "hi\\n"' in history.stdout


def test_no_command_is_a_usage_error(entry: list[str], tmp_path: Path) -> None:
    proc = subprocess.run(
        entry, capture_output=True, text=True, cwd=tmp_path, env=cli_env(), timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: scriptrunner")
