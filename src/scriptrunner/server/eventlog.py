"""Reading the ``events`` table for the dashboard: type filters, and the one JSON text of an
event that the REST list, the WebSocket backlog and the live stream share.

The pages in id order (:func:`read_events`, :func:`event_item`) are
:mod:`scriptrunner.store.eventlog`'s, shared with the span exporter process.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from scriptrunner.store import schema
from scriptrunner.store.eventlog import event_item, last_event_id, read_events

__all__ = [
    "MAX_TYPE_ITEMS",
    "StoredEvent",
    "TypeFilter",
    "event_item",
    "last_event_id",
    "read_events",
    "stored_event",
]

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


def stored_event(item: dict[str, Any]) -> StoredEvent:
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return StoredEvent(int(item["id"]), str(item["type"]), text)
