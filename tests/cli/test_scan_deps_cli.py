"""``scriptrunner scan deps`` as users call it (the real CLI in a subprocess, isolated home)."""

from __future__ import annotations

import json
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli
from fixtures.sarif import validate_sarif

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"


def osv(
    ident: str, package: str, fixed: str, severity: str | None = None, **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "summary": f"{ident} summary",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        **extra,
    }
    if severity:
        data["severity"] = [{"type": "CVSS_V3", "score": severity}]
    return data


def write_db(directory: Path, *records: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for data in records:
        (directory / f"{data['id']}.json").write_text(json.dumps(data))
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    write_db(
        tmp_path / "db",
        osv(
            "PYSEC-2099-1",
            "demo-pkg",
            "1.2",
            CRITICAL,
            aliases=["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"],
        ),
        osv("PYSEC-2099-2", "other", "2.0", HIGH),
    )
    (root / "requirements.txt").write_text("Demo_Pkg==1.0\nother==1.0\nunpinned>=1\n")
    return root


def rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "history.db") as conn:
        return conn.execute(sql).fetchall()


def test_json_report_exit_codes_and_events(project: Path, tmp_path: Path) -> None:
    home, db = tmp_path / "home", str(tmp_path / "db")
    r = cli(home, "scan", "deps", "requirements.txt", "--db", db, "--format", "json", cwd=project)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["complete"] is True
    found = {(f["rule_id"], f["severity"]) for f in report["findings"]}
    assert found == {
        ("PYSEC-2099-1", "CRITICAL"),
        ("PYSEC-2099-2", "HIGH"),
        ("SR-DEPS-UNRESOLVED", "WARNING"),
    }
    demo = next(f for f in report["findings"] if f["rule_id"] == "PYSEC-2099-1")
    assert demo["properties"]["package"] == "demo-pkg" and demo["properties"]["fix"] == "1.2"
    # --fail-on critical: the CRITICAL one still fails; ignoring it, only HIGH is left -> 0.
    assert (
        cli(
            home,
            "scan",
            "deps",
            "requirements.txt",
            "--db",
            db,
            "--fail-on",
            "critical",
            cwd=project,
        ).returncode
        == 1
    )
    ignored = cli(home, "scan", "deps", "requirements.txt", "--db", db, "--fail-on", "critical",
                  "--ignore", "CVE-2099-1", "--format", "json", cwd=project)  # fmt: skip
    assert ignored.returncode == 0, ignored.stderr
    assert [f["rule_id"] for f in json.loads(ignored.stdout)["suppressed"]] == ["PYSEC-2099-1"]
    assert rows(home, "SELECT kind, status FROM scans") == [("deps", "findings")] * 3
    assert rows(home, "SELECT COUNT(*) FROM events WHERE type = 'scan.completed'")[0][0] == 3
    assert (
        rows(home, "SELECT COUNT(*) FROM events WHERE type = 'vulnerability.detected'")[0][0] >= 3
    )


def test_sarif_is_valid_with_the_issue_properties(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "deps.sarif"
    r = cli(tmp_path / "home", "scan", "deps", ".", "--db", str(tmp_path / "db"), "--format", "sarif",
            "-o", str(out), cwd=project)  # fmt: skip
    assert r.returncode == 1, r.stderr
    sarif = json.loads(out.read_text())
    validate_sarif(sarif)
    results = {res["ruleId"]: res for run in sarif["runs"] for res in run["results"]}
    demo = results["PYSEC-2099-1"]["properties"]
    assert demo["package"] == "demo-pkg" and demo["version"] == "1.0"
    assert demo["aliases"] == ["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"]
    assert demo["fixed_versions"] == ["1.2"]
    assert demo["cvss"] == {"version": "3.1", "vector": CRITICAL, "score": 9.8}
    assert "SR-DEPS-UNRESOLVED" in results


def test_environment_scan_sarif_is_valid(tmp_path: Path) -> None:
    version = metadata.version("packaging")
    db = write_db(tmp_path / "db", {**osv("GHSA-env-1", "packaging", "999"), "summary": "env test"})
    out = tmp_path / "env.sarif"
    r = cli(tmp_path / "home", "scan", "deps", "--env", "--db", str(db), "--format", "sarif",
            "-o", str(out), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 1, r.stderr
    sarif = json.loads(out.read_text())
    validate_sarif(sarif)
    (result,) = [
        res for run in sarif["runs"] for res in run["results"] if res["ruleId"] == "GHSA-env-1"
    ]
    assert result["properties"]["version"] == version
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("%3Cenvironment%20")


def test_no_source_is_exit_2_never_clean(project: Path, tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "scan", "deps", "requirements.txt", cwd=project)
    assert r.returncode == 2
    assert "no vulnerability source: pass --db PATH or --online" in r.stderr
    assert r.stdout == ""


def test_unreadable_database_is_exit_2(project: Path, tmp_path: Path) -> None:
    bad = write_db(tmp_path / "bad", osv("PYSEC-1", "demo", "1.0"))
    (bad / "BROKEN.json").write_text("{oops")
    r = cli(tmp_path / "home", "scan", "deps", "requirements.txt", "--db", str(bad), cwd=project)
    assert r.returncode == 2 and "BROKEN.json" in r.stderr
    r = cli(
        tmp_path / "home",
        "scan",
        "deps",
        "requirements.txt",
        "--db",
        str(tmp_path / "none"),
        cwd=project,
    )
    assert r.returncode == 2 and "cannot read vulnerability database" in r.stderr


def test_only_unpinned_dependencies_are_not_reported_clean(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask>=2\n-e ./mine\n")
    db = write_db(tmp_path / "db", osv("PYSEC-1", "flask", "1.0"))
    r = cli(tmp_path / "home", "scan", "deps", "requirements.txt", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("SR-DEPS-UNRESOLVED") == 2


def test_bad_input_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ok==1\nbad line ===\n")
    db = write_db(tmp_path / "db", osv("PYSEC-1", "ok", "2"))
    r = cli(tmp_path / "home", "scan", "deps", "requirements.txt", "--db", str(db), cwd=tmp_path)
    assert r.returncode == 2 and "requirements.txt:2" in r.stderr


def test_sbom_is_written_next_to_the_report(project: Path, tmp_path: Path) -> None:
    sbom = tmp_path / "bom.json"
    r = cli(tmp_path / "home", "scan", "deps", "requirements.txt", "--db", str(tmp_path / "db"),
            "--sbom", str(sbom), "--no-record", cwd=project)  # fmt: skip
    assert r.returncode == 1, r.stderr
    bom = json.loads(sbom.read_text())
    assert bom["bomFormat"] == "CycloneDX"
    assert {v["id"] for v in bom.get("vulnerabilities", [])} >= {"PYSEC-2099-1", "PYSEC-2099-2"}
