"""``scriptrunner scan code`` and ``scriptrunner run --scan`` as users call them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.sarif import validate_sarif
from fixtures.scanning import semgrep_path

VULNERABLE = (
    "import hashlib\nimport subprocess\n\n\ndef build(name):\n"
    "    subprocess.run('make ' + name, shell=True)\n"
    "    return hashlib.md5(name.encode()).hexdigest()\n"
)


def cli(
    home: Path, *args: str, cwd: Path, semgrep: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = cli_env(
        SCRIPTRUNNER_HOME=str(home),
        SCRIPTRUNNER_SEMGREP=semgrep if semgrep is not None else str(semgrep_path()),
    )
    return run_cli(*args, env=env, cwd=cwd, timeout=180)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "build.py").write_text(VULNERABLE)
    (root / "ok.py").write_text("print('hello')\n")
    return root


def db_rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "history.db") as conn:
        return conn.execute(sql).fetchall()


def test_exit_codes_follow_fail_on(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = cli(home, "scan", "code", ".", "--format", "json", cwd=project)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["complete"] is True and report["counts"]["findings"] >= 2
    assert {f["rule_id"] for f in report["findings"]} >= {"shell-injection", "weak-hash"}
    assert cli(home, "scan", "code", ".", "--fail-on", "critical", cwd=project).returncode == 0
    assert cli(home, "scan", "code", "ok.py", cwd=project).returncode == 0
    # Every scan is in history, with its findings and a scan.completed event.
    assert db_rows(home, "SELECT kind, status FROM scans ORDER BY started_at")[:3] == [
        ("code", "findings"),
        ("code", "findings"),
        ("code", "ok"),
    ]
    assert db_rows(home, "SELECT COUNT(*) FROM findings")[0][0] >= 4
    assert db_rows(home, "SELECT COUNT(*) FROM events WHERE type = 'scan.completed'")[0][0] == 3


def test_sarif_output_file_is_valid(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    r = cli(
        tmp_path / "home",
        "scan",
        "code",
        ".",
        "--format",
        "sarif",
        "-o",
        str(out),
        "--no-record",
        cwd=project,
    )
    assert r.returncode == 1
    assert "-> " + str(out) in r.stderr and "finding" in r.stderr
    log = json.loads(out.read_text())
    validate_sarif(log)
    assert {run["tool"]["driver"]["name"] for run in log["runs"]} == {"bandit", "semgrep", "taint"}
    assert not (tmp_path / "home" / "history.db").exists()


def test_github_and_table_formats(project: Path, tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "scan", "code", "build.py", "--format", "github", cwd=project)
    lines = r.stdout.splitlines()
    assert any(line.startswith("::error file=build.py,line=6,") for line in lines)
    assert any(line.startswith("::notice file=build.py,line=2,") for line in lines)
    r = cli(tmp_path / "home", "scan", "code", "build.py", "--tool", "bandit", cwd=project)
    assert "shell-injection" in r.stdout and "bandit 1." in r.stdout and "semgrep" not in r.stdout


def test_baseline_accepts_known_findings_and_catches_new_ones(
    project: Path, tmp_path: Path
) -> None:
    home, baseline = tmp_path / "home", tmp_path / "baseline.json"
    r = cli(
        home, "scan", "code", ".", "--baseline", str(baseline), "--update-baseline", cwd=project
    )
    assert r.returncode == 0 and "finding(s) recorded" in r.stderr
    r = cli(home, "scan", "code", ".", "--baseline", str(baseline), "--format", "json", cwd=project)
    assert r.returncode == 0, r.stdout
    report = json.loads(r.stdout)
    assert report["findings"] == [] or all(f["severity"] == "INFO" for f in report["findings"])
    assert {s["suppression"]["kind"] for s in report["suppressed"]} == {"external"}
    # Moving code down keeps fingerprints; a new issue is reported.
    (project / "build.py").write_text("\n\n" + VULNERABLE + "\neval(input())\n")
    r = cli(home, "scan", "code", ".", "--baseline", str(baseline), "--format", "json", cwd=project)
    assert r.returncode == 1
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"] if f["severity"] != "INFO"] == [
        "code-injection"
    ]


def test_update_baseline_needs_a_file(project: Path, tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "scan", "code", ".", "--update-baseline", cwd=project)
    assert r.returncode == 2 and "--update-baseline needs --baseline FILE" in r.stderr


def test_missing_semgrep_exits_2_with_how_to_install(project: Path, tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "scan", "code", ".", cwd=project, semgrep=str(tmp_path / "nope"))
    assert r.returncode == 2 and r.stdout == ""
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("scriptrunner: error: semgrep not found at")
    assert "pipx install semgrep" in line and "make" in line


def test_run_with_scan_blocks_a_risky_script(tmp_path: Path) -> None:
    home, marker = tmp_path / "home", tmp_path / "ran"
    script = tmp_path / "job.py"
    script.write_text(
        "import os\nimport sys\nfrom pathlib import Path\n\n"
        f"Path({str(marker)!r}).touch()\nos.system('rm -rf /srv/' + sys.argv[1])\n"
    )
    r = cli(home, "run", "--scan", "code", "--block-on", "high", str(script), "x", cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert not marker.exists()
    assert "not run: 1 finding(s) at or above high" in r.stderr and "shell-injection" in r.stderr
    [(run_id, status, code)] = db_rows(home, "SELECT id, status, exit_code FROM runs")
    assert (status, code) == ("blocked", 3)
    assert db_rows(home, "SELECT kind, run_id FROM scans") == [("gate", run_id)]
    history = cli(home, "history", "--json", cwd=tmp_path)
    assert '"blocked"' in history.stdout


def test_run_with_scan_runs_a_clean_enough_script(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "job.py"
    script.write_text("import random\n\nprint(random.random())\n")
    r = cli(home, "run", "--scan", "code", "-q", "--", sys.executable, str(script), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    [(run_id, status)] = db_rows(home, "SELECT id, status FROM runs")
    assert status == "succeeded"
    assert db_rows(home, "SELECT kind, status, run_id FROM scans") == [("gate", "findings", run_id)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "high"], "--fail-on needs --scan KINDS"),
        (["--block-on", "high"], "--fail-on needs --scan KINDS"),  # the 7.x name
        (["--scan", "licence"], "unknown scan kind 'licence' (valid: code, deps, secrets)"),
        (["--scan", "code", "--fail-on", "loud"], "'loud' is not a severity"),
    ],
)
def test_run_scan_usage_errors_exit_2_before_running(
    tmp_path: Path, args: list[str], message: str
) -> None:
    script = tmp_path / "job.py"
    script.write_text("print('ran')\n")
    r = cli(tmp_path / "home", "run", *args, str(script), cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "ran" not in r.stdout


def test_run_scan_of_a_command_without_a_script_is_an_error(tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "run", "--scan", "code", "--", "true", cwd=tmp_path)
    assert r.returncode == 2 and "--scan needs a Python script" in r.stderr
