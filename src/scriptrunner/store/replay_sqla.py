"""Replaying journaled writes (``store.replay``) into a SQLAlchemy store (PostgreSQL).

Inserts go through the schema's tables, as ``store.sqla`` writes them, so on PostgreSQL
the events trigger notifies listeners (``LISTEN``) of replayed events like any other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from scriptrunner.store import schema
from scriptrunner.store.values import display_text

_TABLES = {
    "runs": schema.runs,
    "run_tags": schema.run_tags,
    "run_attempts": schema.run_attempts,
    "metric_samples": schema.metric_samples,
    "events": schema.events,
    "spans": schema.spans,
    "scans": schema.scans,
    "findings": schema.findings,
}


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    """Text every driver can encode (surrogates escaped, as ``store.sqla`` writes it)."""
    return {k: display_text(v) if isinstance(v, str) else v for k, v in row.items()}


class SqlaTarget:
    """A store on an SQLAlchemy engine."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.engine = engine
        self.where = where

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlaTx]:
        with self.engine.begin() as conn:
            yield SqlaTx(conn)


class SqlaTx:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def run_status(self, run_id: str) -> str | None:
        runs = schema.runs
        found = self.conn.execute(select(runs.c.status).where(runs.c.id == run_id)).first()
        return None if found is None else str(found[0])

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.conn.execute(_TABLES[table].insert(), [_clean(r) for r in rows])

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        if values:
            runs = schema.runs
            self.conn.execute(update(runs).where(runs.c.id == run_id).values(**_clean(values)))

    def attempts_of(self, run_id: str) -> set[int]:
        table = schema.run_attempts
        found = self.conn.execute(select(table.c.attempt).where(table.c.run_id == run_id))
        return {int(a) for (a,) in found}

    def sampled_attempts(self, run_id: str) -> set[int]:
        table = schema.metric_samples
        query = select(table.c.attempt).where(table.c.run_id == run_id).distinct()
        return {int(a) for (a,) in self.conn.execute(query)}

    def event_keys(self, run_ids: Sequence[str]) -> set[tuple[Any, ...]]:
        events = schema.events
        keys: set[tuple[Any, ...]] = set()
        named = [r for r in run_ids if r is not None]
        columns = (events.c.run_id, events.c.type, events.c.ts)
        for i in range(0, len(named), 500):
            query = select(*columns).where(events.c.run_id.in_(named[i : i + 500]))
            keys.update(tuple(row) for row in self.conn.execute(query))
        if len(named) < len(run_ids):
            query = select(*columns).where(events.c.run_id.is_(None))
            keys.update(tuple(row) for row in self.conn.execute(query))
        return keys

    def span_exists(self, trace_id: str, span_id: str) -> bool:
        spans = schema.spans
        query = select(spans.c.id).where(
            and_(spans.c.trace_id == trace_id, spans.c.span_id == span_id)
        )
        return self.conn.execute(query).first() is not None

    def scan_exists(self, scan_id: str) -> bool:
        scans = schema.scans
        return (
            self.conn.execute(select(scans.c.id).where(scans.c.id == scan_id)).first() is not None
        )

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.conn.begin_nested():
            yield
