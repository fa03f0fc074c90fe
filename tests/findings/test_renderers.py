"""Renderers: golden files per format, SARIF schema validity, escaping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from findings_sample import sample_result

from fixtures.sarif import validate_sarif
from scriptrunner.errors import ConfigError
from scriptrunner.findings import render, render_github, render_table, to_sarif
from scriptrunner.findings.fingerprint import FINGERPRINT_KEY
from scriptrunner.findings.jsonout import finding_from_dict, finding_to_dict, to_dict
from scriptrunner.findings.model import ScanResult

GOLDEN = Path(__file__).with_name("golden")
# UPDATE_GOLDEN=1 pytest tests/findings rewrites the files after an intended change.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        ("sarif", "scan.sarif"),
        ("json", "scan.json"),
        ("github", "scan.github"),
        ("table", "scan.txt"),
    ],
)
def test_golden_files(fmt: str, golden: str, result: ScanResult) -> None:
    text = render(result, fmt)
    path = GOLDEN / golden
    if UPDATE:
        path.write_text(text)
    assert text == path.read_text()


def test_unknown_format_is_a_config_error(result: ScanResult) -> None:
    with pytest.raises(ConfigError, match="table, json, sarif, github"):
        render(result, "xml")


@pytest.mark.parametrize("failures", [False, True])
def test_sarif_is_valid_against_the_2_1_0_schema(failures: bool) -> None:
    validate_sarif(json.loads(render(sample_result(failures=failures), "sarif")))


def test_sarif_has_one_run_per_tool_with_rules_fingerprints_and_suppressions(
    result: ScanResult,
) -> None:
    log = to_sarif(result)
    runs = {run["tool"]["driver"]["name"]: run for run in log["runs"]}
    assert list(runs) == ["semgrep", "bandit"]
    assert runs["semgrep"]["tool"]["driver"]["version"] == "1.185.0"
    # The merged finding is written once, in its primary tool's run, naming both tools.
    shell = [r for r in runs["semgrep"]["results"] if r["ruleId"] == "shell-injection"]
    assert len(shell) == 1 and shell[0]["properties"]["tools"] == ["semgrep", "bandit"]
    assert not [r for r in runs["bandit"]["results"] if r["ruleId"] == "shell-injection"]
    assert shell[0]["partialFingerprints"] == {FINGERPRINT_KEY: "a" * 64}
    rules = runs["semgrep"]["tool"]["driver"]["rules"]
    assert rules[shell[0]["ruleIndex"]]["id"] == "shell-injection"
    assert "external/cwe/cwe-78" in rules[shell[0]["ruleIndex"]]["properties"]["tags"]
    silenced = [r for r in runs["semgrep"]["results"] if r.get("suppressions")]
    assert silenced[0]["suppressions"] == [
        {"kind": "inSource", "justification": "# nosemgrep: sr-eval"}
    ]
    # Files not analysed are tool execution notifications: the tool-less ones in every run.
    notes = runs["bandit"]["invocations"][0]["toolExecutionNotifications"]
    assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes} == {
        "app/broken.py",
        "app/blob.py",
    }
    assert runs["bandit"]["invocations"][0]["executionSuccessful"] is True


def test_sarif_marks_a_failed_tool_run_unsuccessful() -> None:
    runs = {r["tool"]["driver"]["name"]: r for r in to_sarif(sample_result(failures=True))["runs"]}
    invocation = runs["bandit"]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][-1] == {
        "level": "error",
        "message": {"text": "bandit crashed: Traceback ..."},
    }
    assert runs["semgrep"]["invocations"][0]["executionSuccessful"] is True


def test_sarif_of_an_empty_scan_still_has_a_run() -> None:
    log = to_sarif(ScanResult())
    validate_sarif(log)
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == ["scriptrunner"]


def test_github_annotations_escape_data_and_properties(result: ScanResult) -> None:
    lines = render_github(result).splitlines()
    assert lines[0].startswith("::error file=app/ops.py,line=12,endLine=13,title=")
    assert "%25s" in lines[0] and "commas, and: colons" in lines[0]
    assert (
        "::warning file=app/dir with space/crypto.py,line=3,endLine=3,col=9,endColumn=30"
        in lines[1]
    )
    assert "hash for security.%0AConsider" in lines[1]
    assert lines[2].startswith("::notice ")
    # A message is data: its colons are not escaped (only properties' are).
    assert "::warning file=app/broken.py,title=not analysed::syntax error: line 2" in lines[3]
    assert "::warning file=app/blob.py,title=not analysed::binary file" in lines


def test_table_lists_findings_by_severity_then_suppressed_and_skipped(result: ScanResult) -> None:
    text = render_table(result, width=160)
    assert text.index("CRITICAL") < text.index("WARNING") < text.index("INFO")
    assert "3 findings (1 CRITICAL, 1 WARNING, 1 INFO), 1 suppressed" in text
    assert "3 file(s) not analysed: 1 binary file, 1 semgrep, 1 syntax error" in text
    failed = render_table(sample_result(failures=True))
    assert "bandit failed: bandit crashed" in failed and "scan incomplete" in failed
    assert "\x1b[" in render_table(result, color=True)


def test_json_round_trips_findings(result: ScanResult) -> None:
    for f in (*result.findings, *result.suppressed):
        assert finding_from_dict(finding_to_dict(f)) == f
    data = to_dict(result)
    assert data["complete"] is True and data["counts"]["findings"] == 3


@pytest.mark.parametrize("width", [60, 80, 120])
def test_terminal_table_fits_and_keeps_essentials_whole(result: ScanResult, width: int) -> None:
    from scriptrunner.findings import Terminal

    text = render(result, "table", terminal=Terminal(width))
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), text
    for f in result.findings:
        path, line = f.location.path, f.location.start_line
        # The rule id and severity are whole on one line; the path is whole either in the
        # row (path:line) or heading its findings (then the row starts with :line).
        [row] = [x for x in lines if f" {f.rule_id} " in f" {x} " and f.severity.name in x]
        assert f"{path}:{line}" in row or (path in lines and row.split()[0] == f":{line}"), text


def test_deps_layout_is_pip_audit_like() -> None:
    from scriptrunner.findings import Finding, Location, Severity, Terminal

    vuln = Finding(
        tools=("osv-db",),
        rule_id="PYSEC-2099-1",
        title="demo-lib 1.4 (fix: 2.0.1): remote code execution",
        message="...",
        severity=Severity.CRITICAL,
        location=Location("requirements.txt", 3),
        properties={"package": "demo-lib", "version": "1.4", "fixed_versions": ["2.0.1", "3.1"]},
    )
    text = render(ScanResult(findings=(vuln,)), "table", terminal=Terminal(120), layout="deps")
    header, row = text.splitlines()[:2]
    assert header.split() == [
        "PACKAGE",
        "VERSION",
        "ID",
        "FIX",
        "VERSIONS",
        "SEVERITY",
        "LOCATION",
        "SUMMARY",
    ]
    assert row.split() == [
        "demo-lib",
        "1.4",
        "PYSEC-2099-1",
        "2.0.1,3.1",
        "CRITICAL",
        "requirements.txt:3",
        "remote",
        "code",
        "execution",
    ]
    plain = render(ScanResult(findings=(vuln,)), "table", layout="deps")
    assert plain.splitlines()[0] == (
        "requirements.txt:3: CRITICAL PYSEC-2099-1 demo-lib 1.4 (fix: 2.0.1): remote code execution"
    )
