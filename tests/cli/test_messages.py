"""Messages that say what is really wrong (issue 15, rough edges): ``run DIR`` is a directory,
not a missing script; ``--cwd FILE`` is not a directory; a store that may not be written is a
permission problem, not a damaged file to move aside."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.cli import (
    SCRIPTRUNNER,
    cli,
    cli_env,
)

pytestmark = pytest.mark.usefixtures("run_path")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_run_dir_says_it_is_a_directory(home: Path, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    line = _one_error_line(cli(home, "run", "pkg"))
    assert "pkg is a directory" in line and "__main__.py" in line
    assert "not found" not in line


def test_command_that_is_a_directory_says_so(home: Path, tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    line = _one_error_line(cli(home, "run", "--", "./bin"))
    assert "./bin is a directory, not a program" in line


def test_run_dir_with_main_runs_it_like_python(home: Path, tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text("import sys\nprint('main', sys.argv[1:])\nsys.exit(5)\n")
    done = cli(home, "run", "app", "x")
    assert done.returncode == 5, done.stderr
    assert done.stdout == "main ['x']\n"


@pytest.mark.parametrize("form", ["script", "command"])
def test_cwd_that_is_a_file_says_so(home: Path, tmp_path: Path, form: str) -> None:
    (tmp_path / "job.py").write_text("pass\n")
    target = ["job.py"] if form == "script" else ["--", "true"]
    line = _one_error_line(cli(home, "run", "--cwd", str(tmp_path / "job.py"), *target))
    assert f"{tmp_path / 'job.py'} is not a directory" in line
    assert "does not exist" not in line
    missing = _one_error_line(cli(home, "run", "--cwd", str(tmp_path / "nope"), "--", "true"))
    assert "does not exist" in missing


# -- a store this user may not write -------------------------------------------------------


def _unprivileged(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``scriptrunner ARGS`` subject to file permissions: as root, without the capabilities
    that override them (root ignores a read-only mode otherwise)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root's file capabilities"
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    return subprocess.run(
        [*prefix, str(SCRIPTRUNNER), *args],
        env=cli_env(SCRIPTRUNNER_HOME=str(home)),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def read_only_home(home: Path) -> Iterator[Path]:
    # The full path closes the store with a checkpoint: no -wal/-shm file is left, so
    # SQLite must create them, in a directory that is read-only.  (Where a fast-path run
    # left them, a read-only directory is no obstacle: the store is then simply usable.)
    setup = cli(home, "run", "-q", "--", "true", env={"SCRIPTRUNNER_FAST_PATH": "0"})
    assert setup.returncode == 0
    assert not (home / "history.db-wal").exists()
    home.chmod(0o555)  # the store is healthy; its directory is read-only
    try:
        yield home
    finally:
        home.chmod(0o755)


@pytest.mark.parametrize("command", [("history",), ("stats",), ("run", "--", "touch", "ran")])
def test_read_only_store_is_a_permission_problem(
    read_only_home: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    line = _one_error_line(_unprivileged(*command, home=read_only_home, cwd=tmp_path))
    assert "not writable" in line and str(read_only_home) in line
    assert "move it aside" not in line and "not a readable" not in line
    assert not (tmp_path / "ran").exists()


def test_damaged_store_still_says_move_it_aside(home: Path) -> None:
    home.mkdir()
    (home / "history.db").write_bytes(b"not a database at all" * 100)
    line = _one_error_line(cli(home, "history"))
    assert "not a readable SQLite database" in line and "move it aside" in line
