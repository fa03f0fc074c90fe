"""``/traces``: traces recorded in the store, and one trace's spans."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from scriptrunner.server.context import context_of
from scriptrunner.server.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Since,
    Until,
    found,
    page_request,
    window,
)
from scriptrunner.server.queries import traces as q

router = APIRouter()


@router.get("/traces")
def list_traces(
    request: Request,
    run_id: str | None = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Traces, the most recently started first (``run_id``: those with a span of that run)."""
    return q.list_traces(
        context_of(request).reader,
        run_id or None,
        window(since, until),
        page_request(limit, cursor),
    )


@router.get("/traces/{trace_id}")
def get_trace(request: Request, trace_id: str) -> dict[str, Any]:
    """The trace's spans in start order, with attributes and events."""
    return found(q.get_trace(context_of(request).reader, trace_id), "trace", trace_id)
