"""Per-finding events of stored scans: ``vulnerability.detected`` and ``secret.detected``."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

from fixtures.stores import record_scan_at
from scriptrunner.findings.model import Finding, Location, ScanResult, Severity, Suppression


def finding(tool: str, rule: str, **props: object) -> Finding:
    return Finding(
        tools=(tool,),
        rule_id=rule,
        title=rule,
        message=f"{rule} found",
        severity=Severity.HIGH,
        location=Location("requirements.txt", 3),
        fingerprint=f"fp-{rule}",
        properties=props,
    )


def test_one_event_per_counted_finding_of_the_kind_that_ran_its_tool(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    vuln = finding("osv-db", "PYSEC-1", package="jinja2", version="2.10", fix="2.11.3")
    secret = finding("scriptrunner-secrets", "aws-access-key-id", redacted="AKIA***", entropy=3.9)
    code = finding("bandit", "B602")
    hidden = finding("osv-db", "PYSEC-2")
    hidden = dataclasses.replace(hidden, suppression=Suppression("external", "--ignore PYSEC-2"))
    result = ScanResult(findings=(vuln, secret, code), suppressed=(hidden,))
    kinds = {"osv-db": "deps", "scriptrunner-secrets": "secrets", "bandit": "code"}
    scan_id = record_scan_at(url, "gate", result, started_at=1.0, run_id="r1", tool_kinds=kinds)

    con = sqlite3.connect(tmp_path / "h.db")
    rows = con.execute("SELECT type, run_id, payload FROM events ORDER BY id").fetchall()
    assert [(t, r) for t, r, _ in rows] == [
        ("vulnerability.detected", "r1"),
        ("secret.detected", "r1"),
        ("finding.detected", "r1"),
        ("scan.completed", "r1"),
    ]
    v = json.loads(rows[0][2])
    assert v["scan_id"] == scan_id
    assert (v["rule_id"], v["package"], v["version"], v["fix"]) == (
        "PYSEC-1",
        "jinja2",
        "2.10",
        "2.11.3",
    )
    s = json.loads(rows[1][2])
    # Only identifiers and the redacted form travel: no other property is copied.
    assert s["redacted"] == "AKIA***" and "entropy" not in s
    assert (s["path"], s["line"], s["fingerprint"]) == (
        "requirements.txt",
        3,
        "fp-aws-access-key-id",
    )


def test_a_scan_is_recorded_in_a_home_that_does_not_exist_yet(tmp_path: Path) -> None:
    """Like a run, a scan recorded in a new home makes the home's directory."""
    db = tmp_path / "new-home" / "history.db"
    record_scan_at(f"sqlite:///{db}", "deps", ScanResult(), started_at=1.0)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT kind, status FROM scans").fetchall() == [("deps", "ok")]
