"""The history store on any SQLAlchemy URL (PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import schema
from scriptrunner.store.base import db_error, event_row
from scriptrunner.store.migrations import migrate
from scriptrunner.store.rows import tag_rows
from scriptrunner.store.values import display_text, to_json


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database url>"


#: Seconds a PostgreSQL connection attempt may take (unless the URL says
#: ``connect_timeout``): an unreachable server fails the attempt instead of hanging the
#: writer for the minutes TCP would wait; the journal keeps the writes meanwhile.
CONNECT_TIMEOUT = 10


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine on ``url``: pooled connections are checked before use (``pool_pre_ping``),
    so after a server restart the first write reconnects instead of failing."""
    url = normalise_url(url)
    try:
        # to_json, as the SQLite fast path writes JSON: a value json cannot encode is stored
        # as its string form instead of failing the run (the default serializer raises).
        if url.startswith("sqlite"):
            _make_sqlite_parent(url)
            return create_engine(
                url, connect_args={"timeout": busy_timeout}, json_serializer=to_json
            )
        connect_args: dict[str, Any] = {}
        if url.startswith("postgresql+psycopg") and "connect_timeout=" not in url:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        return create_engine(
            url, pool_pre_ping=True, json_serializer=to_json, connect_args=connect_args
        )
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"invalid database URL {safe_url(url)}: {exc}") from exc


def _make_sqlite_parent(url: str) -> None:
    """A SQLite file's directory is created like the fast path does (a new home)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from scriptrunner.store.sqlite import make_parent

    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        make_parent(Path(database))


def migrated_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine on ``url`` whose database is created or upgraded to the current schema."""
    engine = make_engine(url, busy_timeout=busy_timeout)
    try:
        migrate(engine, safe_url(url))
    except BaseException:
        # A refused store must not keep a pooled connection open (nor SQLite's -wal/-shm).
        engine.dispose()
        raise
    return engine


def _clean(rows: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
    """Rows whose text columns every driver can encode (surrogates escaped, as the SQLite
    store writes them; JSON columns go through ``to_json``, the engine's serializer)."""
    if isinstance(rows, Mapping):
        return {k: display_text(v) if isinstance(v, str) else v for k, v in rows.items()}
    return [_clean(r) for r in rows]


class SqlAlchemyHistory:
    """History store on an SQLAlchemy engine."""

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        self.where = safe_url(url)
        self.engine = migrated_engine(url, busy_timeout=busy_timeout)

    def _run(self, what: str, fn: Any) -> None:
        try:
            with self.engine.begin() as conn:
                fn(conn)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot {what} in history store {self.where}: {db_error(exc)}"
            ) from exc

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        def work(conn: Any) -> None:
            conn.execute(schema.runs.insert(), [_clean(row)])
            tags = tag_rows(row["id"], row.get("tags") or {})
            if tags:
                conn.execute(schema.run_tags.insert(), _clean(tags))
            if events:
                conn.execute(schema.events.insert(), _clean([event_row(e) for e in events]))

        self._run("record a run", work)

    def heartbeat(self, run_ids: Sequence[str], now: float) -> None:
        if not run_ids:
            return
        runs = schema.runs
        renew = (
            update(runs)
            .where(runs.c.status == "running", runs.c.id.in_(list(run_ids)))
            .values(heartbeat_at=now)
        )
        self._run("renew the lease of running runs", lambda conn: conn.execute(renew))

    def run_exists(self, run_id: str) -> bool:
        try:
            with self.engine.connect() as conn:
                query = select(schema.runs.c.id).where(schema.runs.c.id == run_id)
                return conn.execute(query).first() is not None
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read history store {self.where}: {db_error(exc)}") from exc

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        def work(conn: Any) -> None:
            conn.execute(
                update(schema.runs).where(schema.runs.c.id == run_id).values(**_clean(values))
            )
            if attempts:
                conn.execute(schema.run_attempts.insert(), _clean(attempts))
            if samples:
                conn.execute(schema.metric_samples.insert(), _clean(samples))
            if events:
                conn.execute(schema.events.insert(), _clean([event_row(e) for e in events]))

        self._run("finish a run", work)

    def append_event(self, event: Event) -> None:
        self._run(
            "append an event",
            lambda c: c.execute(schema.events.insert(), _clean([event_row(event)])),
        )

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            batch = _clean(rows)
            self._run("append trace spans", lambda c: c.execute(schema.spans.insert(), batch))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        def work(conn: Any) -> None:
            runs = schema.runs
            conn.execute(update(runs).where(runs.c.id == run_id).values(cloud_cost_usd=usd))
            if events:
                conn.execute(schema.events.insert(), _clean([event_row(e) for e in events]))

        self._run("record a run's cost", work)

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        def work(conn: Any) -> None:
            conn.execute(schema.scans.insert(), [_clean(scan)])
            if findings:
                conn.execute(schema.findings.insert(), _clean(findings))
            if events:
                conn.execute(schema.events.insert(), _clean([event_row(e) for e in events]))

        self._run("record a scan", work)

    def close(self) -> None:
        self.engine.dispose()
