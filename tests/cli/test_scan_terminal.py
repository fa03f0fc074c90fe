"""``scriptrunner scan ...`` on a terminal and through a pipe (issue 17): tables that fit the
terminal's width without breaking a location or a rule id, a compact dependency table, one
grep-able finding per line when not on a terminal, and a spinner (stderr, terminal only) for
scans that take longer than 2 s.

The terminal cases run the real console script on a pseudo-terminal of the given size.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path
from fixtures.terminal import on_terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DEEP = "services/billing/adapters/legacy_ledger_import.py"
AWS = "AKIA" + "QZ4T7Y2W6R3E5U7I"
RECORD = {
    "id": "PYSEC-2099-1",
    "modified": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-2099-0001"],
    "summary": "remote code execution in demo-lib when it parses a crafted archive header",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo-lib"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [{"introduced": "0"}, {"fixed": "2.0.1"}, {"introduced": "3.0"}],
                }
            ],
        }
    ],
}


def visible(text: str) -> list[str]:
    return [ANSI.sub("", line) for line in text.splitlines()]


@pytest.fixture
def secrets_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / DEEP).parent.mkdir(parents=True)
    (root / DEEP).write_text(f"LEDGER_AWS_ACCESS_KEY_ID = '{AWS}'\n")
    return root


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_findings_table_fits_the_terminal(
    secrets_project: Path, tmp_path: Path, columns: int
) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    code, _, text = on_terminal(
        "scan", "secrets", ".", "--no-record", env=env, cwd=secrets_project, columns=columns
    )
    assert code == 1, text
    lines = visible(text)
    assert all(len(line) <= columns for line in lines), "\n" + "\n".join(lines)
    # The essentials are whole: severity and rule id on one line, the path never cut; where
    # the path and the other columns do not fit on one line, the path heads its findings.
    [row] = [line for line in lines if "aws-access-key-id" in line]
    assert "CRITICAL" in row, row
    if columns >= 120:
        assert f"{DEEP}:1" in row and "AWS access key" in row, row
    else:
        assert DEEP in lines and row.split()[0] == ":1", lines
    assert "\x1b[" in text  # a terminal gets colour


def test_through_a_pipe_one_finding_per_line(secrets_project: Path, tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), COLUMNS="60")
    r = run_cli("scan", "secrets", ".", "--no-record", env=env, cwd=secrets_project)
    assert r.returncode == 1, r.stderr
    assert "\x1b" not in r.stdout + r.stderr
    assert not set("┏━┃│└┌─") & set(r.stdout)
    [line] = [x for x in r.stdout.splitlines() if x.startswith(f"{DEEP}:1: ")]
    assert re.match(rf"{re.escape(DEEP)}:1: CRITICAL aws-access-key-id \S", line), line
    assert "1 finding" in r.stdout.splitlines()[-1]


@pytest.fixture
def deps_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "osv"
    db.mkdir()
    (db / "PYSEC-2099-1.json").write_text(json.dumps(RECORD))
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "requirements.txt").write_text("demo-lib==1.4\nunpinned-lib>=1\n")
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    assert run_cli("db", "update", "--from", str(db), env=env, cwd=proj).returncode == 0
    return proj, env


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_deps_default_table_is_compact(
    deps_project: tuple[Path, dict[str, str]], columns: int
) -> None:
    proj, env = deps_project
    code, _, text = on_terminal(
        "scan", "deps", "requirements.txt", "--no-record", env=env, cwd=proj, columns=columns
    )
    assert code == 1, text
    lines = visible(text)
    assert all(len(line) <= columns for line in lines), "\n" + "\n".join(lines)
    [header] = [line for line in lines if line.startswith("PACKAGE")]
    assert header.split()[:5] == ["PACKAGE", "VERSION", "ID", "FIX", "VERSIONS"], header
    [row] = [line for line in lines if line.startswith("demo-lib")]
    assert row.split()[:4] == ["demo-lib", "1.4", "PYSEC-2099-1", "2.0.1"], row
    assert any(line.startswith("unpinned-lib") and "SR-DEPS-UNRESOLVED" in line for line in lines)


def test_deps_through_a_pipe(deps_project: tuple[Path, dict[str, str]]) -> None:
    proj, env = deps_project
    r = run_cli("scan", "deps", "requirements.txt", "--no-record", env=env, cwd=proj)
    assert r.returncode == 1, r.stderr
    assert "requirements.txt:1: CRITICAL PYSEC-2099-1 demo-lib 1.4" in r.stdout
    assert "requirements.txt:2: WARNING SR-DEPS-UNRESOLVED unpinned-lib" in r.stdout


SLOW_SEMGREP = """#!/bin/sh
sleep 3
exec {semgrep} "$@"
"""


@pytest.fixture
def slow_scan(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "build.py").write_text("import subprocess\nsubprocess.run('x ' + y, shell=True)\n")
    slow = tmp_path / "slow-semgrep"
    slow.write_text(SLOW_SEMGREP.format(semgrep=semgrep_path()))
    slow.chmod(0o755)
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_SEMGREP=str(slow))
    return proj, env


def test_spinner_on_a_terminal_for_a_slow_scan(slow_scan: tuple[Path, dict[str, str]]) -> None:
    proj, env = slow_scan
    out = proj.parent / "report.sarif"
    code, stdout, text = on_terminal(
        "scan",
        "code",
        ".",
        "--no-cache",
        "--format",
        "sarif",
        "-o",
        str(out),
        env=env,
        cwd=proj,
        columns=80,
        stdout_tty=False,
    )
    assert code == 1, text
    assert "scanning code" in text and "1/3 tools" in text, text
    assert re.search(r"\d+ findings? so far", text), text
    assert stdout == ""
    report = out.read_text()
    assert "scanning" not in report and "\r" not in report
    json.loads(report)


def test_no_spinner_through_a_pipe(slow_scan: tuple[Path, dict[str, str]]) -> None:
    proj, env = slow_scan
    r = run_cli("scan", "code", ".", "--no-cache", env=env, cwd=proj)
    assert r.returncode == 1, r.stderr
    assert "scanning" not in r.stderr and "\r" not in r.stderr + r.stdout
    assert "\x1b" not in r.stderr + r.stdout
