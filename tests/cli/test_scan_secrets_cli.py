"""``scriptrunner scan secrets`` as users call it: exit codes, formats, history, baselines,
--staged, and no secret value in any output."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.sarif import validate_sarif

AWS = "AKIA" + "QZ4T7Y2W6R3E5U7I"
GITLAB = "glpat-" + "x9Rk2LmQ7vTz4NbW8cYp"
PASSWORD = "Tr0ub4dor&3xQ!"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "config.py").write_text(f"AWS_KEY = '{AWS}'\nDB_PASSWORD = '{PASSWORD}'\n")
    (root / "weak.py").write_text("password = 'sunshine'\n")  # LOW confidence only
    (root / "clean.py").write_text("print('hello')\n")
    return root


def cli(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("scan", "secrets", *args, env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=cwd)


def test_exit_codes_follow_min_confidence(proj: Path, home: Path) -> None:
    r = cli(home, proj, "--format", "json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert {(f["rule_id"], f["location"]["path"]) for f in report["findings"]} == {
        ("aws-access-key-id", "config.py"),
        ("generic-password", "config.py"),
    }
    assert cli(home, proj, "clean.py", "weak.py").returncode == 0  # LOW is below medium
    assert cli(home, proj, "weak.py", "--min-confidence", "low").returncode == 1
    assert cli(home, proj, "config.py", "--min-confidence", "high", "--fail-on", "critical")
    r = cli(home, proj, "config.py", "--fail-on", "critical", "--format", "json")
    assert r.returncode == 1  # the AWS key is CRITICAL
    assert cli(home, proj, "missing.py").returncode == 2
    r = cli(home, proj, "--since", "HEAD~1")
    assert r.returncode == 2 and "--since-commit needs --git-history" in r.stderr
    assert cli(home, proj, "--staged").returncode == 2  # not a git work tree


def test_sarif_is_valid_and_no_output_holds_a_secret(
    proj: Path, home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "secrets.sarif"
    r = cli(home, proj, ".", "--format", "sarif", "-o", str(out))
    assert r.returncode == 1 and "-> " + str(out) in r.stderr
    log = json.loads(out.read_text())
    validate_sarif(log)
    assert log["runs"][0]["tool"]["driver"]["name"] == "scriptrunner-secrets"
    texts = [out.read_text(), r.stdout, r.stderr]
    for fmt in ("table", "json", "github"):
        texts.append(cli(home, proj, ".", "--format", fmt).stdout)
    with sqlite3.connect(home / "history.db") as conn:
        scans = conn.execute("SELECT kind, status FROM scans").fetchall()
        detected = [
            json.loads(payload)
            for (payload,) in conn.execute(
                "SELECT payload FROM events WHERE type = 'secret.detected' ORDER BY id"
            )
        ]
        texts += [
            str(row)
            for t in ("scans", "findings", "events")
            for row in conn.execute(f"SELECT * FROM {t}")
        ]
    assert scans and set(scans) == {("secrets", "findings")}
    # One secret.detected event per counted finding of each stored scan, redacted.
    assert {(d["rule_id"], d["path"], d["redacted"]) for d in detected} == {
        ("aws-access-key-id", "config.py", "AKIA***"),
        ("generic-password", "config.py", "Tr0u***"),
    }
    blob = "\n".join(texts)
    assert "AKIA***" in blob
    assert AWS not in blob and PASSWORD not in blob and PASSWORD[:6] not in blob


def test_baseline_accepts_known_secrets_until_a_new_one_appears(
    proj: Path, home: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "secrets-baseline.json"
    r = cli(home, proj, "--baseline", str(baseline), "--update-baseline", "--no-record")
    assert r.returncode == 0 and "2 finding(s) recorded" in r.stderr
    assert AWS not in baseline.read_text()
    (proj / "config.py").write_text("\n\n" + (proj / "config.py").read_text())
    assert cli(home, proj, "--baseline", str(baseline), "--no-record").returncode == 0
    (proj / "new.py").write_text(f"TOKEN = '{GITLAB}'\n")
    r = cli(home, proj, "--baseline", str(baseline), "--no-record", "--format", "json")
    assert r.returncode == 1
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"]] == ["gitlab-token"]


def test_staged_mode_for_pre_commit(tmp_path: Path, home: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "a.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "."], check=True)
    assert cli(home, repo, "--staged", "--no-record").returncode == 0
    (repo / "a.py").write_text(f"x = 1\nTOKEN = '{GITLAB}'\n")
    assert cli(home, repo, "--staged", "--no-record").returncode == 0  # not staged yet
    subprocess.run([*git, "add", "."], check=True)
    r = cli(home, repo, "--staged", "--no-record", "--format", "json")
    assert r.returncode == 1
    [f] = json.loads(r.stdout)["findings"]
    assert (f["rule_id"], f["location"]["path"], f["location"]["start_line"]) == (
        "gitlab-token", "a.py", 2
    )  # fmt: skip
