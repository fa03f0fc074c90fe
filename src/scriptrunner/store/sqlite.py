"""The embedded SQLite history store, written through the standard library driver.

This is the path every ``scriptrunner run`` takes, so it avoids importing SQLAlchemy
(130 ms, measured: six times a hello-world script).  SQLAlchemy still owns the schema: a
store that is missing or older than this code is created or upgraded by
``scriptrunner.store.migrations`` first, and the rows written here are the same dicts the
SQLAlchemy backend writes (``scriptrunner.store.rows``).

Concurrency: WAL mode (readers never block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for every write so concurrent writers queue instead of deadlocking.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptrunner import limits
from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import sqlite_writes
from scriptrunner.store.base import event_row
from scriptrunner.store.rows import tag_rows
from scriptrunner.store.version import SCHEMA_TABLE, SCHEMA_VERSION, check_version

_FIX = (
    "The file was left untouched; move it aside or choose another store with "
    "SCRIPTRUNNER_HOME or SCRIPTRUNNER_DATABASE_URL."
)


#: SQLite's primary result codes (https://sqlite.org/rescode.html) that mean "this process
#: may not open or write the store": SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN.
_NOT_PERMITTED = (3, 8, 14)
#: ... and the ones that mean the file itself is damaged: SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGED = (11, 26)


def open_error(what: str, path: Path, exc: sqlite3.Error, *, damaged: bool = False) -> StoreError:
    """The error for a store that cannot be opened: a permission problem (a healthy store
    this user may not write, or its directory) is told apart from a damaged file, and only
    a damaged file is worth moving aside (``damaged``: unless SQLite says otherwise)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    not_permitted = primary in _NOT_PERMITTED or "readonly" in str(exc)
    if primary in _DAMAGED or (damaged and not not_permitted):
        return StoreError(f"history store {path} is not a readable SQLite database ({exc}). {_FIX}")
    if not_permitted:
        return StoreError(
            f"history store {path} is not writable by this user ({exc}): scriptrunner writes "
            f"to it and creates its -wal and -shm files in {path.parent}, so both must be "
            "writable; fix their permissions, or choose another store with SCRIPTRUNNER_HOME "
            "or SCRIPTRUNNER_DATABASE_URL (the store was left untouched)"
        )
    return StoreError(f"cannot {what} history store {path}: {exc}. {_FIX}")


