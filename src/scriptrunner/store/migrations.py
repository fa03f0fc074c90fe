"""A versioned migration scheme in the spirit of Alembic, without its import cost.

* A new database gets the current tables from ``schema.metadata`` and is stamped with
  ``SCHEMA_VERSION`` (Alembic's "create_all, then stamp head" recipe).
* An older database is upgraded one step at a time by ``MIGRATIONS[v]`` (from ``v - 1`` to
  ``v``), each step stamped in the same transaction, so a crash leaves a consistent version.
* A newer database than this code knows is refused: guessing would risk the user's data.

Migrations run under a write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock),
so many runners starting at once on a fresh store create it exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, event, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from scriptrunner.errors import StoreError
from scriptrunner.store import schema
from scriptrunner.store.base import db_error
from scriptrunner.store.rows import tag_rows
from scriptrunner.store.version import SCHEMA_TABLE, SCHEMA_VERSION, check_version

Migration = Callable[[Connection], None]


def _v2_costs_and_spans(conn: Connection) -> None:
    """Version 2: ``runs.cloud_cost_usd`` and the ``spans`` table."""
    # FLOAT is DOUBLE PRECISION on PostgreSQL and REAL on SQLite, as schema.Float renders.
    conn.execute(text("ALTER TABLE runs ADD COLUMN cloud_cost_usd FLOAT"))
    schema.spans.create(conn)


def _v3_scans_and_findings(conn: Connection) -> None:
    """Version 3: the ``scans`` and ``findings`` tables."""
    schema.scans.create(conn)
    schema.findings.create(conn)


def _v4_runner_start(conn: Connection) -> None:
    """Version 4: ``runs.pid_started``, to tell a lost run from one whose pid was reused."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN pid_started BIGINT"))


def _v5_dashboard(conn: Connection) -> None:
    """Version 5, for the dashboard: the ``api_tokens`` table; ``run_tags`` (filled from
    every stored run's tags); the list indexes on ``runs`` (status, script, kind, each with
    ``started_at``) in place of the single-column ones; on PostgreSQL, the events
    notification."""
    schema.api_tokens.create(conn)
    schema.run_tags.create(conn)
    runs = schema.runs
    batch: list[dict[str, str]] = []
    for run_id, tags in conn.execute(select(runs.c.id, runs.c.tags)):
        batch.extend(tag_rows(run_id, tags if isinstance(tags, dict) else {}))
        if len(batch) >= 5000:
            conn.execute(schema.run_tags.insert(), batch)
            batch = []
    if batch:
        conn.execute(schema.run_tags.insert(), batch)
    conn.execute(text("DROP INDEX IF EXISTS ix_runs_script"))
    conn.execute(text("DROP INDEX IF EXISTS ix_runs_status"))
    for index in sorted(runs.indexes, key=lambda i: str(i.name)):
        if index.name in (
            "ix_runs_script_started",
            "ix_runs_status_started",
            "ix_runs_kind_started",
        ):
            index.create(conn)
    _pg_events_notify(conn)


def _pg_events_notify(conn: Connection) -> None:
    """On PostgreSQL, a statement trigger that notifies ``EVENTS_CHANNEL`` on every insert
    into ``events`` (a no-op elsewhere).  The payload is empty: listeners read the rows."""
    if conn.dialect.name != "postgresql":
        return
    # scriptrunner: ignore[sql-injection] - constant DDL (the channel name is the schema's constant)
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION scriptrunner_events_notify() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_notify('{schema.EVENTS_CHANNEL}', ''); RETURN NULL; END $$"
        )
    )
    conn.execute(text("DROP TRIGGER IF EXISTS scriptrunner_events_notify ON events"))
    conn.execute(
        text(
            "CREATE TRIGGER scriptrunner_events_notify AFTER INSERT ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION scriptrunner_events_notify()"
        )
    )


def _v6_leases_and_placement(conn: Connection) -> None:
    """Version 6: ``runs.heartbeat_at`` (the lease of a running row) and where each remote
    attempt ran (``run_attempts``: ``attempt_id``, ``host``, ``pid``, ``worker``,
    ``queued_seconds``)."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN heartbeat_at FLOAT"))
    for column, kind in (
        ("attempt_id", "VARCHAR(32)"),
        ("host", "TEXT"),
        ("pid", "INTEGER"),
        ("worker", "TEXT"),
        ("queued_seconds", "FLOAT"),
    ):
        # scriptrunner: ignore[sql-injection] - column names and types from the literal tuple above
        conn.execute(text(f"ALTER TABLE run_attempts ADD COLUMN {column} {kind}"))


#: ``MIGRATIONS[v]`` upgrades a version ``v - 1`` database to version ``v``.
MIGRATIONS: dict[int, Migration] = {
    2: _v2_costs_and_spans,
    3: _v3_scans_and_findings,
    4: _v4_runner_start,
    5: _v5_dashboard,
    6: _v6_leases_and_placement,
}

# Arbitrary constant identifying scriptrunner's migration lock among advisory locks.
_PG_LOCK_ID = 0x5C81_7007


def current_version(conn: Connection) -> int:
    """The schema version stamped in the database, 0 for an empty one."""
    if not inspect(conn).has_table(SCHEMA_TABLE):
        return 0
    value = conn.execute(
        select(schema.schema_version.c.version)
        .order_by(schema.schema_version.c.version.desc())
        .limit(1)
    ).scalar()
    return int(value or 0)


def _stamp(conn: Connection, version: int) -> None:
    conn.execute(schema.schema_version.insert().values(version=version, applied_at=time.time()))
    if conn.dialect.name == "sqlite":
        # Also in the file header (``user_version``), in the same transaction: the ``run``
        # fast path (``cli.fast_run``) reads the header instead of running SQL.
        # scriptrunner: ignore[sql-injection] - int(version)
        conn.execute(text(f"PRAGMA user_version = {int(version)}"))


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})


def migrate(engine: Engine, where: str) -> int:
    """Bring the database up to ``SCHEMA_VERSION``; returns the version found before."""
    if engine.dialect.name == "sqlite":
        _sqlite_immediate_transactions(engine)
    try:
        with engine.begin() as conn:
            _lock(conn)
            found = current_version(conn)
            check_version(found, where)
            if found == 0:
                if inspect(conn).has_table("runs"):
                    raise StoreError(
                        f"{where} has a 'runs' table but no scriptrunner schema version; "
                        "it is not a scriptrunner store. Point SCRIPTRUNNER_DATABASE_URL "
                        "elsewhere; nothing was changed."
                    )
                schema.metadata.create_all(conn)
                _pg_events_notify(conn)
                _stamp(conn, SCHEMA_VERSION)
            else:
                for version in range(found + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[version](conn)
                    _stamp(conn, version)
            return found
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot prepare history store {where}: {db_error(exc)}") from exc


def _sqlite_immediate_transactions(engine: Engine) -> None:
    """Make SQLAlchemy's transactions ``BEGIN IMMEDIATE`` (the SQLAlchemy docs' recipe).

    pysqlite's own transaction handling would start a deferred transaction, and two
    processes upgrading a read lock to a write lock at once deadlock ("database is locked").
    Registered once per engine: a second ``begin`` listener would issue a second BEGIN.
    """
    if not event.contains(engine, "connect", _sqlite_autocommit_driver):
        event.listen(engine, "connect", _sqlite_autocommit_driver)
    if not event.contains(engine, "begin", _sqlite_begin_immediate):
        event.listen(engine, "begin", _sqlite_begin_immediate)


def _sqlite_autocommit_driver(dbapi_connection, _record):  # type: ignore[no-untyped-def]
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn):  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN IMMEDIATE")
