"""Replaying journaled writes (``store.replay``) into a SQLite store, on a connection of
its own, with the SQL the store itself writes (``store.sqlite_writes``).  Standard library
only (``sqlite3`` is imported when a replay starts): the ``run`` fast path uses it."""

from __future__ import annotations

import contextlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any


class SqliteTarget:
    """A SQLite store file, written on a connection of its own (standard library)."""

    def __init__(self, path: str, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.where = path
        self.busy_timeout = busy_timeout

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqliteTx]:
        import sqlite3

        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _one(self, sql: str, *params: Any) -> bool:
        return self.conn.execute(sql, params).fetchone() is not None

    def run_status(self, run_id: str) -> str | None:
        found = self.conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if found is None else str(found[0])

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        from scriptrunner.store import sqlite_writes

        sqlite_writes.insert(self.conn, table, rows)

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        from scriptrunner.store import sqlite_writes

        if values:
            sqlite_writes.update_run(self.conn, run_id, values)

    def attempts_of(self, run_id: str) -> set[int]:
        found = self.conn.execute("SELECT attempt FROM run_attempts WHERE run_id = ?", (run_id,))
        return {int(a) for (a,) in found}

    def sampled_attempts(self, run_id: str) -> set[int]:
        sql = "SELECT DISTINCT attempt FROM metric_samples WHERE run_id = ?"
        return {int(a) for (a,) in self.conn.execute(sql, (run_id,))}

    def event_keys(self, run_ids: Sequence[str]) -> set[tuple[Any, ...]]:
        keys: set[tuple[Any, ...]] = set()
        named = [r for r in run_ids if r is not None]
        for i in range(0, len(named), 500):
            chunk = named[i : i + 500]
            sql = f"SELECT run_id, type, ts FROM events WHERE run_id IN ({','.join('?' * len(chunk))})"
            # scriptrunner: ignore[sql-injection] - only the schema's own names and ? placeholders are formatted in
            keys.update(tuple(row) for row in self.conn.execute(sql, chunk))
        if len(named) < len(run_ids):
            sql = "SELECT run_id, type, ts FROM events WHERE run_id IS NULL"
            keys.update(tuple(row) for row in self.conn.execute(sql))
        return keys

    def span_exists(self, trace_id: str, span_id: str) -> bool:
        sql = "SELECT 1 FROM spans WHERE trace_id = ? AND span_id = ?"
        return self._one(sql, trace_id, span_id)

    def scan_exists(self, scan_id: str) -> bool:
        return self._one("SELECT 1 FROM scans WHERE id = ?", scan_id)

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT journal_record")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO journal_record")
            self.conn.execute("RELEASE journal_record")
            raise
        self.conn.execute("RELEASE journal_record")
