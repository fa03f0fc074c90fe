"""``/workflows`` (read side): workflow runs, one with its tasks and graph, and the
workflow files under ``--workflows-dir``.  Starting, cancelling and resuming are in
``routes.actions``."""

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
    parse_id,
    window,
)
from scriptrunner.server.queries import runs as run_queries
from scriptrunner.server.queries import workflows as q

router = APIRouter()


@router.get("/workflows")
def list_workflows(
    request: Request,
    status: str | None = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Workflow runs, newest first (``script`` is the workflow file)."""
    filters = run_queries.RunFilters(
        status=status or None, kind="workflow", window=window(since, until)
    )
    return run_queries.list_runs(context_of(request).reader, filters, page_request(limit, cursor))


@router.get("/workflows/{run_id}")
def get_workflow(request: Request, run_id: str) -> dict[str, Any]:
    """The workflow run with ``tasks`` (plan order, pending ones too) and ``edges``."""
    reader = context_of(request).reader
    full = parse_id(run_id, lambda text: run_queries.resolve_run(reader, text), "workflow run")
    return found(q.get_workflow(reader, full), "workflow run", run_id)


@router.get("/workflow-definitions")
def workflow_definitions(request: Request) -> dict[str, Any]:
    """The workflow files the server may start, each loaded and checked."""
    return q.definitions(context_of(request).options.workflows_dirs)
