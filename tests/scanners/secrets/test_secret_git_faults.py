"""--staged and --git-history when git or the repository is not what it should be, for
real: a repository whose objects are damaged, git missing from ``PATH``, a file name git
has to quote, and a malformed patch."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from secret_samples import expand

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.options import SecretsOptions
from scriptrunner.scanners.secrets.git import parse_patch
from scriptrunner.scanners.secrets.scanner import SecretsScanner


def git(repo: Path, *args: str) -> str:
    env_args = ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(
        ["git", *env_args, "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


def scan(repo: Path, **options: object) -> list[tuple[str, int, str]]:
    typed = SecretsOptions(**options)  # type: ignore[arg-type]
    result = SecretsScanner(ScanContext(root=repo, options=typed)).scan([repo])
    return [(f.location.path, f.location.start_line, f.rule_id) for f in result.findings]


def test_a_repository_with_a_missing_object_is_a_scanner_error_naming_git(repo: Path) -> None:
    (repo / "app.py").write_text(expand("A = 'ghp_{gh:36}'\n", 11))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    blob = git(repo, "rev-parse", "HEAD:app.py").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the file's content is gone
    with pytest.raises(ScannerError, match=rf"git log failed in {repo} \(exit 128\): .*{blob}"):
        scan(repo, git_history=True)


def test_git_missing_from_path_is_a_scanner_error_saying_so(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shutil.which("git") is not None
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a machine without git
    with pytest.raises(ScannerError, match="git is not installed; --staged and --git-history"):
        scan(repo, staged=True)


@pytest.mark.parametrize(
    "name", ["a space.env", 'tab\there "quoted" é.env'], ids=["space", "quoted"]
)
def test_a_staged_file_with_an_unusual_name_is_reported_under_its_real_name(
    repo: Path, name: str
) -> None:
    """Git ends the ``+++`` line with a TAB after a name with a space, and quotes a name
    with a TAB or a quote in it."""
    (repo / name).write_text(expand("TOKEN=ghp_{gh:36}\n", 12))
    git(repo, "add", ".")
    assert scan(repo, staged=True) == [(name, 1, "github-token")]


def test_a_hunk_cut_short_resynchronises_on_the_next_file() -> None:
    patch = [
        "diff --git a/x.py b/x.py",
        "--- a/x.py",
        "+++ b/x.py",
        "@@ -0,0 +1,5 @@",  # claims five added lines, two follow
        "+one",
        "+two",
        "diff --git a/y.py b/y.py",
        "--- a/y.py",
        "+++ b/y.py",
        "@@ -0,0 +1 @@",
        "+three",
    ]
    hunks = [(h.path, h.start, h.lines) for h in parse_patch(patch)]
    assert hunks == [("x.py", 1, ("one", "two")), ("y.py", 1, ("three",))]


def test_quoted_names_read_back_whether_git_escapes_non_ascii_or_not() -> None:
    patch = [
        '+++ "b/\\303\\251t\\303\\251 \\"1\\".env"',  # core.quotePath on: octal escapes
        "@@ -0,0 +1 @@",
        "+a",
        '+++ "b/été \\"2\\".env"',  # core.quotePath=false (what the scanner runs)
        "@@ -0,0 +1 @@",
        "+b",
    ]
    assert [h.path for h in parse_patch(patch)] == ['été "1".env', 'été "2".env']
