"""The offline index: built once, reused, rebuilt when the database changes, atomic."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from deps_core_helpers import record, write_db

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.deps.osv import index as index_module
from scriptrunner.scanners.deps.osv.index import OsvIndex, index_path


def test_built_once_then_reused_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = write_db(tmp_path / "db", record("A-1", "Demo_Pkg"), record("A-2", "other"))
    cache = tmp_path / "cache"
    first = OsvIndex.open(db, cache)
    assert first.rebuilt and first.records == 2
    assert index_path(db, cache).is_file()

    def no_parsing(path: Path) -> None:
        raise AssertionError("the database was parsed again")

    monkeypatch.setattr(index_module, "load_database", no_parsing)
    again = OsvIndex.open(db, cache)
    assert not again.rebuilt
    found = again.advisories_for(["demo.pkg", "OTHER", "absent"])
    assert {k: [a.id for a in v] for k, v in found.items()} == {
        "demo-pkg": ["A-1"],
        "other": ["A-2"],
    }
    assert again.describe().startswith("2 records, built ")


def test_a_changed_database_rebuilds_the_index(tmp_path: Path) -> None:
    db = write_db(tmp_path / "db", record("A-1"))
    cache = tmp_path / "cache"
    OsvIndex.open(db, cache).close()
    write_db(db, record("A-2"))
    fresh = OsvIndex.open(db, cache)
    assert fresh.rebuilt and fresh.records == 2
    # Editing a record in place (same count) changes size/mtime: rebuilt too.
    path = db / "A-1.json"
    path.write_text(json.dumps(record("A-1", aliases=["CVE-2024-1"])))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert OsvIndex.open(db, cache).rebuilt


def test_zip_database_and_in_memory_index(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("A-1.json", json.dumps(record("A-1")))
    assert OsvIndex.open(archive, tmp_path / "cache").records == 1
    assert not OsvIndex.open(archive, tmp_path / "cache").rebuilt
    assert OsvIndex.open(archive, None).rebuilt  # no cache dir: in memory, every time


def test_a_failed_build_leaves_no_partial_index(tmp_path: Path) -> None:
    db = write_db(tmp_path / "db", record("A-1"))
    (db / "B-1.json").write_text("{broken")
    with pytest.raises(ScannerError, match="B-1.json"):
        OsvIndex.open(db, tmp_path / "cache")
    leftovers = list((tmp_path / "cache" / "osv-index").iterdir())
    assert leftovers == []


@pytest.mark.parametrize("make", ["missing", "empty", "not-a-zip"])
def test_unreadable_database_is_a_clear_error(tmp_path: Path, make: str) -> None:
    db = tmp_path / "db"
    if make == "empty":
        db.mkdir()
    elif make == "not-a-zip":
        db.write_text("hello")
    with pytest.raises(ScannerError, match=r"cannot read vulnerability database .*--db PATH"):
        OsvIndex.open(db, tmp_path / "cache")


def test_concurrent_first_opens_all_succeed(tmp_path: Path) -> None:
    """Scans racing to build the same index each replace it atomically; none sees a torn file."""
    from concurrent.futures import ThreadPoolExecutor

    db = write_db(tmp_path / "db", *(record(f"A-{i}", f"pkg{i % 7}") for i in range(60)))
    cache = tmp_path / "cache"

    def open_and_query(_: int) -> int:
        index = OsvIndex.open(db, cache)
        try:
            return sum(len(v) for v in index.advisories_for(f"pkg{i}" for i in range(7)).values())
        finally:
            index.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(open_and_query, range(8))) == [60] * 8
    assert [p.suffix for p in (cache / "osv-index").iterdir()] == [".sqlite"]
