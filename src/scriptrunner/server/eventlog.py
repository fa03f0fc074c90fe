"""Reading the ``events`` table for the dashboard: type filters, pages in id order, and the
one JSON text of an event that the REST list, the WebSocket backlog and the live stream share.

Rows go through ``store.base.display_value`` like every other read, so a payload holding
non-UTF-8 bytes or control characters reads the same here as in ``/api/v1/runs``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, or_, select

from scriptrunner.store import schema
from scriptrunner.store.base import display_value

#: One type filter item: a dotted name (``run.finished``) or a prefix (``run.*``).
_TYPE_ITEM = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?")
#: Most items in one ``types=`` filter (a guard, far above the number of event types).
MAX_TYPE_ITEMS = 64


@dataclass(frozen=True, slots=True)
class TypeFilter:
    """Which event types a client wants: exact names and ``prefix.*`` prefixes (a prefix
    matches every type below it: ``run.*`` matches ``run.started`` and
    ``run.attempt.finished``, not ``run`` itself).  No items: every type."""

    names: frozenset[str] = frozenset()
    #: Each with its trailing dot (``run.``).
    prefixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> TypeFilter:
        """``a.b,c.*`` -> a filter; raises ``ValueError`` (one sentence) on bad syntax."""
        if text is None or not text.strip():
            return cls()
        items = [item.strip() for item in text.split(",")]
        if len(items) > MAX_TYPE_ITEMS:
            raise ValueError(f"types: give at most {MAX_TYPE_ITEMS} items, not {len(items)}")
        names: set[str] = set()
        prefixes: list[str] = []
        for item in items:
            if not _TYPE_ITEM.fullmatch(item):
                raise ValueError(
                    f"types: {item!r} is not an event type or a prefix such as 'run.*' "
                    "(lower-case dotted names, comma-separated)"
                )
            if item.endswith(".*"):
                prefixes.append(item[:-1])
            else:
                names.add(item)
        return cls(frozenset(names), tuple(sorted(set(prefixes))))

    @property
    def everything(self) -> bool:
        return not self.names and not self.prefixes

    def matches(self, event_type: str) -> bool:
        return self.everything or event_type in self.names or event_type.startswith(self.prefixes)

    def clause(self) -> ColumnElement[bool] | None:
        """The same test as SQL on ``events.type`` (None: no condition)."""
        if self.everything:
            return None
        column = schema.events.c.type
        tests: list[ColumnElement[bool]] = []
        if self.names:
            tests.append(column.in_(sorted(self.names)))
        # autoescape: ``_`` in a type name is a character, not a LIKE wildcard.
        tests += [column.startswith(prefix, autoescape=True) for prefix in self.prefixes]
        return or_(false(), *tests)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the ``events`` table as the clients get it: its id and type (for ordering
    and filtering) and ``text``, the JSON message ``{"id","type","run_id","ts","payload"}``."""

    id: int
    type: str
    text: str


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


def stored_event(item: dict[str, Any]) -> StoredEvent:
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return StoredEvent(int(item["id"]), str(item["type"]), text)


def read_events(
    conn: Connection,
    *,
    after: int,
    upto: int | None = None,
    types: TypeFilter | None = None,
    run_id: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Events with ``after < id [<= upto]`` (of these types, of this run), in id order."""
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
    from sqlalchemy import func

    return int(conn.execute(select(func.max(schema.events.c.id))).scalar() or 0)