def make_parent(path: Path) -> None:
    """Create the directory of a history file and the file itself, owner-only (0700 and
    0600, whatever the umask: a history holds command lines and output); ``StoreError``
    naming it when that fails.  SQLite gives its ``-wal`` and ``-shm`` files the mode of
    the database file.  Existing directories and files keep their permissions."""
    try:
        missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        for directory in missing:
            os.chmod(directory, 0o700)
    except OSError as exc:
        raise StoreError(
            f"cannot create the history directory {path.parent}: {exc.strerror}; set "
            "SCRIPTRUNNER_HOME to a writable directory"
        ) from exc
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # sqlite3 reports it, with the store's own wording
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class SqliteHistory:
    """History store in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.where = str(path)
        self._lock = threading.RLock()
        self._in_transaction = False
        make_parent(path)
        try:
            self._conn = sqlite3.connect(
                str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise open_error("open", path, exc) from exc
        try:
            self._prepare(busy_timeout)
        except BaseException:
            self._conn.close()
            raise

    def _prepare(self, busy_timeout: float) -> None:
        version = self._read_version()
        if version != SCHEMA_VERSION:
            check_version(version, self.where)
            from sqlalchemy import create_engine

            from scriptrunner.store.migrations import migrate

            engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": busy_timeout})
            try:
                migrate(engine, self.where)
            finally:
                engine.dispose()
        try:
            # WAL lets readers (history, dashboard) work while runs write.
            self._enable_wal(busy_timeout)
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # scriptrunner: ignore[sql-injection] - an integer constant of this package
            self._conn.execute(f"PRAGMA wal_autocheckpoint={limits.WAL_CHECKPOINT_PAGES}")
            # scriptrunner: ignore[sql-injection] - an integer constant of this package
            self._conn.execute(f"PRAGMA journal_size_limit={limits.WAL_SIZE_LIMIT}")
            self._stamp_version()
        except sqlite3.Error as exc:
            raise open_error("configure", self.path, exc) from exc

    def _enable_wal(self, busy_timeout: float) -> None:
        """Switch the store to WAL (a persistent setting: once per store, not per open).

        Switching needs an exclusive lock, and SQLite answers "database is locked" at once,
        without its busy timeout, when waiting could deadlock.  Runners that create a new
        store together all get here together (measured: 8 processes starting on a new store
        failed about 1 time in 15), so wait out the others by hand, up to the busy timeout.
        """
        deadline = time.monotonic() + busy_timeout
        pause = 0.002
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _stamp_version(self) -> None:
        """Copy the schema version into the file header's ``user_version`` where a store
        written before the migrations stamped it there lacks it (once per store): the
        ``run`` fast path (``cli.fast_run``) reads it with the header, without SQL."""
        if self._conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _read_version(self) -> int:
        try:
            row = self._conn.execute(f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return 0
            raise open_error("read", self.path, exc) from exc
        except sqlite3.DatabaseError as exc:
            raise open_error("read", self.path, exc, damaged=True) from exc
        return int(row[0] or 0) if row else 0

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group the writes made inside into one transaction (group commit).

        The background writer uses this: one commit for every write queued meanwhile
        instead of one per write.  If any of them fails, none of them is stored.
        """
        with self._lock:
            if self._in_transaction:
                yield
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write history store {self.path}: {exc}") from exc
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._in_transaction = False
                self._conn.execute("ROLLBACK")
                raise
            self._in_transaction = False
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write history store {self.path}: {exc}") from exc

    def _write(self, work: Callable[[sqlite3.Connection], None]) -> None:
        with self._lock:
            if self._in_transaction:  # part of a group commit: the outer block commits
                try:
                    work(self._conn)
                except sqlite3.Error as exc:
                    raise StoreError(f"cannot write history store {self.path}: {exc}") from exc
                return
            sqlite_writes.transaction(self._conn, work, str(self.path))

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        rows = [event_row(e) for e in events]
        self._write(lambda conn: sqlite_writes.start_run(conn, row, rows))

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        rows = [event_row(e) for e in events]
        self._write(
            lambda conn: sqlite_writes.finish_run(conn, run_id, values, attempts, samples, rows)
        )

    def heartbeat(self, run_ids: Sequence[str], now: float) -> None:
        if run_ids:
            self._write(lambda conn: sqlite_writes.heartbeat(conn, run_ids, now))

    def run_exists(self, run_id: str) -> bool:
        with self._lock:
            try:
                found = self._conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,))
                return found.fetchone() is not None
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read history store {self.path}: {exc}") from exc

    def append_event(self, event: Event) -> None:
        self._write(lambda conn: sqlite_writes.insert(conn, "events", [event_row(event)]))

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._write(lambda conn: sqlite_writes.insert(conn, "spans", rows))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE runs SET cloud_cost_usd = ? WHERE id = ?", (usd, run_id))
            sqlite_writes.insert(conn, "events", [event_row(e) for e in events])

        self._write(work)

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            sqlite_writes.insert(conn, "scans", [scan])
            sqlite_writes.insert(conn, "findings", findings)
            sqlite_writes.insert(conn, "events", [event_row(e) for e in events])

        self._write(work)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- group commit of a workflow's writes (store.background) ----------------------------

    def write_batch(
        self,
        runs: Sequence[Mapping[str, Any]],
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event],
    ) -> None:
        """Insert ``runs`` rows (with their tags), apply ``updates`` (run id, columns), then
        add attempts, samples and events, in one transaction (or the caller's): what the
        background writer hands over for all the writes queued in one commit window."""

        def work(conn: sqlite3.Connection) -> None:
            group: list[Mapping[str, Any]] = []
            for row in runs:  # one statement per run of rows with the same columns
                if group and list(group[0]) != list(row):
                    sqlite_writes.insert(conn, "runs", group)
                    group = []
                group.append(row)
            sqlite_writes.insert(conn, "runs", group)
            tags = [t for r in runs for t in tag_rows(r["id"], r["tags"] or {})]
            sqlite_writes.insert(conn, "run_tags", tags)
            for run_id, values in updates:
                sqlite_writes.update_run(conn, run_id, values)
            sqlite_writes.insert(conn, "run_attempts", attempts)
            sqlite_writes.insert(conn, "metric_samples", samples)
            sqlite_writes.insert(conn, "events", [event_row(e) for e in events])

        self._write(work)
