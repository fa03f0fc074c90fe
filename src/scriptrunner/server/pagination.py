"""Keyset pagination and the query parameters every list shares.

A list is ordered by a sort key that ends in a unique column (``started_at desc, id``);
its ``next`` cursor is the last row's key, as base64url JSON.  The following page asks
for the rows *after* that key, which an index answers without counting or skipping the
rows before it (``OFFSET`` would read and throw away every earlier row, so page 2,000 of
100,000 runs would cost as much as reading them all).  A cursor stays valid while rows are
added: a new run is newer than the page boundary and never shifts a later page.

Parse errors are :class:`BadQuery` (``HTTPException`` 400) with one sentence naming the
parameter and what it expects.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query
from sqlalchemy import ColumnElement, and_, or_

from scriptrunner.server.queries.common import Window

DEFAULT_LIMIT = 50
_T = TypeVar("_T")
MAX_LIMIT = 500


class BadQuery(HTTPException):
    """A query parameter with bad syntax: 400 and one sentence."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=400, detail=detail)


#: The query parameters every list shares, for route signatures.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (1-500)")]
Cursor = Annotated[str | None, Query(description="`next` of the previous page")]
Since = Annotated[str | None, Query(description="epoch seconds or ISO 8601 (inclusive)")]
Until = Annotated[str | None, Query(description="epoch seconds or ISO 8601 (exclusive)")]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """How many rows, and after which sort key (``None``: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None


def encode_cursor(key: Sequence[Any]) -> str:
    text = json.dumps(list(key), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    """The sort key of a ``next`` cursor; :class:`BadQuery` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError):
        raise BadQuery("cursor is not a cursor this server gave: pass `next` as is") from None
    if not isinstance(key, list) or len(key) != arity:
        raise BadQuery("cursor is not a cursor this server gave: pass `next` as is")
    return tuple(key)


def page_request(limit: int, cursor: str | None, arity: int = 2) -> PageRequest:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return PageRequest(limit, decode_cursor(cursor, arity) if cursor else None)


def after_desc_asc(
    desc: ColumnElement[Any], asc: ColumnElement[Any], after: tuple[Any, ...] | None
) -> ColumnElement[bool] | None:
    """Rows after ``after`` in ``desc DESC, asc ASC`` order.  Written as ``desc <= d AND
    (desc < d OR asc > a)`` so the leading range is plain for the index on ``desc``."""
    if after is None:
        return None
    d, a = after
    if not isinstance(d, (int, float)) or not isinstance(a, (str, int)):
        raise BadQuery("cursor is not a cursor this server gave: pass `next` as is")
    return and_(desc <= d, or_(desc < d, asc > a))


def page(rows: list[dict[str, Any]], request: PageRequest, key: tuple[str, str]) -> dict[str, Any]:
    """``{"items", "next"}`` from rows fetched with ``limit + 1`` (the extra row only says
    that there is a next page)."""
    more = len(rows) > request.limit
    items = rows[: request.limit]
    nxt = encode_cursor([items[-1][key[0]], items[-1][key[1]]]) if more and items else None
    return {"items": items, "next": nxt}


def parse_time(name: str, text: str | None) -> float | None:
    """Epoch seconds, or an ISO 8601 date/time (a time without offset is UTC)."""
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise BadQuery(f"{name} must be a finite number of epoch seconds, not {text!r}")
        return value
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(
            f"{name} must be epoch seconds or an ISO 8601 date/time "
            f"(2026-01-31 or 2026-01-31T12:00:00Z), not {text!r}"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def window(since: str | None, until: str | None) -> Window:
    """The ``since``/``until`` parameters as a :class:`Window`."""
    return Window(parse_time("since", since), parse_time("until", until))


def parse_tags(values: Sequence[str]) -> dict[str, str]:
    """Repeated ``tag=key=value`` parameters: all must match."""
    tags: dict[str, str] = {}
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise BadQuery(f"tag must be key=value, not {text!r}")
        tags[key.strip()] = value
    return tags


def parse_choice(name: str, text: str | None, choices: Sequence[str]) -> str | None:
    if text is None or text == "":
        return None
    if text not in choices:
        raise BadQuery(f"{name} must be one of {', '.join(choices)}, not {text!r}")
    return text


#: Bucket widths in seconds (UTC boundaries).
BUCKETS = {"hour": 3600, "day": 86400, "week": 7 * 86400}


def parse_bucket(text: str | None) -> str:
    return parse_choice("bucket", text, tuple(BUCKETS)) or "day"


def parse_id(text: str, resolve: Callable[[str], str | None], what: str) -> str:
    """The full id ``resolve`` finds for ``text`` (an id or a unique prefix); 404 when there
    is none, 400 when the prefix is ambiguous."""
    try:
        found = resolve(text)
    except ValueError as exc:
        raise BadQuery(str(exc)) from None
    if found is None:
        raise HTTPException(404, detail=f"no {what} with id {text!r}")
    return found


def found(value: _T | None, what: str, ident: str) -> _T:
    """``value``, or 404 naming what was not found."""
    if value is None:
        raise HTTPException(404, detail=f"no {what} with id {ident!r}")
    return value
