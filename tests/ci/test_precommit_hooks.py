"""The pre-commit hooks of ``.pre-commit-hooks.yaml``, run by the real pre-commit.

The hook repository is a snapshot of this working tree (its tracked and untracked, not
ignored, files: uncommitted changes included) committed in a temporary git repository;
pre-commit builds a virtualenv per hook and pip-installs it there (``pip install .
.[secrets]``; ``.[scan,secrets]`` for the code hook).

Network: the package registry pip is configured with (PyPI), once per module, when the
``wheelhouse`` fixture downloads the wheels of the package's dependencies and of its build
backend.  Every pre-commit install after that is offline (``PIP_NO_INDEX`` with
``PIP_FIND_LINKS`` pointing at the wheelhouse).  ``try-repo`` installs into a store of its
own each time it runs; a ``.pre-commit-config.yaml`` install goes to the module's
``PRE_COMMIT_HOME`` once and is reused by every commit after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from fixtures.ci_tools import REPO, venv_tool

pytestmark = pytest.mark.slow

#: A planted AWS access key id (built here so that this file holds no key itself).
PLANTED = "AKIA" + "Z3MRT2QWERTYU7XP"
PLANTED_FILE = f'import os\n\nAWS_ACCESS_KEY_ID = "{PLANTED}"\nREGION = os.environ["REGION"]\n'
CLEAN_FILE = 'import os\n\nREGION = os.environ.get("REGION", "eu-west-1")\n'
#: Timings of the pre-commit runs, in seconds (the module's output when run with ``-s``).
TIMINGS: dict[str, float] = {}


@dataclass(frozen=True, slots=True)
class HookRepo:
    path: Path
    rev: str


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def timed(
    label: str, cmd: list[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    TIMINGS[label] = round(time.monotonic() - started, 1)
    print(f"{label}: {TIMINGS[label]} s")
    return done


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This working tree as a committed repository (``try-repo`` and ``rev:`` need commits)."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    env = identity(os.environ)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot", env=env)
    return HookRepo(snapshot, git(snapshot, "rev-parse", "HEAD").strip())


@pytest.fixture(scope="module")
def wheelhouse(hook_repo: HookRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the secrets and code hooks' installs and of the build backend (from the
    registry)."""
    import tomllib

    wheels = tmp_path_factory.mktemp("wheelhouse")
    project = tomllib.loads((hook_repo.path / "pyproject.toml").read_text(encoding="utf-8"))
    backend = project["build-system"]["requires"]
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", str(wheels)]
    target = f"{hook_repo.path}[secrets,scan]"
    done = timed("wheelhouse", [*cmd, target, *backend], REPO, clean_env())
    assert done.returncode == 0, f"pip wheel (needs the package registry): {done.stderr}"
    return wheels


