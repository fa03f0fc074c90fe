"""``scriptrunner db update --from URL-or-PATH``: install, refresh, never lose the old one."""

from __future__ import annotations

import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli


def osv(ident: str, package: str) -> dict[str, Any]:
    return {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}],
            }
        ],
    }


def make_zip(path: Path, records: dict[str, dict[str, Any]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in records.items():
            zf.writestr(name, json.dumps(data))
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over ``tmp_path/www``."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()


def test_update_from_directory_then_scan_uses_it(tmp_path: Path) -> None:
    src = tmp_path / "src" / "vulns" / "demo"
    src.mkdir(parents=True)
    (src / "PYSEC-1.json").write_text(json.dumps(osv("PYSEC-1", "demo")))
    home = tmp_path / "home"
    r = cli(home, "db", "update", "--from", str(tmp_path / "src"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 records for 1 PyPI packages, indexed" in r.stderr
    assert (home / "advisories" / "vulns" / "demo" / "PYSEC-1.json").is_file()
    assert list((home / "cache" / "osv-index").glob("*.sqlite"))
    (tmp_path / "requirements.txt").write_text("demo==1.0\n")
    scan = cli(home, "scan", "deps", "requirements.txt", "--format", "json", cwd=tmp_path)
    assert scan.returncode == 1, scan.stderr
    assert [f["rule_id"] for f in json.loads(scan.stdout)["findings"]] == ["PYSEC-1"]


def test_update_from_url_of_a_zip(tmp_path: Path, served: tuple[str, Path]) -> None:
    url, www = served
    make_zip(
        www / "all.zip", {"GHSA-1.json": osv("GHSA-1", "a"), "GHSA-2.json": osv("GHSA-2", "b")}
    )
    home = tmp_path / "home"
    r = cli(home, "db", "update", "--from", f"{url}/all.zip", "--no-index", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 records for 2 PyPI packages in" in r.stderr
    assert sorted(p.name for p in (home / "advisories").iterdir()) == ["GHSA-1.json", "GHSA-2.json"]
    assert not (home / "cache" / "osv-index").exists()
    missing = cli(home, "db", "update", "--from", f"{url}/nope.zip", cwd=tmp_path)
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr


def test_failed_update_keeps_the_previous_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = make_zip(tmp_path / "good.zip", {"A-1.json": osv("A-1", "demo")})
    assert cli(home, "db", "update", "--from", str(good), cwd=tmp_path).returncode == 0
    before = (home / "advisories" / "A-1.json").read_text()
    broken = make_zip(tmp_path / "broken.zip", {"B-1.json": osv("B-1", "x")})
    with zipfile.ZipFile(broken, "a") as zf:
        zf.writestr("B-2.json", "{not json")
    unsafe = make_zip(tmp_path / "unsafe.zip", {"../escape.json": osv("C-1", "x")})
    (tmp_path / "plain.txt").write_text("hello")
    for source, message in [
        (broken, "B-2.json"),
        (unsafe, "unsafe path"),
        (tmp_path / "plain.txt", "not a directory or zip"),
        (tmp_path / "missing", "no such file"),
        ("ftp://example.com/x.zip", "only http(s) URLs"),
    ]:
        r = cli(home, "db", "update", "--from", str(source), cwd=tmp_path)
        assert r.returncode == 2 and message in r.stderr, (source, r.stderr)
        assert (home / "advisories" / "A-1.json").read_text() == before
    assert not (tmp_path / "escape.json").exists() and not (home / "escape.json").exists()
    assert [p.name for p in home.iterdir() if p.name.startswith(".advisories")] == []


def test_update_refuses_a_zip_bomb_naming_the_entry(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("PYSEC-1.json", json.dumps(osv("PYSEC-1", "demo")))
        zf.writestr("huge.json", b" " * (300 * 1024 * 1024))
    r = cli(tmp_path / "home", "db", "update", "--from", str(bomb))
    assert r.returncode == 2, r.stderr
    [line] = r.stderr.strip().splitlines()
    assert "huge.json" in line and "too large" in line
    assert not (tmp_path / "home" / "advisories").exists()
