"""Reading the ``events`` table in id order: the one reader the dashboard's event stream and
the span exporter process (``scriptrunner.tracing``) share, through :mod:`.tail`.

Rows go through :func:`~scriptrunner.store.base.display_value` like every other read, so a
payload holding non-UTF-8 bytes or control characters reads the same everywhere.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol

from scriptrunner.store.base import display_value

if TYPE_CHECKING:  # imported where used: event_item serves readers without SQLAlchemy
    from sqlalchemy import ColumnElement, Connection


class TypeClause(Protocol):
    """A filter on event types that can say itself as SQL (None: no condition)."""

    def clause(self) -> ColumnElement[bool] | None: ...


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity (a browser's ``JSON.parse`` refuses them): null instead."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def event_item(row: Any) -> dict[str, Any]:
    """A row read from ``events`` (a mapping) as the API's EVENT object: printable, and
    valid JSON (a non-finite number becomes null)."""
    item: dict[str, Any] = _finite(
        display_value(
            {
                "id": int(row["id"]),
                "type": row["type"],
                "run_id": row["run_id"],
                "ts": row["ts"],
                "payload": row["payload"],
            }
        )
    )
    return item


def read_events(
    conn: Connection,
    *,
    after: int,
    upto: int | None = None,
    types: TypeClause | None = None,
    run_id: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Events with ``after < id [<= upto]`` (of these types, of this run), in id order."""
    from sqlalchemy import select

    from scriptrunner.store import schema

    e = schema.events
    query = select(e).where(e.c.id > after).order_by(e.c.id).limit(limit)
    if upto is not None:
        query = query.where(e.c.id <= upto)
    clause = types.clause() if types is not None else None
    if clause is not None:
        query = query.where(clause)
    if run_id is not None:
        query = query.where(e.c.run_id == run_id)
    return [event_item(row._mapping) for row in conn.execute(query)]


def last_event_id(conn: Connection) -> int:
    """The highest id in ``events`` (0 when it is empty)."""
    from sqlalchemy import func, select

    from scriptrunner.store import schema

    return int(conn.execute(select(func.max(schema.events.c.id))).scalar() or 0)
