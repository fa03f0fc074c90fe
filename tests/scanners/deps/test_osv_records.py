"""OSV records: parsing, both database layouts (directory/zip, JSON/YAML), the real PyPA
snapshot and its quirks, and failing closed on malformed records."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from deps_core_helpers import SNAPSHOT, record, write_db

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.deps.model import Dependency
from scriptrunner.scanners.deps.osv.evaluate import vulnerability_for
from scriptrunner.scanners.deps.osv.records import load_database, parse_record


def test_only_pypi_entries_are_kept_with_normalised_names() -> None:
    data = record("GHSA-1", "Foo.Bar_baz")
    data["affected"].append({"package": {"ecosystem": "npm", "name": "foo"}})
    data["affected"].append({"package": {"ecosystem": "PyPI:mirror", "name": "Other"}})
    advisory = parse_record(data, "x.json")
    assert [a.package for a in advisory.affected] == ["foo-bar-baz", "other"]


def test_yaml_numbers_become_version_strings(tmp_path: Path) -> None:
    folder = tmp_path / "vulns" / "demo"
    folder.mkdir(parents=True)
    (folder / "PYSEC-1.yaml").write_text(
        "id: PYSEC-1\naffected:\n- package: {name: demo, ecosystem: PyPI}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 2.0\n"
        "  versions: [1.0, 1.5]\n"
    )
    (advisory,) = load_database(tmp_path)
    assert advisory.affected[0].versions == ("1.0", "1.5")
    assert advisory.affected[0].ranges[0].events[1].version == "2.0"


def test_zip_of_json_records_like_osv_all_zip(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("GHSA-a.json", json.dumps(record("GHSA-a")))
        zf.writestr("PYSEC-b.json", json.dumps(record("PYSEC-b", "other")))
        zf.writestr("README.txt", "not a record")
    assert sorted(a.id for a in load_database(archive)) == ["GHSA-a", "PYSEC-b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"affected": []}', "id must be a string"),
        ('{"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, '
         '"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}',
         "exactly one of"),
        ("{not json", "cannot parse OSV record"),
    ],
)  # fmt: skip
def test_malformed_record_fails_closed_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    write_db(tmp_path, record("GOOD-1"))
    (tmp_path / "BAD-1.json").write_text(content)
    with pytest.raises(ScannerError, match=message) as info:
        list(load_database(tmp_path))
    assert "BAD-1.json" in str(info.value)


def test_real_snapshot_loads_with_its_quirks() -> None:
    advisories = list(load_database(SNAPSHOT / "vulns"))
    assert len(advisories) == 2661
    assert sum(1 for a in advisories if a.withdrawn) == 10
    assert sum(1 for a in advisories if not a.aliases) == 12
    ranges = [r for a in advisories for e in a.affected for r in e.ranges]
    assert sum(1 for r in ranges if r.type == "GIT") == 1391
    assert sum(1 for r in ranges for e in r.events if e.kind == "last_affected") == 1
    # Every ECOSYSTEM range evaluates without raising, for valid and invalid versions.
    for advisory in advisories[:400]:
        for entry in advisory.affected:
            dep = Dependency(entry.package, "1.0", "r.txt")
            vulnerability_for(advisory, dep, "osv-db")
            vulnerability_for(advisory, Dependency(entry.package, "not valid", "r.txt"), "osv-db")


def test_withdrawn_records_of_the_snapshot_never_match() -> None:
    withdrawn = [a for a in load_database(SNAPSHOT / "vulns") if a.withdrawn]
    for advisory in withdrawn:
        entry = advisory.affected[0]
        candidates = list(entry.versions) or ["0.0.1"]
        for version in candidates[:3]:
            assert vulnerability_for(advisory, Dependency(entry.package, version, "r"), "x") is None
