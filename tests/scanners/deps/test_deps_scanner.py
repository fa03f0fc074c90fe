"""The dependency scanner end to end (in-process): sources, merge, fixes, findings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from deps_core_helpers import SNAPSHOT, record, write_db

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.deps.merge import merge
from scriptrunner.scanners.deps.model import (
    Cvss,
    Dependency,
    DependencyInventory,
    SourceReport,
    Vulnerability,
)
from scriptrunner.scanners.deps.report import UNRESOLVED_RULE
from scriptrunner.scanners.deps.scanner import DepsScanner, scan_dependencies
from scriptrunner.scanners.deps.sources.offline import OfflineSource
from scriptrunner.scanners.options import DepsOptions

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_db(
        tmp_path / "db",
        record("PYSEC-1", "demo", [{"introduced": "0"}, {"fixed": "1.2"}], aliases=["CVE-1", "GHSA-1"],
               severity=[{"type": "CVSS_V3", "score": CRITICAL}]),
        record("PYSEC-2", "Demo", [{"introduced": "0.5"}, {"fixed": "1.5"}],
               database_specific={"severity": "HIGH"}),
        record("PYSEC-3", "demo", [{"introduced": "0"}, {"fixed": "1.1"}], withdrawn="2024-02-01T00:00:00Z"),
        record("PYSEC-4", "other", [{"introduced": "0"}, {"fixed": "2.0"}]),
        record("PYSEC-5", "nofix", [{"introduced": "0"}]),
    )  # fmt: skip
    (tmp_path / "requirements.txt").write_text("demo==1.0\nother==3.0\nflask>=1\nnofix==0.1\n")
    return tmp_path


def scanner(root: Path, **options: object) -> DepsScanner:
    typed = DepsOptions(**options)  # type: ignore[arg-type]
    return DepsScanner(ScanContext(root=root, cache_dir=root / "cache", options=typed))


def test_findings_severity_fixes_and_properties(project: Path) -> None:
    s = scanner(project, db=project / "db")
    result = s.scan([project / "requirements.txt"])
    by_rule = {(f.rule_id, f.properties["package"]): f for f in result.findings}
    assert set(by_rule) == {
        ("PYSEC-1", "demo"),
        ("PYSEC-2", "demo"),
        ("PYSEC-5", "nofix"),
        (UNRESOLVED_RULE, "flask"),
    }  # fmt: skip  -- PYSEC-3 is withdrawn, other==3.0 is fixed
    first = by_rule[("PYSEC-1", "demo")]
    assert first.severity is Severity.CRITICAL and first.tools == ("osv-db",)
    assert first.location.path == "requirements.txt" and first.location.start_line == 1
    assert first.properties["cvss"] == {"version": "3.1", "vector": CRITICAL, "score": 9.8}
    assert first.properties["aliases"] == ["CVE-1", "GHSA-1"]
    assert first.properties["fix"] == "1.2" and first.properties["minimal_upgrade"] == "1.5"
    assert "upgrade to 1.2" in first.message and "1.5 fixes every known" in first.message
    assert by_rule[("PYSEC-2", "demo")].severity is Severity.HIGH
    nofix = by_rule[("PYSEC-5", "nofix")]
    assert nofix.properties["severity_unknown"] is True and nofix.severity is Severity.WARNING
    assert "no fix available" in nofix.message and nofix.properties["minimal_upgrade"] is None
    unresolved = by_rule[(UNRESOLVED_RULE, "flask")]
    assert unresolved.severity is Severity.WARNING and "pin it with ==" in unresolved.message
    assert result.findings[0].severity is Severity.CRITICAL  # most severe first
    assert set(result.tools) == {"osv-db", "scriptrunner-deps"}
    inventory = result.artefact(DependencyInventory)
    assert inventory is not None
    assert [d.key for d in inventory.dependencies] == ["demo", "other", "flask", "nofix"]
    assert {v.id for v in inventory.vulnerabilities} == {"PYSEC-1", "PYSEC-2", "PYSEC-5"}


def test_fingerprints_ignore_line_moves_but_not_versions(project: Path) -> None:
    first = scanner(project, db=project / "db").scan([project / "requirements.txt"])
    (project / "requirements.txt").write_text("# moved\n\ndemo==1.0\n")
    moved = scanner(project, db=project / "db").scan([project / "requirements.txt"])
    pick = lambda r: {f.rule_id: f.fingerprint for f in r.findings if f.rule_id == "PYSEC-1"}  # noqa: E731
    assert pick(first) == pick(moved)
    (project / "requirements.txt").write_text("demo==1.1\n")
    bumped = scanner(project, db=project / "db").scan([project / "requirements.txt"])
    assert pick(bumped) != pick(first)


def test_ignore_by_id_or_alias_suppresses(project: Path) -> None:
    result = scanner(project, db=project / "db", ignore=("GHSA-1", "PYSEC-5")).scan(
        [project / "requirements.txt"]
    )
    assert {f.rule_id for f in result.suppressed} == {"PYSEC-1", "PYSEC-5"}
    suppressed = next(f for f in result.suppressed if f.rule_id == "PYSEC-1")
    assert suppressed.suppression is not None
    assert suppressed.suppression.kind == "external"
    assert suppressed.suppression.justification == "--ignore GHSA-1"
    assert "PYSEC-1" not in {f.rule_id for f in result.findings}


def test_no_source_fails_closed(project: Path) -> None:
    with pytest.raises(ScannerError, match="no vulnerability source: pass --db PATH or --online"):
        scanner(project).scan([project / "requirements.txt"])


def test_unreadable_database_fails_closed(project: Path) -> None:
    with pytest.raises(ScannerError, match="cannot read vulnerability database"):
        scanner(project, db=project / "missing").scan([project / "requirements.txt"])


class FakeApi:
    """A second source standing in for the OSV API (reports a GHSA id with a CVSS)."""

    name = "osv-api"

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        dep = next(d for d in dependencies if d.key == "demo")
        return SourceReport(
            source="osv-api",
            vulnerabilities=(
                Vulnerability(
                    dependency=dep, id="GHSA-1", aliases=("CVE-1", "CVE-9"), summary="api",
                    severity=Severity.HIGH, cvss=Cvss("3.1", "v", 7.5), fixed_versions=("1.2", "1.3"),
                    fix="1.3", sources=("osv-api",),
                ),
                Vulnerability(dependency=dep, id="GHSA-NEW", fix="1.4", sources=("osv-api",)),
            ),
            version="fake",
        )  # fmt: skip


def test_sources_are_merged_by_id_and_alias(project: Path) -> None:
    deps = [Dependency("demo", "1.0", "requirements.txt", 1)]
    offline = OfflineSource(project / "db", project / "cache")
    vulns, reports, timings = scan_dependencies(deps, [offline, FakeApi()])
    by_id = {v.id: v for v in vulns}
    assert set(by_id) == {"PYSEC-1", "PYSEC-2", "GHSA-NEW"}
    merged = by_id["PYSEC-1"]  # the offline id stays primary
    assert merged.sources == ("osv-db", "osv-api")
    assert set(merged.aliases) == {"CVE-1", "GHSA-1", "CVE-9"}
    assert merged.cvss is not None and merged.cvss.score == 9.8  # first real CVSS kept
    assert merged.fixed_versions == ("1.2", "1.3") and merged.fix == "1.3"
    assert set(timings) == {"osv-db", "osv-api"}


def test_merge_joins_clusters_bridged_by_a_later_report() -> None:
    dep = Dependency("demo", "1.0", "r.txt")
    a = Vulnerability(dependency=dep, id="A", aliases=("CVE-A",), sources=("s1",))
    b = Vulnerability(dependency=dep, id="B", aliases=("CVE-B",), sources=("s1",))
    bridge = Vulnerability(dependency=dep, id="GHSA-X", aliases=("CVE-A", "CVE-B"), sources=("s2",))
    other_file = Vulnerability(
        dependency=Dependency("demo", "1.0", "other.txt"), id="A", sources=("s2",)
    )
    merged = merge([SourceReport("s1", (a, b)), SourceReport("s2", (bridge, other_file))])
    assert [(v.id, v.dependency.source) for v in merged] == [("A", "r.txt"), ("A", "other.txt")]
    assert set(merged[0].aliases) == {"CVE-A", "B", "CVE-B", "GHSA-X"}


@pytest.fixture(scope="module")
def snapshot_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("snapshot-cache")


def test_real_snapshot_known_vulnerable_pins(tmp_path: Path, snapshot_cache: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "Jinja2==2.7.1\nrequests==2.19.0\nPyYAML==5.3\nurllib3==2.2.3\n"
    )
    context = ScanContext(root=tmp_path, cache_dir=snapshot_cache, options=DepsOptions(db=SNAPSHOT))
    started = time.perf_counter()
    first = DepsScanner(context).scan([tmp_path / "requirements.txt"])
    first_seconds = time.perf_counter() - started
    ids = {(f.properties["package"], f.rule_id) for f in first.findings}
    assert {
        ("jinja2", "PYSEC-2014-8"), ("jinja2", "PYSEC-2019-217"), ("jinja2", "PYSEC-2021-66"),
        ("requests", "PYSEC-2018-28"), ("requests", "PYSEC-2023-74"),
        ("pyyaml", "PYSEC-2020-96"), ("pyyaml", "PYSEC-2021-142"),
    } <= ids  # fmt: skip
    assert not any(p == "urllib3" for p, _ in ids)
    jinja = next(f for f in first.findings if f.rule_id == "PYSEC-2014-8")
    assert jinja.properties["fix"] == "2.7.2" and jinja.properties["minimal_upgrade"] == "2.11.3"
    assert "GHSA-8r7q-cvjq-x353" in jinja.properties["aliases"]

    # Second scan: the index is reused (no parse), much faster.
    again = DepsScanner(context)
    started = time.perf_counter()
    second = again.scan([tmp_path / "requirements.txt"])
    assert time.perf_counter() - started < first_seconds / 3
    assert [f.fingerprint for f in second.findings] == [f.fingerprint for f in first.findings]


class NotingSource:
    """A source that finds nothing but has something to say."""

    name = "noting"

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        return SourceReport(source=self.name, version="1", warnings=("skipped demo 1.0",))


def test_warnings_and_the_inventory_travel_in_the_result(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = scanner(project)
    monkeypatch.setattr(s, "sources", lambda targets: [NotingSource()])
    result = s.scan([project / "requirements.txt"])
    assert result.warnings == ("skipped demo 1.0",)
    inventory = result.artefact(DependencyInventory)
    assert inventory is not None and inventory.vulnerabilities == ()
    assert [d.key for d in inventory.dependencies] == ["demo", "other", "flask", "nofix"]
    assert not hasattr(s, "last_dependencies")  # results come back in the result only
