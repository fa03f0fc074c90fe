"""The offline index: a SQLite file mapping package name -> its parsed advisories.

Parsing a whole OSV database (2,661 YAML records for the PyPA snapshot) takes about a second,
far over the budget of a scan, so the first use parses it once and stores each advisory as
compact JSON under every package it affects; a scan then runs one query for the packages it
asks about and decodes only their records.

* Location: ``<cache_dir>/osv-index/<sha256 of the resolved database path>.sqlite``.
* Freshness: the database's fingerprint (directory: count, newest mtime_ns and total size of
  the record files; zip: size and mtime_ns) is stored in the index; a different fingerprint
  rebuilds it.
* Atomicity: a rebuild writes a temporary file next to the index and ``os.replace``-s it, so
  concurrent scans see the old or the new index, never a half-written one.
* ``cache_dir=None`` builds the index in memory for this process only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.deps.model import Advisory, AdvisoryDatabaseError, normalise_name
from scriptrunner.scanners.deps.osv.records import (
    DB_FIX,
    RECORD_SUFFIXES,
    advisory_from_dict,
    advisory_to_dict,
    load_database,
)
from scriptrunner.scanners.private import private_dir

#: Bump when the stored form of an advisory changes: old indexes are rebuilt.
INDEX_FORMAT = "1"
_CHUNK = 500


def unreadable(db: Path, why: str) -> AdvisoryDatabaseError:
    return AdvisoryDatabaseError(f"cannot read vulnerability database {db}: {why}", DB_FIX)


def fingerprint(db: Path) -> str:
    """What changes when the database does (see the module docstring)."""
    try:
        if db.is_dir():
            count = newest = total = 0
            for folder, dirs, files in os.walk(db):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if name.endswith(RECORD_SUFFIXES) and not name.startswith("."):
                        st = os.stat(os.path.join(folder, name))
                        count += 1
                        newest = max(newest, st.st_mtime_ns)
                        total += st.st_size
            if count == 0:
                raise unreadable(db, "no OSV record files (*.json, *.yaml) in it")
            return f"{INDEX_FORMAT}:dir:{count}:{newest}:{total}"
        st = db.stat()
    except FileNotFoundError:
        raise unreadable(db, "no such file or directory") from None
    except OSError as exc:
        raise unreadable(db, exc.strerror or str(exc)) from exc
    return f"{INDEX_FORMAT}:file:{st.st_size}:{st.st_mtime_ns}"


def index_path(db: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256(str(db.resolve()).encode()).hexdigest()
    return cache_dir / "osv-index" / f"{digest}.sqlite"


def _build(db: Path, conn: sqlite3.Connection, stamp: str) -> int:
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE advisories (package TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL);"
    )
    count = 0
    rows: list[tuple[str, str, str]] = []
    for advisory in load_database(db):
        count += 1
        data = json.dumps(advisory_to_dict(advisory), separators=(",", ":"))
        for package in dict.fromkeys(a.package for a in advisory.affected):
            rows.append((package, advisory.id, data))
    conn.executemany("INSERT INTO advisories VALUES (?, ?, ?)", rows)
    conn.execute("CREATE INDEX advisories_package ON advisories (package)")
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("fingerprint", stamp),
            ("records", str(count)),
            ("packages", str(len({r[0] for r in rows}))),
            ("built", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            ("database", str(db.resolve())),
        ],
    )
    conn.commit()
    return count


class OsvIndex:
    """Read access to the index of one database; build with :meth:`open`."""

    def __init__(self, db: Path, conn: sqlite3.Connection, *, rebuilt: bool, seconds: float):
        self.db = db
        self._conn = conn
        #: True when this open (re)built the index; ``build_seconds`` is how long it took.
        self.rebuilt = rebuilt
        self.build_seconds = seconds
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.records = int(meta.get("records", "0"))
        self.packages = int(meta.get("packages", "0"))
        self.built = meta.get("built", "")

    @classmethod
    def open(cls, db: Path, cache_dir: Path | None, *, key: Path | None = None) -> OsvIndex:
        """The index of ``db``, (re)built first if missing or stale.

        ``key`` names the index file instead of ``db``: ``db update`` indexes the staged copy
        under the path it is about to be renamed to (the fingerprint survives the rename).
        Raises :class:`ScannerError` when the database cannot be read.
        """
        stamp = fingerprint(db)
        if cache_dir is None:
            started = time.perf_counter()
            conn = sqlite3.connect(":memory:")
            _build(db, conn, stamp)
            return cls(db, conn, rebuilt=True, seconds=time.perf_counter() - started)
        path = index_path(key or db, cache_dir)
        current = _open_current(path, stamp)
        if current is not None:
            return cls(db, current, rebuilt=False, seconds=0.0)
        started = time.perf_counter()
        try:
            private_dir(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
            os.close(fd)
        except OSError as exc:
            raise ScannerError(f"cannot write the OSV index in {path.parent}: {exc}") from exc
        try:
            building = sqlite3.connect(tmp)
            try:
                building.execute("PRAGMA journal_mode = OFF")
                building.execute("PRAGMA synchronous = OFF")
                _build(db, building, stamp)
            finally:
                building.close()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        fresh = _open_current(path, stamp)
        if fresh is None:  # replaced meanwhile by another scan's (newer) build: still valid
            fresh = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return cls(db, fresh, rebuilt=True, seconds=time.perf_counter() - started)

    def advisories_for(self, names: Iterable[str]) -> dict[str, list[Advisory]]:
        """Normalised name -> its advisories (packages without any are left out)."""
        keys = sorted({normalise_name(n) for n in names})
        out: dict[str, list[Advisory]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = (
                f"SELECT package, data FROM advisories WHERE package IN ({marks}) ORDER BY rowid"  # noqa: S608 - placeholders only
            )
            # scriptrunner: ignore[sql-injection] - only the schema's own names and ? placeholders are formatted in
            for package, data in self._conn.execute(query, chunk):
                out.setdefault(package, []).append(advisory_from_dict(json.loads(data)))
        return out

    def describe(self) -> str:
        """``2661 records, built 2026-01-01T00:00:00Z`` (the tool "version" in reports)."""
        return f"{self.records} records, built {self.built}"

    def close(self) -> None:
        self._conn.close()


def _open_current(path: Path, stamp: str) -> sqlite3.Connection | None:
    """A read-only connection to ``path`` when it exists and matches ``stamp``."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None  # corrupt or foreign file: rebuild over it
    if row is None or row[0] != stamp:
        conn.close()
        return None
    return conn
