"""The ``scan`` commands speak the CLI's one vocabulary (issue 17): examples and help on every
option, ``--format``/``--json``/``-o``, ``--fail-on`` with Bandit/Semgrep aliases, and the
renamed options (``scan deps --env`` -> ``--installed``, ``scan secrets --since`` ->
``--since-commit``) that keep working with a warning."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli

AWS = "AKIA" + "QZ4T7Y2W6R3E5U7I"
PARSERS = [("scan",), ("scan", "code"), ("scan", "deps"), ("scan", "secrets")]


def scan(tmp_path: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    return run_cli(*args, env=env, cwd=cwd or tmp_path)


@pytest.mark.parametrize("words", PARSERS, ids=" ".join)
def test_help_ends_with_examples_and_documents_every_option(
    tmp_path: Path, words: tuple[str, ...]
) -> None:
    r = scan(tmp_path, *words, "--help")
    assert r.returncode == 0, r.stderr
    tail = r.stdout.split("examples:\n", 1)[1].splitlines()
    examples = [line.strip() for line in tail if line.strip()]
    assert 2 <= len(examples) <= 3 and all(
        e.startswith("scriptrunner " + " ".join(words)) for e in examples
    ), r.stdout
    if len(words) > 1:  # the exit codes come before the examples
        assert r.stdout.index("exit codes:") < r.stdout.index("examples:")


def test_every_scan_option_has_help_and_a_metavar_or_choices() -> None:
    import argparse

    from scriptrunner.cli.main import build_parser

    kinds = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices["scan"]
    sub = next(a for a in kinds._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert parser.formatter_class.__name__ == "Formatter", name
        for action in parser._actions:
            assert action.help, f"scan {name} {action.option_strings}: no help"
            if action.nargs != 0 and action.option_strings:
                assert action.metavar, f"scan {name} {action.option_strings}: no metavar"


@pytest.fixture
def secrets_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "config.py").write_text(f"AWS_KEY = '{AWS}'\n")
    return proj


def test_fail_on_accepts_bandit_and_semgrep_words(tmp_path: Path, secrets_project: Path) -> None:
    # The AWS key is CRITICAL: medium (= warning) and error (= high) fail, and so on.
    for word, code in [("medium", 1), ("error", 1), ("LOW", 1), ("critical", 1)]:
        r = scan(tmp_path, "scan", "secrets", "--no-record", "--fail-on", word, cwd=secrets_project)
        assert r.returncode == code, (word, r.stderr)
    r = scan(tmp_path, "scan", "secrets", "--fail-on", "severe", cwd=secrets_project)
    assert r.returncode == 2 and "'severe' is not a severity" in r.stderr
    assert "low = info" in r.stderr


def test_json_alias_and_output_file(tmp_path: Path, secrets_project: Path) -> None:
    r = scan(tmp_path, "scan", "secrets", "--no-record", "--json", cwd=secrets_project)
    assert r.returncode == 1 and json.loads(r.stdout)["counts"]["findings"] == 1
    out = tmp_path / "report.json"
    r = scan(
        tmp_path, "scan", "secrets", "--no-record", "--json", "-o", str(out), cwd=secrets_project
    )
    assert r.returncode == 1 and r.stdout == ""
    assert json.loads(out.read_text())["counts"]["findings"] == 1


def test_since_is_renamed_since_commit(tmp_path: Path, secrets_project: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=secrets_project, check=True)
    subprocess.run([*git, "add", "."], cwd=secrets_project, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=secrets_project, check=True)
    (secrets_project / "later.txt").write_text("nothing here\n")
    subprocess.run([*git, "add", "."], cwd=secrets_project, check=True)
    subprocess.run([*git, "commit", "-qm", "two"], cwd=secrets_project, check=True)
    base = ("scan", "secrets", "--no-record", "--git-history")
    r = scan(tmp_path, *base, "--since-commit", "HEAD~1", cwd=secrets_project)
    assert r.returncode == 0, r.stderr  # the key came before HEAD~1
    assert "is now" not in r.stderr
    r = scan(tmp_path, *base, "--since", "HEAD~1", cwd=secrets_project)
    assert r.returncode == 0, r.stderr
    assert "--since is now --since-commit" in r.stderr
    r = scan(tmp_path, "scan", "secrets", "--since-commit", "HEAD~1", cwd=secrets_project)
    assert r.returncode == 2 and "--since-commit needs --git-history" in r.stderr
    assert "--since-commit" in scan(tmp_path, "scan", "secrets", "--help").stdout


def test_env_is_renamed_installed(tmp_path: Path) -> None:
    db = tmp_path / "osv"
    db.mkdir()
    (db / "X-1.json").write_text(
        json.dumps({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": []})
    )
    r = scan(tmp_path, "scan", "deps", "--installed", "--db", str(db), "--no-record")
    assert r.returncode in (0, 1), r.stderr
    assert "is now" not in r.stderr and "0 findings" in r.stdout
    r = scan(tmp_path, "scan", "deps", "--env", "--db", str(db), "--no-record")
    assert r.returncode in (0, 1), r.stderr
    assert "--env is now --installed" in r.stderr
    help_text = scan(tmp_path, "scan", "deps", "--help").stdout
    assert "--installed" in help_text and "--env" not in help_text
    # The error that asks for an input names the option that exists.
    r = scan(tmp_path, "scan", "deps", "--db", str(db))
    assert r.returncode == 2 and "--installed or --python PATH" in r.stderr
