"""``--exclude`` means the same in ``scan code`` and ``scan secrets``: a glob matched against
the path relative to the scan root and against each path component (``docs/code-analysis.md``,
``docs/secrets.md``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli

GITLAB = "glpat-" + "x9Rk2LmQ7vTz4NbW8cYp"
RISKY = "import os\n\n\ndef f(name):\n    os.system('rm ' + name)\n\n\nTOKEN = '{token}'\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for rel in ("app/main.py", "app/vendor/lib.py", "vendor/top.py", "tests/test_x.py"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RISKY.format(token=GITLAB))
    return root


def scanned(kind: str, root: Path, *excludes: str) -> set[str]:
    args = ["scan", kind, ".", "--format", "json", "--no-record"]
    if kind == "code":
        args += ["--tool", "bandit", "--no-cache"]
    for pattern in excludes:
        args += ["--exclude", pattern]
    env = cli_env(SCRIPTRUNNER_HOME=str(root.parent / "home"))
    r: subprocess.CompletedProcess[str] = run_cli(*args, env=env, cwd=root)
    assert r.returncode in (0, 1), r.stderr
    return {f["location"]["path"] for f in json.loads(r.stdout)["findings"]}


@pytest.mark.parametrize("kind", ["code", "secrets"])
@pytest.mark.parametrize(
    ("excludes", "left"),
    [
        ((), {"app/main.py", "app/vendor/lib.py", "vendor/top.py", "tests/test_x.py"}),
        (("vendor",), {"app/main.py", "tests/test_x.py"}),  # any component
        (("vendor/*",), {"app/main.py", "app/vendor/lib.py", "tests/test_x.py"}),  # from root
        (("test_*.py", "app/*"), {"vendor/top.py"}),
    ],
)
def test_exclude_means_the_same_for_both_commands(
    project: Path, kind: str, excludes: tuple[str, ...], left: set[str]
) -> None:
    assert scanned(kind, project, *excludes) == left
