"""GitLab security reports (v15) and the Code Climate report: the fields GitLab requires
(``fixtures.gitlab_reports`` says why they are checked against the documented required fields
and not GitLab's own schemas), the mappings, and what is left out."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from findings_sample import sample_result

from fixtures.gitlab_reports import validate_report
from scriptrunner.errors import ConfigError
from scriptrunner.findings import FORMATS, check_scan_kind, render
from scriptrunner.findings.gitlab import NO_COMMIT, SCHEMA_VERSION, to_gitlab
from scriptrunner.findings.model import Finding, Location, ScanResult, Severity

NOW = datetime(2026, 12, 7, 5, 30, 0, 123456, tzinfo=timezone.utc)


def secret(commit: str | None = None) -> Finding:
    props: dict[str, Any] = {"redacted": "AKIA***", "entropy": 3.9}
    if commit:
        props["commit"] = commit
    return Finding(
        tools=("scriptrunner-secrets",),
        rule_id="aws-access-key-id",
        title="AWS access key id",
        message="AWS access key id AKIA*** in config.py",
        severity=Severity.CRITICAL,
        location=Location("config.py", 3, 3, 10, 30),
        confidence="HIGH",
        cwe=(798,),
        fingerprint="e" * 64,
        properties=props,
    )


def vulnerable(*, unknown: bool = False, version: str | None = "2.10") -> Finding:
    return Finding(
        tools=("osv-db",),
        rule_id="PYSEC-2019-217",
        title="jinja2 2.10 (fix: 2.10.1): Sandbox escape in str.format_map",
        message="jinja2 2.10 is affected by PYSEC-2019-217: Sandbox escape; upgrade to 2.10.1",
        severity=Severity.HIGH,
        location=Location("requirements.txt", 2),
        fingerprint="f" * 64,
        help_uri="https://osv.dev/vulnerability/PYSEC-2019-217",
        properties={
            "package": "jinja2",
            "version": version,
            "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
            "fix": "2.10.1",
            "minimal_upgrade": "2.11.3",
            "severity_unknown": unknown,
        },
    )


def report(result: ScanResult, fmt: str) -> dict[str, Any]:
    return to_gitlab(result, fmt, now=NOW)


@pytest.mark.parametrize("fmt", ["gitlab-sast", "gitlab-secrets", "gitlab-deps", "codeclimate"])
def test_every_format_is_registered_and_has_the_documented_required_fields(fmt: str) -> None:
    assert fmt in FORMATS
    result = ScanResult(findings=(*sample_result().findings, secret(), vulnerable()))
    validate_report(fmt, json.loads(render(result, fmt)))
    validate_report(fmt, json.loads(render(ScanResult(), fmt)))  # an empty scan too


def test_sast_report_maps_findings_and_the_scan() -> None:
    out = report(sample_result(), "gitlab-sast")
    assert out["version"] == SCHEMA_VERSION
    scan = out["scan"]
    assert scan["type"] == "sast"
    assert scan["status"] == "success"
    # Whole seconds, UTC, no zone; the start is the end minus the measured 1.2 s.
    assert (scan["start_time"], scan["end_time"]) == ("2026-12-07T05:29:59", "2026-12-07T05:30:00")
    assert scan["analyzer"]["id"] == "scriptrunner"
    assert "bandit" in scan["scanner"]["name"] and "semgrep" in scan["scanner"]["name"]
    shell, weak, info = out["vulnerabilities"]  # the suppressed finding is left out
    assert shell["id"] == "a" * 64  # the stable fingerprint
    assert shell["severity"] == "Critical"
    assert (weak["severity"], info["severity"]) == ("Medium", "Low")
    assert shell["identifiers"][0] == {
        "type": "scriptrunner_rule_id",
        "name": "shell-injection",
        "value": "shell-injection",
        "url": "https://cwe.mitre.org/data/definitions/78.html",
    }
    assert shell["identifiers"][1]["name"] == "CWE-78"
    assert shell["location"] == {"file": "app/ops.py", "start_line": 12, "end_line": 13}
    assert info["location"] == {"file": "app/ops.py", "start_line": 1, "end_line": 1}
    # Version 15 has none of 14.x's category/message/cve/confidence/scanner.
    assert not {"category", "message", "cve", "confidence", "scanner"} & set(shell)
    notes = [m["value"] for m in scan["messages"]]
    assert "not analysed: app/broken.py: syntax error: line 2: invalid syntax" in notes


def test_a_failed_tool_makes_the_scan_a_failure_with_a_fatal_message() -> None:
    scan = report(sample_result(failures=True), "gitlab-sast")["scan"]
    assert scan["status"] == "failure"
    assert {"level": "fatal", "value": "bandit failed: bandit crashed: Traceback ..."} in scan[
        "messages"
    ]


def test_secret_detection_location_has_the_commit() -> None:
    worktree, history = report(
        ScanResult(findings=(secret(), secret("0123abcd" * 5))), "gitlab-secrets"
    )["vulnerabilities"]
    assert worktree["location"]["commit"] == {"sha": NO_COMMIT}
    assert history["location"]["commit"] == {"sha": "0123abcd" * 5}
    assert worktree["location"]["file"] == "config.py"
    assert worktree["description"] == "AWS access key id AKIA*** in config.py"


def test_dependency_report_has_the_package_the_advisory_and_dependency_files() -> None:
    unresolved = vulnerable(version=None)
    out = report(
        ScanResult(findings=(vulnerable(), vulnerable(unknown=True), unresolved)),
        "gitlab-deps",
    )
    known, unknown = out["vulnerabilities"]  # the unpinned one is a message, not a vulnerability
    assert known["location"] == {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "jinja2"}, "version": "2.10"},
    }
    assert known["name"] == "Sandbox escape in str.format_map"
    assert (known["severity"], unknown["severity"]) == ("High", "Unknown")
    assert [i["type"] for i in known["identifiers"]] == ["osv", "cve", "ghsa"]
    assert known["solution"] == "Upgrade jinja2 to 2.11.3."
    assert out["dependency_files"] == [
        {
            "path": "requirements.txt",
            "package_manager": "pip",
            "dependencies": [{"package": {"name": "jinja2"}, "version": "2.10"}],
        }
    ]
    assert out["scan"]["messages"][0]["level"] == "warn"


def test_codeclimate_maps_severity_fingerprint_and_location() -> None:
    issues = json.loads(render(sample_result(), "codeclimate"))
    assert [i["severity"] for i in issues] == ["critical", "minor", "info"]
    first = issues[0]
    assert first["check_name"] == "shell-injection"
    assert first["fingerprint"] == "a" * 64
    assert first["location"] == {"path": "app/ops.py", "lines": {"begin": 12, "end": 13}}
    assert first["type"] == "issue" and first["categories"] == ["Security"]


def test_findings_without_fingerprint_still_get_stable_distinct_ids() -> None:
    import dataclasses

    a, b, _ = sample_result().findings
    bare = ScanResult(findings=tuple(dataclasses.replace(f, fingerprint="") for f in (a, b)))
    ids = [v["id"] for v in report(bare, "gitlab-sast")["vulnerabilities"]]
    assert len(set(ids)) == 2 and ids == [
        v["id"] for v in report(bare, "gitlab-sast")["vulnerabilities"]
    ]
    prints = [i["fingerprint"] for i in json.loads(render(bare, "codeclimate"))]
    assert prints == ids


@pytest.mark.parametrize(
    ("fmt", "kind", "fits"),
    [
        ("gitlab-sast", "code", True),
        ("gitlab-secrets", "secrets", True),
        ("gitlab-deps", "deps", True),
        ("codeclimate", "deps", True),
        ("sarif", "secrets", True),
        ("gitlab-deps", "code", False),
        ("gitlab-sast", "secrets", False),
        ("gitlab-secrets", "deps", False),
    ],
)
def test_a_gitlab_report_of_another_scan_kind_is_refused(fmt: str, kind: str, fits: bool) -> None:
    if fits:
        check_scan_kind(fmt, kind)
        return
    with pytest.raises(ConfigError) as caught:
        check_scan_kind(fmt, kind)
    assert "\n" not in str(caught.value)
    assert f"--format {fmt} is the report of `scan " in str(caught.value)


def test_ids_are_unique_and_only_web_urls_are_written() -> None:
    import dataclasses

    shell = sample_result().findings[0]
    local = dataclasses.replace(shell, help_uri="docs/rules.md#shell")
    out = report(ScanResult(findings=(shell, local)), "gitlab-sast")
    first, second = out["vulnerabilities"]
    assert first["id"] == "a" * 64 and second["id"] != first["id"]
    assert "url" not in second["identifiers"][0] and "links" not in second
    validate_report("gitlab-sast", out)


def test_dependency_files_name_their_package_manager() -> None:
    import dataclasses

    base = vulnerable()
    files = ["requirements.txt", "sub/poetry.lock", "Pipfile.lock", "uv.lock"]
    found = tuple(
        dataclasses.replace(base, location=Location(f, 1), fingerprint=str(i))
        for i, f in enumerate(files)
    )
    out = report(ScanResult(findings=found), "gitlab-deps")
    managers = {d["path"]: d["package_manager"] for d in out["dependency_files"]}
    assert managers == {
        "requirements.txt": "pip",
        "sub/poetry.lock": "poetry",
        "Pipfile.lock": "pipenv",
        "uv.lock": "pip",
    }
