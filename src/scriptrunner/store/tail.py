"""Following the ``events`` table written by other processes: the dashboard's one reader per
server (``scriptrunner.server.tail``) and the span exporter process of a traced command.

A thread watches for change cheaply and reads only the new rows, in id order, handing each
batch (event items, see :func:`~scriptrunner.store.eventlog.event_item`) to ``deliver``:

- **SQLite**: ``PRAGMA data_version`` on a dedicated ``sqlite3`` connection changes when
  another connection commits; it costs microseconds, so it is checked every few
  milliseconds and the table is read (``id > last``) only when it changed.
- **PostgreSQL**: ``LISTEN`` on ``schema.EVENTS_CHANNEL`` (a statement trigger notifies it
  on every insert), with a read every ``fallback`` seconds anyway, so a lost notification
  costs latency, never events.
- Any other database: a read every ``fallback`` seconds.

State: ``last`` (the highest id delivered: every event up to it has been handed over, in
order) and, except on SQLite, ``gap`` (the first id missing above ``last``).  SQLite
writers are serialised, so ids become visible in order.  Elsewhere ids are taken before
commit: id 11 may be committed while 10 is still in flight.  Delivering 11 would make a
client that resumes "after 11" miss 10, so rows above a gap are held back until the gap
fills, or until it cannot fill any more: at least ``gap_grace`` seconds have passed and (on
PostgreSQL, which can tell) every transaction in progress when it was last seen has ended
(a rolled-back write leaves a permanent gap), or ``gap_max_wait`` seconds in any case.

A store error never ends the thread: it is logged, kept in ``error`` and retried.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from scriptrunner.store import sqlite_path

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

logger = logging.getLogger(__name__)

_Tail = TypeVar("_Tail", bound="EventTail")

#: Receives each batch of new events, in id order.
Deliver = Callable[[Sequence[dict[str, Any]]], None]

#: Is any transaction that was in progress in snapshot ``:s`` still in progress now?
_STILL_RUNNING = (
    "SELECT EXISTS (SELECT 1 FROM pg_snapshot_xip(CAST(:s AS pg_snapshot)) AS old(x) "
    "WHERE old.x IN (SELECT pg_snapshot_xip(pg_current_snapshot())))"
)
#: A page of new rows, read through the standard library (:meth:`EventTail.for_sqlite_file`).
_NEW_ROWS = "SELECT id, type, run_id, ts, payload FROM events WHERE id > ? ORDER BY id LIMIT ?"


@dataclass(slots=True)
class _Gap:
    missing: int  # the first missing id
    seen_at: float  # monotonic
    snapshot: str  # pg_current_snapshot() taken after the read that saw it


class EventTail:
    """Follows the events table of ``engine`` from ``start_after`` (see the module doc).

    ``engine`` None: the SQLite file ``sqlite_file`` is read through the standard library
    alone (:meth:`for_sqlite_file`), SQLAlchemy is not imported.
    """

    def __init__(
        self,
        engine: Engine | None,
        deliver: Deliver,
        *,
        start_after: int,
        poll: float = 0.004,
        fallback: float = 0.25,
        page: int = 500,
        gap_grace: float = 1.0,
        gap_max_wait: float = 30.0,
        busy_timeout: float = 30.0,
        sqlite_file: Path | None = None,
    ) -> None:
        self._engine = engine
        self._deliver = deliver
        if engine is None:
            assert sqlite_file is not None, "an engine or a SQLite file"
            self._sqlite: Path | None = sqlite_file
            self._postgres = False
        else:
            self._sqlite = sqlite_path(engine.url.render_as_string(hide_password=False))
            self._postgres = engine.dialect.name == "postgresql"
        self._poll = poll
        self._fallback = fallback
        self._page = page
        self._gap_grace = gap_grace
        self._gap_max_wait = gap_max_wait
        self._busy_timeout = busy_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="scriptrunner-event-tail")
        self._thread.daemon = True
        self._gap: _Gap | None = None
        #: The highest id delivered.
        self.last = start_after
        #: The last store error (one line), None while reading works.
        self.error: str | None = None
        #: Reads of the table (for tests and metrics: SQLite reads only after a change).
        self.reads = 0

    @classmethod
    def for_sqlite_file(
        cls: type[_Tail], path: Path, deliver: Any, *, start_after: int, **options: Any
    ) -> _Tail:
        """A tail of the SQLite file ``path`` that does not import SQLAlchemy."""
        return cls(None, deliver, start_after=start_after, sqlite_file=path, **options)

    @classmethod
    def at_end(cls: type[_Tail], engine: Engine, deliver: Any, **options: Any) -> _Tail:
        """A tail that delivers what is written from now on."""
        from scriptrunner.store.eventlog import last_event_id

        with engine.connect() as conn:
            return cls(engine, deliver, start_after=last_event_id(conn), **options)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the thread ----------------------------------------------------------------------

    def _main(self) -> None:
        pause = 0.05
        while not self._stop.is_set():
            try:
                if self._sqlite is not None:
                    self._follow_sqlite(str(self._sqlite))
                elif self._postgres:
                    self._follow_postgres()
                else:
                    self._follow_by_polling()
            except Exception as exc:  # the tail must outlive any store failure
                message = " ".join(str(exc).split())[:300] or type(exc).__name__
                if message != self.error:
                    logger.warning("event tail: cannot read the events table: %s", message)
                self.error = message
                self._stop.wait(pause)
                pause = min(pause * 2, 2.0)
            else:
                pause = 0.05

    def _follow_sqlite(self, path: str) -> None:
        conn = sqlite3.connect(path, timeout=self._busy_timeout, check_same_thread=False)
        try:
            seen: int | None = None
            while not self._stop.is_set():
                version = int(conn.execute("PRAGMA data_version").fetchone()[0])
                if version != seen:
                    # Remembered only after a successful read: a failed one is retried.
                    if self._engine is None:
                        self._read_new_sqlite(conn)
                    else:
                        self._read_new()
                    seen = version
                time.sleep(self._poll)  # cheaper than Event.wait; close() waits one poll
        finally:
            conn.close()

    def _follow_postgres(self) -> None:
        import psycopg

        from scriptrunner.store import schema

        assert self._engine is not None
        url = self._engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            # scriptrunner: ignore[sql-injection] - the schema's channel constant
            conn.execute(f"LISTEN {schema.EVENTS_CHANNEL}")
            while not self._stop.is_set():
                self._read_new()
                for _ in conn.notifies(timeout=self._fallback, stop_after=1):
                    pass

    def _follow_by_polling(self) -> None:
        """Any other database: a read every ``fallback`` seconds."""
        while not self._stop.is_set():
            self._read_new()
            self._stop.wait(self._fallback)

    # -- reading -------------------------------------------------------------------------

    def _read_new_sqlite(self, conn: sqlite3.Connection) -> None:
        """:meth:`_read_new` through the standard library (SQLite ids come in order)."""
        from scriptrunner.store.eventlog import event_item

        while not self._stop.is_set():
            rows = conn.execute(_NEW_ROWS, (self.last, self._page)).fetchall()
            self.reads += 1
            if rows:
                self._deliver(
                    [
                        event_item(
                            {"id": i, "type": t, "run_id": r, "ts": ts, "payload": json.loads(p)}
                        )
                        for i, t, r, ts, p in rows
                    ]
                )
                self.last = int(rows[-1][0])
            self.error = None
            if len(rows) < self._page:
                return

    def _read_new(self) -> None:
        """Deliver every new row that may be delivered now, page by page."""
        from scriptrunner.store.eventlog import read_events

        assert self._engine is not None
        with self._engine.connect() as conn:
            while not self._stop.is_set():
                rows = read_events(conn, after=self.last, limit=self._page)
                snapshot = self._snapshot(conn) if self._postgres else ""
                conn.rollback()  # end the read transaction: the next page sees new commits
                self.reads += 1
                ready, blocked = self._in_order(conn, rows, snapshot)
                if ready:
                    self._deliver(ready)
                    self.last = int(ready[-1]["id"])
                self.error = None
                if blocked or len(rows) < self._page:
                    return

    def _in_order(
        self, conn: Connection, rows: list[dict[str, Any]], snapshot: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """The rows that may be delivered now, and whether a gap held the others back."""
        if self._sqlite is not None:
            return rows, False
        expected = self.last + 1
        for index, row in enumerate(rows):
            if row["id"] != expected and not self._gap_closed(conn, expected, snapshot):
                return rows[:index], True
            expected = int(row["id"]) + 1
        return rows, False

    def _gap_closed(self, conn: Connection, missing: int, snapshot: str) -> bool:
        """Can ids from ``missing`` on (below the next row) no longer appear?"""
        now = time.monotonic()
        gap = self._gap
        if gap is None or gap.missing != missing:
            self._gap = _Gap(missing, now, snapshot)
            return False
        age = now - gap.seen_at
        if age < self._gap_grace:
            # Until the grace ends, follow the newest snapshot: a writer may take its id a
            # moment before its transaction gets the id that snapshots list.
            gap.snapshot = snapshot
            return False
        if age < self._gap_max_wait and gap.snapshot and self._still_running(conn, gap.snapshot):
            conn.rollback()
            return False
        conn.rollback()
        if age >= self._gap_max_wait:
            logger.warning("event tail: event %d never appeared in %.0f s; going on", missing, age)
        self._gap = None
        return True

    @staticmethod
    def _still_running(conn: Connection, snapshot: str) -> bool:
        from sqlalchemy import text

        return bool(conn.execute(text(_STILL_RUNNING), {"s": snapshot}).scalar())

    @staticmethod
    def _snapshot(conn: Connection) -> str:
        from sqlalchemy import text

        return str(conn.execute(text("SELECT pg_current_snapshot()::text")).scalar())
