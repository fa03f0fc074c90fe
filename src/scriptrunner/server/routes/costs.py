"""``/costs``: attributed cloud costs per run, grouped over time, and the top scripts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from scriptrunner.server.context import context_of
from scriptrunner.server.pagination import (
    DEFAULT_LIMIT,
    BadQuery,
    Cursor,
    Limit,
    Since,
    Until,
    page_request,
    parse_bucket,
    window,
)
from scriptrunner.server.queries import costs as q

router = APIRouter()


@router.get("/costs")
def costs(
    request: Request,
    group_by: str | None = None,
    since: Since = None,
    until: Until = None,
    bucket: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Per run (newest first), or with ``group_by=component|provider|service|tag:KEY`` the
    sums per time bucket and group."""
    reader = context_of(request).reader
    span = window(since, until)
    if not group_by:
        return q.run_costs(reader, span, page_request(limit, cursor))
    if group_by not in q.GROUPS and not (group_by.startswith("tag:") and group_by[4:].strip()):
        raise BadQuery(
            f"group_by must be one of {', '.join(q.GROUPS)} or tag:KEY, not {group_by!r}"
        )
    return q.grouped(reader, group_by, span, parse_bucket(bucket))


@router.get("/costs/top")
def top(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 10,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    """The most expensive scripts: ``[{"script", "usd", "runs"}]``."""
    return q.top_scripts(context_of(request).reader, window(since, until), limit)
