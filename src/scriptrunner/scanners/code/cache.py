"""A per-file result cache, so rescanning an unchanged tree starts no tool at all.

A key hashes everything a tool's verdict on one file depends on: the file's content hash,
the tool's name and version and the hash of its rules or options; values are JSON.  Both
tools analyse one file at a time (Bandit by design, Semgrep OSS intra-file), so per-file
results can be reused whatever else changed in the tree.  The store is one SQLite file,
owner-only (``scanners/private.py``); entries written more than ``MAX_AGE_DAYS`` ago are
dropped when the cache is opened.  A cache that cannot be opened is a ``ConfigError`` (exit 2,
one line), never a traceback.  It may be used from the scanner's tool threads (the taint
analysis caches its summaries while Bandit and Semgrep run): one lock serialises access.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scriptrunner.scanners.private import cache_error, private_file

MAX_AGE_DAYS = 30
#: v2: tool messages are redacted before they are cached (caches of v1 are emptied).
SCHEMA_VERSION = 2


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class ResultCache:
    """Key -> JSON value, persistent in ``path`` (an SQLite file)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        private_file(path)
        try:
            self._conn = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA secure_delete=ON")  # dropped entries leave no trace
            if self._conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                # Older caches kept unredacted tool messages: drop everything they hold.
                self._conn.execute("DROP TABLE IF EXISTS results")
                self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS results "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL, used REAL NOT NULL)"
            )
            self._conn.execute(
                "DELETE FROM results WHERE used < ?", (time.time() - MAX_AGE_DAYS * 86400,)
            )
        except sqlite3.Error as exc:
            raise cache_error("the scan cache", path, exc) from exc

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        try:
            with self._lock:
                for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                    chunk = wanted[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    # scriptrunner: ignore[sql-injection] - only the schema's own names and ? placeholders are formatted in
                    rows = self._conn.execute(
                        f"SELECT key, value FROM results WHERE key IN ({marks})",  # noqa: S608 - placeholders only
                        chunk,
                    ).fetchall()
                    found.update((k, json.loads(v)) for k, v in rows)
        except sqlite3.Error as exc:
            raise cache_error("the scan cache", self._path, exc) from exc
        return found

    def get(self, key: str) -> Any:
        return self.get_many([key]).get(key)

    def put_many(self, values: Mapping[str, Any]) -> None:
        now = time.time()
        try:
            with self._lock, self._conn:
                self._conn.execute("BEGIN")
                self._conn.executemany(
                    "INSERT OR REPLACE INTO results (key, value, used) VALUES (?, ?, ?)",
                    [(k, json.dumps(v, separators=(",", ":")), now) for k, v in values.items()],
                )
        except sqlite3.Error as exc:
            raise cache_error("the scan cache", self._path, exc) from exc

    def put(self, key: str, value: Any) -> None:
        self.put_many({key: value})

    def close(self) -> None:
        self._conn.close()


class NoCache(ResultCache):
    """The cache interface with nothing behind it (``--no-cache``)."""

    def __init__(self) -> None:
        pass

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return {}

    def put_many(self, values: Mapping[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass
