"""The code scanner on real Bandit and Semgrep: dedupe, suppressions, severities, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_project import write_project

from scriptrunner.findings.model import Finding, ScanResult, Severity
from scriptrunner.scanners.base import ScanContext, get_scanner
from scriptrunner.scanners.options import CodeOptions


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def scan(project: Path, semgrep_exe: Path, scan_cache: Path) -> ScanResult:
    scanner = get_scanner(
        "code",
        ScanContext(
            root=project,
            cache_dir=scan_cache,
            tool_paths={"semgrep": str(semgrep_exe)},
            options=CodeOptions(exclude=("vendor/*",), max_file_bytes=20000),
        ),
    )
    return scanner.scan([project])


def at(result: ScanResult, path: str, line: int, *, suppressed: bool = False) -> list[Finding]:
    pool = result.suppressed if suppressed else result.findings
    return [f for f in pool if f.location.path == path and f.location.start_line == line]


def test_both_tools_ran_and_reported_versions(scan: ScanResult) -> None:
    assert scan.complete
    assert set(scan.tools) == {"bandit", "semgrep", "taint"}
    assert all(v[0].isdigit() for v in scan.tools.values())


def test_same_issue_from_both_tools_is_one_finding(scan: ScanResult) -> None:
    [f] = at(scan, "app/dup.py", 5)
    assert f.tools == ("semgrep", "bandit")
    assert f.rule_id == "shell-injection"
    assert f.properties["tool_rules"] == {"semgrep": ["sr-os-system"], "bandit": ["B605"]}
    assert 78 in f.cwe and len(f.fingerprint) == 64
    assert f.severity is Severity.HIGH  # max(semgrep ERROR -> HIGH, bandit HIGH/HIGH -> HIGH)


def test_nosec_silences_bandit_only(scan: ScanResult) -> None:
    [f] = at(scan, "app/suppressed.py", 9)
    assert f.tools == ("semgrep", "bandit") and not f.suppressed


def test_suppressions_of_every_tool_are_kept_as_suppressed(scan: ScanResult) -> None:
    [both] = at(scan, "app/suppressed.py", 10, suppressed=True)
    assert both.rule_id == "code-injection" and both.suppression is not None
    [ours] = at(scan, "app/suppressed.py", 11, suppressed=True)
    assert ours.suppression is not None
    assert ours.suppression.justification == "# scriptrunner: ignore[unsafe-deserialization]"
    [md5] = at(scan, "app/suppressed.py", 14, suppressed=True)
    assert md5.tools == ("semgrep", "bandit")
    assert not at(scan, "app/suppressed.py", 11) and not at(scan, "app/suppressed.py", 14)


def test_suppression_for_another_rule_or_test_does_not_apply(scan: ScanResult) -> None:
    assert [f.rule_id for f in at(scan, "app/suppressed.py", 12)] == ["unsafe-deserialization"]
    [sha1] = at(scan, "app/suppressed.py", 15)
    assert sha1.rule_id == "weak-hash" and "bandit" in sha1.tools


def test_severity_mapping(scan: ScanResult) -> None:
    [shell] = at(scan, "app/levels.py", 8)
    assert shell.severity is Severity.HIGH
    [tainted] = at(scan, "app/levels.py", 9)
    assert tainted.severity is Severity.CRITICAL  # metadata scriptrunner-severity
    [timeout] = at(scan, "app/levels.py", 10)
    assert timeout.severity is Severity.WARNING and timeout.tools == ("semgrep", "bandit")
    [imported] = at(scan, "app/levels.py", 1)
    assert imported.rule_id == "bandit.B404" and imported.severity is Severity.INFO


def test_files_that_cannot_be_analysed_are_reported_and_the_scan_goes_on(
    scan: ScanResult,
) -> None:
    reasons = {s.target: s.reason for s in scan.skipped}
    assert reasons["app/broken.py"].startswith("syntax error: line 1")
    assert reasons["app/latin1.py"].startswith("not UTF-8")
    assert reasons["app/blob.py"] == "binary file"
    assert reasons["app/huge.py"].startswith("too large: 24000 bytes")
    assert reasons["app/loop.py"] == "symlink loop"
    assert reasons["app/dangling.py"] == "dangling symlink"
    assert not any(p.startswith("vendor/") for p in reasons)
    assert not any(f.location.path.startswith(("vendor/", "app/self/")) for f in scan.findings)
    assert at(scan, "app/dup.py", 5)  # the rest was analysed


def test_findings_are_sorted_and_fingerprints_unique(scan: ScanResult) -> None:
    keys = [(f.location.path, f.location.start_line) for f in scan.findings]
    assert keys == sorted(keys)
    prints = [f.fingerprint for f in (*scan.findings, *scan.suppressed)]
    assert len(set(prints)) == len(prints)
