"""--staged and --git-history in a real temporary git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from secret_samples import expand

from scriptrunner.errors import ConfigError
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


def scan(repo: Path, **options: object) -> list[tuple[str, int, str, dict[str, object]]]:
    typed = SecretsOptions(**options)  # type: ignore[arg-type]
    result = SecretsScanner(ScanContext(root=repo, options=typed)).scan([repo])
    return [
        (f.location.path, f.location.start_line, f.rule_id, dict(f.properties))
        for f in result.findings
    ]


def test_staged_scans_only_added_lines_with_new_file_line_numbers(repo: Path) -> None:
    old = expand("A = 'ghp_{gh:36}'\n", 1)
    (repo / "app.py").write_text("x = 1\n" + old)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    new = expand("B = 'glpat-{url:20}'\n", 2)
    (repo / "app.py").write_text("x = 1\n# comment\n" + old + new)
    (repo / "unstaged.py").write_text(expand("C = 'ghp_{gh:36}'\n", 3))
    git(repo, "add", "app.py")
    found = scan(repo, staged=True)
    assert [(p, line, rule) for p, line, rule, _ in found] == [("app.py", 4, "gitlab-token")]


def test_history_reports_each_commits_added_secret_with_commit_and_date(repo: Path) -> None:
    (repo / "cfg.env").write_text(expand("TOKEN=ghp_{gh:36}\n", 4))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "leak")
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "cfg.env").write_text("TOKEN=${TOKEN}\n")  # the fix: the secret stays in history
    (repo / "b.py").write_text("\n\n" + expand("KEY = 'AKIA{aws:16}'\n", 5))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "fix")
    second = git(repo, "rev-parse", "HEAD").strip()
    found = scan(repo, git_history=True)
    assert [(p, line, rule, props["commit"]) for p, line, rule, props in found] == [
        ("b.py", 3, "aws-access-key-id", second),
        ("cfg.env", 1, "github-token", first),
    ]
    assert all(str(props["date"]).startswith("20") for *_, props in found)
    assert [p for p, *_ in scan(repo, git_history=True, since=first)] == ["b.py"]
    assert [p for p, *_ in scan(repo)] == ["b.py"]  # the working tree no longer has the token


def test_history_of_empty_repository_is_empty_and_bad_since_is_an_error(repo: Path) -> None:
    assert scan(repo, git_history=True) == []
    with pytest.raises(ConfigError, match="--since nope"):
        scan(repo, git_history=True, since="nope")


def test_git_modes_outside_a_work_tree_are_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not inside a git work tree"):
        scan(tmp_path, staged=True)


def test_patch_parser_counts_lines_so_header_lookalikes_are_content() -> None:
    patch = [
        "\x01commit abc 2024-01-01T00:00:00+00:00",
        "diff --git a/x.py b/x.py",
        "--- a/x.py",
        "+++ b/x.py",
        "@@ -3,0 +4,2 @@ def f():",
        "+a = 1",
        "+++ b/not-a-header",
        "@@ -10 +12 @@",
        "-old",
        "+new",
        "diff --git a/gone.py b/gone.py",
        "+++ /dev/null",
    ]
    hunks = [(h.path, h.start, h.lines, h.commit) for h in parse_patch(patch)]
    assert hunks == [
        ("x.py", 4, ("a = 1", "++ b/not-a-header"), "abc"),
        ("x.py", 12, ("new",), "abc"),
    ]
