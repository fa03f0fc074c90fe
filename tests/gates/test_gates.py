"""Pre-execution gates: policies, the block decision, recording a blocked run."""

from __future__ import annotations

import sqlite3
import stat
import sys
import time
from pathlib import Path

import pytest

from fixtures.stores import record_scan_at
from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.findings.model import Finding, Location, ScanResult, Severity, Skipped
from scriptrunner.gates import (
    GateContext,
    GateDecision,
    GatePolicy,
    combine,
    evaluate,
    get_gate,
    parse_policy,
)
from scriptrunner.gates.record import record_blocked
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store
from scriptrunner.store.recorder import Recorder
from scriptrunner.store.scans import scan_status

RISKY = "import os\nimport sys\n\nos.system('rm -rf /srv/' + sys.argv[1])\nprint('ran')\n"
MILD = "import requests\n\nrequests.get('https://example.org')\n"


def context(semgrep: Path, tmp_path: Path) -> GateContext:
    return GateContext(cache_dir=tmp_path / "cache", semgrep=str(semgrep))


def test_parse_policy() -> None:
    assert parse_policy("code") == GatePolicy(("code",), Severity.HIGH)
    assert parse_policy(["code", " code"], "critical") == GatePolicy(("code",), Severity.CRITICAL)
    with pytest.raises(
        ConfigError, match=r"unknown scan kind 'licence' \(valid: code, deps, secrets\)"
    ):
        parse_policy("code,licence")
    with pytest.raises(ConfigError, match="no scan kind"):
        parse_policy(" , ")
    with pytest.raises(ConfigError, match="unknown severity"):
        parse_policy("code", "severe")
    with pytest.raises(ConfigError, match="unknown scan kind"):
        get_gate("licence", GateContext(cache_dir=None))


def test_findings_at_or_above_the_level_block(tmp_path: Path, semgrep_exe: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(RISKY)
    decision = evaluate(parse_policy("code", "high"), script, context(semgrep_exe, tmp_path))
    assert decision.blocked
    assert {f.severity for f in decision.blocking} == {Severity.CRITICAL}
    assert "at or above high: job.py:4: shell-injection (CRITICAL)" in decision.reason(
        parse_policy("code", "high")
    )


def test_findings_below_the_level_do_not_block(tmp_path: Path, semgrep_exe: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(MILD)
    decision = evaluate(parse_policy("code", "high"), script, context(semgrep_exe, tmp_path))
    assert not decision.blocked and decision.result.findings
    assert evaluate(parse_policy("code", "warning"), script, context(semgrep_exe, tmp_path)).blocked


def test_a_script_that_cannot_be_analysed_blocks(tmp_path: Path, semgrep_exe: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text("def broken(:\n")
    decision = evaluate(parse_policy("code"), script, context(semgrep_exe, tmp_path))
    assert decision.blocked and not decision.blocking
    assert "could not be analysed: job.py: syntax error" in decision.reason(parse_policy("code"))


def test_a_gate_that_cannot_run_fails_closed(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(MILD)
    broken = tmp_path / "semgrep"
    broken.write_text(
        f"#!{sys.executable}\nimport sys\nif '--version' in sys.argv: print('1.0.0')\n"
        "else: print('garbage')\n"
    )
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(ScannerError, match="did not complete .semgrep: semgrep failed"):
        evaluate(parse_policy("code"), script, GateContext(cache_dir=None, semgrep=str(broken)))


def test_combine_joins_gate_results() -> None:
    f = Finding(("x",), "r", "t", "m", Severity.INFO, Location("a.py", 1))
    a = ScanResult(findings=(f,), tools={"bandit": "1"}, targets=("a.py",), root="/r")
    b = ScanResult(skipped=(Skipped("b.py", "binary file"),), tools={"gitleaks": "8"})
    both = combine([a, b])
    assert both.findings == (f,) and len(both.skipped) == 1
    assert dict(both.tools) == {"bandit": "1", "gitleaks": "8"} and both.root == "/r"
    assert combine([a]) is a


def test_blocked_run_is_recorded_with_its_scan(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, environ={}, overrides={"home": tmp_path / "home"})
    f = Finding(("semgrep",), "code-injection", "t", "m", Severity.HIGH, Location("job.py", 3))
    result = ScanResult(findings=(f,), tools={"semgrep": "1.185.0"}, targets=("job.py",))
    decision = GateDecision(result, blocking=(f,), unanalysed=(), tool_kinds={"semgrep": "code"})
    run_id = "b" * 32
    store = open_store(settings)
    try:
        record_blocked(
            Recorder(store),
            decision,
            run_id=run_id,
            script=str(tmp_path / "job.py"),
            command=["python", "job.py"],
            cwd=str(tmp_path),
            tags={"team": "data"},
            reason="1 finding(s) at or above high",
            started_at=time.time(),
        )
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "home" / "history.db") as conn:
        status, code, error = conn.execute(
            "SELECT status, exit_code, error FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        scans = conn.execute("SELECT kind, status, run_id FROM scans").fetchall()
        findings = conn.execute("SELECT rule_id, severity, path FROM findings").fetchall()
        events = [r[0] for r in conn.execute("SELECT type FROM events WHERE run_id = ?", (run_id,))]
    assert (status, code) == ("blocked", 3) and "security gate" in error
    assert scans == [("gate", "findings", run_id)]
    assert findings == [("code-injection", "HIGH", "job.py")]
    assert events == ["run.blocked", "finding.detected", "scan.completed"]


def test_scan_records_on_every_backend(empty_store_url: str) -> None:
    from sqlalchemy import create_engine, text

    f = Finding(
        ("bandit",), "weak-hash", "t", "m", Severity.WARNING, Location("a.py", 2), cwe=(328,)
    )
    result = ScanResult(findings=(f,), suppressed=(), tools={"bandit": "1.9.4"}, targets=("a.py",))
    scan_id = record_scan_at(empty_store_url, "code", result, started_at=time.time())
    url = empty_store_url.replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT kind, status FROM scans WHERE id = :i"), {"i": scan_id}
            ).one()
            n = conn.execute(
                text("SELECT COUNT(*) FROM findings WHERE scan_id = :i"), {"i": scan_id}
            ).scalar()
    finally:
        engine.dispose()
    assert tuple(row) == ("code", "findings") and n == 1
    assert scan_status(ScanResult()) == "ok"