@pytest.fixture(scope="module")
def hook_env(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment pre-commit and git run in: offline installs, a private store and home."""
    env = identity(clean_env())
    env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        SCRIPTRUNNER_HOME=str(tmp_path_factory.mktemp("scriptrunner-home")),
    )
    return env


def clean_env() -> dict[str, str]:
    """The test's environment without what would make the hook import this tree (PYTHONPATH)
    or measure coverage, or carry scriptrunner settings in."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "COV_", "COVERAGE_", "SCRIPTRUNNER_", "PRE_COMMIT")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def identity(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with a committer and without the user's and the system's git configuration
    (a global hooks path or commit signing must not change what the tests see)."""
    names = ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")
    return {
        **env,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        **dict.fromkeys(names[:2], "Hook Test"),
        **dict.fromkeys(names[2:], "t@t.example"),
    }


def consumer(root: Path, env: Mapping[str, str]) -> Path:
    """A repository with one commit: ``app.py`` (clean)."""
    root.mkdir()
    git(root, "init", "-q")
    (root / "app.py").write_text(CLEAN_FILE)
    git(root, "add", "app.py")
    git(root, "commit", "-q", "-m", "initial", env=env)
    return root


def plant_unstaged(repo: Path) -> None:
    """A key in the working tree only: an unstaged edit of ``app.py`` and an untracked file."""
    (repo / "app.py").write_text(CLEAN_FILE + f'KEY = "{PLANTED}"\n')
    (repo / "notes.py").write_text(f'KEY = "{PLANTED}"\n')


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [str(venv_tool("pre-commit")), "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_try_repo_blocks_a_staged_key_and_ignores_the_working_tree(
    hook_repo: HookRepo, hook_env: dict[str, str], tmp_path: Path
) -> None:
    repo = consumer(tmp_path / "user", hook_env)
    (repo / "config").mkdir()
    (repo / "config" / "settings.py").write_text(PLANTED_FILE)
    git(repo, "add", "config/settings.py")
    plant_unstaged(repo)
    cmd = [str(venv_tool("pre-commit")), "try-repo", str(hook_repo.path), "scriptrunner-secrets"]
    done = timed("try-repo (install + run)", cmd, repo, hook_env)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "scriptrunner secrets (staged lines)" in out and "Failed" in out
    assert "config/settings.py:3: CRITICAL aws-access-key-id" in out, out
    assert "# scriptrunner:allow-secret" in out and "--update-baseline" in out, out
    assert PLANTED not in out and PLANTED[4:] not in out
    # staged content only: neither the unstaged edit nor the untracked file is reported
    assert "app.py" not in out and "notes.py" not in out, out
    assert f'KEY = "{PLANTED}"' in (repo / "app.py").read_text()  # pre-commit restored it


@pytest.fixture(scope="module")
def installed(
    hook_repo: HookRepo, hook_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """The secrets and code hooks' config (as docs/pre-commit.md shows it, with the
    snapshot's rev), installed once into the module's PRE_COMMIT_HOME (two virtualenvs)."""
    config: dict[str, object] = {
        "repos": [
            {
                "repo": str(hook_repo.path),
                "rev": hook_repo.rev,
                "hooks": [{"id": "scriptrunner-secrets"}, {"id": "scriptrunner-code"}],
            }
        ]
    }
    repo = consumer(tmp_path_factory.mktemp("install") / "user", hook_env)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    cmd = [str(venv_tool("pre-commit")), "install-hooks"]
    done = timed("config: first install", cmd, repo, hook_env)
    assert done.returncode == 0, done.stdout + done.stderr
    return config


def commit_repo(root: Path, config: dict[str, object], env: Mapping[str, str]) -> Path:
    """A consumer repository with the config committed and pre-commit's git hook installed."""
    repo = consumer(root, env)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "pre-commit", "--no-verify", env=env)
    done = subprocess.run(
        [str(venv_tool("pre-commit")), "install"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


def test_git_commit_clean_passes_and_a_key_is_blocked(
    installed: dict[str, object], hook_env: dict[str, str], tmp_path: Path
) -> None:
    repo = commit_repo(tmp_path / "user", installed, hook_env)
    plant_unstaged(repo)
    (repo / "clean.py").write_text(CLEAN_FILE)
    git(repo, "add", "clean.py")
    done = timed("config: commit (installed)", ["git", "commit", "-m", "clean"], repo, hook_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scriptrunner secrets (staged lines)" in done.stderr + done.stdout
    assert "clean" in git(repo, "log", "-1", "--format=%s")

    head = git(repo, "rev-parse", "HEAD")
    (repo / "settings.py").write_text(PLANTED_FILE)
    git(repo, "add", "settings.py")
    blocked = subprocess.run(
        ["git", "commit", "-m", "key"],
        cwd=repo,
        env=hook_env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert "settings.py:3: CRITICAL aws-access-key-id" in out and PLANTED not in out
    assert git(repo, "rev-parse", "HEAD") == head  # no commit was made


def test_a_baselined_key_is_not_blocked(
    installed: dict[str, object], hook_env: dict[str, str], tmp_path: Path
) -> None:
    config = yaml.safe_load(yaml.safe_dump(installed))
    config["repos"][0]["hooks"][0]["args"] = ["--baseline", ".secrets-baseline.json"]
    repo = commit_repo(tmp_path / "user", config, hook_env)
    (repo / "settings.py").write_text(PLANTED_FILE)
    git(repo, "add", "settings.py")
    scriptrunner = Path(sys.executable).with_name("scriptrunner")
    accept = [str(scriptrunner), "scan", "secrets", "--staged", "--no-record"]
    accept += ["--baseline", ".secrets-baseline.json", "--update-baseline"]
    done = subprocess.run(
        accept,
        cwd=repo,
        env={**hook_env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert PLANTED not in (repo / ".secrets-baseline.json").read_text()
    git(repo, "add", ".secrets-baseline.json")
    done = subprocess.run(
        ["git", "commit", "-m", "accepted"],
        cwd=repo,
        env=hook_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


BAD_CODE = "import subprocess\nimport sys\n\nsubprocess.call(sys.argv[1], shell=True)\n"


def test_git_commit_of_a_high_code_finding_is_blocked_until_allowed(
    installed: dict[str, object], hook_env: dict[str, str], tmp_path: Path
) -> None:
    repo = commit_repo(tmp_path / "user", installed, hook_env)
    (repo / "tool.py").write_text(BAD_CODE)
    git(repo, "add", "tool.py")
    cmd = ["git", "commit", "-m", "tool"]
    done = timed("config: commit with the code hook", cmd, repo, hook_env)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "scriptrunner code (Bandit + taint analysis)" in out and "Failed" in out
    assert "tool.py:4: CRITICAL shell-injection" in out, out
    assert "# scriptrunner: ignore[RULE]" in out, out

    (repo / "tool.py").write_text(
        BAD_CODE.replace("shell=True)", "shell=True)  # scriptrunner: ignore[shell-injection]")
    )
    git(repo, "add", "tool.py")
    done = subprocess.run(cmd, cwd=repo, env=hook_env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
