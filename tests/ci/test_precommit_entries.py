"""What each hook of ``.pre-commit-hooks.yaml`` runs: its ``entry``, with the files pre-commit
would pass, run by this tree's ``scriptrunner`` (no pre-commit install: ``test_precommit_hooks``
runs the secrets hook under the real pre-commit).  No network: the deps hook reads an offline
OSV database written here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.ci_tools import REPO, venv_tool

SCRIPTRUNNER = Path(sys.executable).with_name("scriptrunner")
HOOKS = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}


def run_entry(
    hook_id: str, args: list[str], files: list[str], cwd: Path, home: Path
) -> tuple[int, str]:
    """The hook's entry + ``args`` + ``files`` (when it takes file names), as pre-commit runs it."""
    hook = HOOKS[hook_id]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "scriptrunner"
    argv = [str(SCRIPTRUNNER), *entry[1:], *hook.get("args", []), *args]
    if hook.get("pass_filenames", True):
        argv += files
    env = {**os.environ, "SCRIPTRUNNER_HOME": str(home)}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr


def test_the_three_hooks_install_their_extra_from_this_repository() -> None:
    assert set(HOOKS) == {"scriptrunner-secrets", "scriptrunner-code", "scriptrunner-deps"}
    extras = {
        "scriptrunner-secrets": "secrets",
        "scriptrunner-code": "scan,secrets",  # the taint analysis redacts with the secrets engine
        "scriptrunner-deps": "deps",
    }
    project = (REPO / "pyproject.toml").read_text()
    for hook_id, extra in extras.items():
        hook = HOOKS[hook_id]
        assert hook["language"] == "python"
        assert hook["additional_dependencies"] == [f".[{extra}]"]
        assert all(f"\n{name} = [" in project for name in extra.split(","))
        assert "--no-record" in hook["entry"]
    assert HOOKS["scriptrunner-secrets"]["pass_filenames"] is False
    assert "--staged" in HOOKS["scriptrunner-secrets"]["entry"]


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("services/api/requirements.txt", True),
        ("requirements/base.txt", True),
        ("pyproject.toml", True),
        ("poetry.lock", True),
        ("uv.lock", True),
        ("Pipfile.lock", True),
        ("app/requirements.py", False),
        ("docs/requirements.md", False),
        ("notes.txt", False),
        ("package-lock.json", False),
    ],
)
def test_the_deps_hook_runs_on_dependency_files(path: str, matches: bool) -> None:
    # pre-commit selects files with re.search on the repository-relative path
    assert bool(re.search(HOOKS["scriptrunner-deps"]["files"], path)) is matches


@pytest.mark.slow
def test_the_code_hook_blocks_at_high_and_says_how_to_allow(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "import subprocess\nimport sys\n\nsubprocess.call(sys.argv[1], shell=True)\n"
    )
    (tmp_path / "meh.py").write_text(
        "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"
    )
    code, out = run_entry("scriptrunner-code", [], ["meh.py"], tmp_path, tmp_path / "home")
    assert code == 0, out  # a WARNING is shown, not blocking
    code, out = run_entry(
        "scriptrunner-code", [], ["bad.py", "meh.py"], tmp_path, tmp_path / "home"
    )
    assert code == 1, out
    assert "bad.py:4: CRITICAL shell-injection" in out
    assert "# scriptrunner: ignore[RULE]" in out and "--update-baseline" in out
    # the user's args come after the entry: a later --fail-on wins
    code, out = run_entry(
        "scriptrunner-code", ["--fail-on", "warning"], ["meh.py"], tmp_path, tmp_path / "home"
    )
    assert code == 1 and "meh.py:5: WARNING weak-hash" in out, out


def advisory(package: str, fixed: str) -> dict[str, Any]:
    return {
        "id": "PYSEC-2099-7",
        "modified": "2099-01-01T00:00:00Z",
        "summary": f"remote code execution in {package}",
        "database_specific": {"severity": "CRITICAL"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


@pytest.mark.slow
def test_the_deps_hook_is_offline_and_needs_a_database(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("demo-lib==1.4\nrequests>=2\n")
    code, out = run_entry(
        "scriptrunner-deps", [], ["requirements.txt"], tmp_path, tmp_path / "home"
    )
    assert code == 2 and "no vulnerability source: pass --db PATH or --online" in out, out

    db = tmp_path / "advisories" / "vulns" / "demo-lib"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-7.json").write_text(json.dumps(advisory("demo-lib", "2.0")))
    args = ["--db", "advisories"]
    code, out = run_entry(
        "scriptrunner-deps", args, ["requirements.txt"], tmp_path, tmp_path / "home"
    )
    assert code == 1, out
    assert "requirements.txt:1: CRITICAL PYSEC-2099-7 demo-lib 1.4 (fix: 2.0)" in out
    # the unpinned requests>=2 is a WARNING: shown, not blocking at the hook's --fail-on high
    assert "SR-DEPS-UNRESOLVED" in out and "--ignore ID" in out
    code, out = run_entry(
        "scriptrunner-deps",
        [*args, "--ignore", "PYSEC-2099-7"],
        ["requirements.txt"],
        tmp_path,
        tmp_path / "home",
    )
    assert code == 0, out


def test_the_configs_in_the_docs_are_valid_and_name_these_hooks(tmp_path: Path) -> None:
    page = (REPO / "docs" / "pre-commit.md").read_text(encoding="utf-8")
    configs = [b for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if b.startswith("repos:")]
    assert configs, "docs/pre-commit.md shows no .pre-commit-config.yaml"
    for i, text in enumerate(configs):
        config = tmp_path / f"config-{i}.yaml"
        config.write_text(text)
        done = subprocess.run(
            [str(venv_tool("pre-commit")), "validate-config", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        (repo,) = yaml.safe_load(text)["repos"]
        assert repo["rev"] == "v7.0.0"
        assert {hook["id"] for hook in repo["hooks"]} <= set(HOOKS)
