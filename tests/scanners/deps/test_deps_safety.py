"""The Safety adapter, running the REAL Safety 2.3.5 (its own tool env, ``make safety``)
offline against a Safety 2.x database directory that each test writes.

Only the "tool prints garbage" case uses a stand-in executable (a shell script): a real
Safety cannot be made to print a broken report on demand.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.merge import merge
from scriptrunner.scanners.deps.model import Dependency, SourceReport, Vulnerability
from scriptrunner.scanners.deps.sources.safety import SAFETY as SAFETY_TOOL
from scriptrunner.scanners.deps.sources.safety import SafetySource

SAFETY = os.environ.get("SCRIPTRUNNER_SAFETY") or str(
    Path(__file__).resolve().parents[3] / ".tools" / "safety" / "bin" / "safety"
)

META = {"advisory": "test database", "timestamp": 1700000000, "schema_version": "2.0.0"}
#: The JSON report needs ``$meta.base_domain``: Safety builds ``more_info_url`` from it.
BASE = "https://safety.example.org"


def write_db(directory: Path) -> Path:
    """A Safety 2.x database: ``insecure.json`` (specs) and ``insecure_full.json`` (details)."""
    directory.mkdir()
    insecure = {"$meta": {**META, "base_domain": BASE}, "jinja2": ["<2.11.3"]}
    insecure["requests"] = [">=2.1,<2.20.0"]
    full: dict[str, Any] = {
        "$meta": {
            **META,
            "base_domain": BASE,
            "packages": {},
            "cve": {
                "CVE-2020-28493": {
                    "cvssv2": None,
                    "cvssv3": {
                        "base_score": 5.3,
                        "impact_score": 1.4,
                        "base_severity": "MEDIUM",
                        "vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
                    },
                }
            },
        },
        "jinja2": [
            {
                "id": "pyup.io-39525",
                "advisory": "Jinja2 before 2.11.3 allows ReDoS in the urlize filter.\nMore.",
                "cve": "CVE-2020-28493",
                "specs": ["<2.11.3"],
                "v": "<2.11.3",
                "fixed_versions": ["2.11.3", "3.0.0"],
                "more_info_path": "/v/39525/",
                "transitive": False,
            }
        ],
        "requests": [
            {
                "id": "pyup.io-36546",
                "advisory": "Requests sends Authorization headers on https->http redirects.",
                "cve": "CVE-2018-18074",
                "specs": [">=2.1,<2.20.0"],
                "v": ">=2.1,<2.20.0",
                "fixed_versions": [],
                "more_info_path": "/v/36546/",
            }
        ],
    }
    (directory / "insecure.json").write_text(json.dumps(insecure))
    (directory / "insecure_full.json").write_text(json.dumps(full))
    return directory


def dep(name: str, version: str | None, line: int) -> Dependency:
    return Dependency(name=name, version=version, source="requirements.txt", line=line)


DEPS = [
    dep("Jinja2", "2.10", 1),
    dep("requests", "2.19.0", 2),
    dep("flask", "2.0.0", 3),
    dep("foo", None, 4),
]


def test_safety_runs_offline_and_reports_pyup_ids_with_cve_aliases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With an API key Safety 2.3 would ignore --db and go online: the adapter must drop it.
    monkeypatch.setenv("SAFETY_API_KEY", "would-go-online")
    report = SafetySource(SAFETY, write_db(tmp_path / "db")).check(DEPS)

    assert report.source == "safety"
    assert report.version.startswith("2.3.5 (database ")
    by_id = {v.id: v for v in report.vulnerabilities}
    assert set(by_id) == {"PYUP-39525", "PYUP-36546"}
    redos = by_id["PYUP-39525"]
    assert redos.dependency == DEPS[0]
    assert redos.aliases == ("CVE-2020-28493",)
    assert redos.summary == "Jinja2 before 2.11.3 allows ReDoS in the urlize filter."
    assert redos.cvss is not None and redos.cvss.score == 5.3 and redos.cvss.version == "3.1"
    assert (redos.severity, redos.severity_unknown) == (Severity.WARNING, False)
    assert (redos.fixed_versions, redos.fix) == (("2.11.3", "3.0.0"), "2.11.3")
    assert redos.references == (f"{BASE}/v/39525/",)
    assert redos.sources == ("safety",)
    leak = by_id["PYUP-36546"]
    assert (leak.severity, leak.severity_unknown, leak.fix) == (Severity.WARNING, True, None)
    assert report.warnings == ()


def test_safety_reports_nothing_for_safe_versions(tmp_path: Path) -> None:
    deps = [dep("jinja2", "2.11.3", 1), dep("requests", "2.20.0", 2)]
    report = SafetySource(SAFETY, write_db(tmp_path / "db")).check(deps)
    assert report.vulnerabilities == ()
    assert report.version.startswith("2.3.5 (database ")


def test_safety_results_merge_with_osv_through_the_cve_alias(tmp_path: Path) -> None:
    safety = SafetySource(SAFETY, write_db(tmp_path / "db")).check(DEPS)
    osv = SourceReport(
        source="osv-db",
        vulnerabilities=(
            Vulnerability(
                dependency=DEPS[0],
                id="PYSEC-2021-66",
                aliases=("CVE-2020-28493", "GHSA-g3rq-g295-4j3m"),
                fix="2.11.3",
                fixed_versions=("2.11.3",),
                sources=("osv-db",),
            ),
        ),
    )
    merged = {v.id: v for v in merge([osv, safety])}
    assert set(merged) == {"PYSEC-2021-66", "PYUP-36546"}
    assert set(merged["PYSEC-2021-66"].sources) == {"osv-db", "safety"}
    assert "PYUP-39525" in merged["PYSEC-2021-66"].aliases


def test_safety_missing_executable_fails_closed(tmp_path: Path) -> None:
    for missing in (str(tmp_path / "no-such-safety"), "no-such-safety-binary"):
        with pytest.raises(ScannerError, match="safety not found") as info:
            SafetySource(missing, write_db(tmp_path / f"db{len(missing)}")).check(DEPS)
        assert SAFETY_TOOL.fix in str(info.value)


def test_safety_database_without_its_files_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScannerError, match=r"needs insecure\.json and insecure_full\.json"):
        SafetySource(SAFETY, tmp_path / "empty").check(DEPS)


def test_safety_malformed_database_fails_closed_with_its_stderr(tmp_path: Path) -> None:
    db = write_db(tmp_path / "db")
    (db / "insecure.json").write_text("{ this is not json")
    with pytest.raises(
        ScannerError, match=r"safety failed \(exit \d+\) on database .*db: "
    ) as info:
        SafetySource(SAFETY, db).check(DEPS)
    assert "(no output)" not in str(info.value)  # the tool's own message is passed on


def test_safety_output_that_is_not_its_json_report_fails_closed(tmp_path: Path) -> None:
    fake = tmp_path / "safety"
    fake.write_text("#!/bin/sh\necho 'Traceback: something broke' >&2\necho '<html>'\nexit 64\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(ScannerError, match=r"safety printed no JSON report \(exit 64\): Traceback"):
        SafetySource(str(fake), write_db(tmp_path / "db")).check(DEPS)


def test_safety_is_not_run_when_nothing_is_pinned(tmp_path: Path) -> None:
    report = SafetySource(SAFETY, write_db(tmp_path / "db")).check([DEPS[-1]])
    assert report.vulnerabilities == ()
