"""``/runs``: the run list, one run, its samples, its output, a script's statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from scriptrunner.server.context import context_of
from scriptrunner.server.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Since,
    Until,
    found,
    page_request,
    parse_choice,
    parse_id,
    parse_tags,
    window,
)
from scriptrunner.server.queries import runs as q
from scriptrunner.server.queries.stats import script_stats

router = APIRouter()

KINDS = ("run", "workflow", "task")


@router.get("/runs")
def list_runs(
    request: Request,
    status: str | None = None,
    script: str | None = None,
    tag: Annotated[list[str] | None, Query(description="key=value, repeatable: all match")] = None,
    since: Since = None,
    until: Until = None,
    kind: str | None = None,
    top_level: bool = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Runs, newest first (``started_at desc, id``), filtered and keyset-paginated."""
    filters = q.RunFilters(
        status=status or None,
        script=script or None,
        kind=parse_choice("kind", kind, KINDS),
        top_level=top_level,
        tags=parse_tags(tag or ()),
        window=window(since, until),
    )
    return q.list_runs(context_of(request).reader, filters, page_request(limit, cursor))


@router.get("/runs/stats")
def run_stats(
    request: Request,
    script: str | None = None,
    bucket: str | None = None,
) -> dict[str, Any]:
    """One script's failure rate, duration percentiles and its last 500 finished runs
    (``bucket`` is accepted for the charts' sake: the series is per run)."""
    parse_choice("bucket", bucket, ("hour", "day", "week"))
    return script_stats(context_of(request).reader, script or None)


def _run_id(request: Request, run_id: str) -> str:
    reader = context_of(request).reader
    return parse_id(run_id, lambda text: q.resolve_run(reader, text), "run")


@router.get("/runs/{run_id}")
def get_run(request: Request, run_id: str) -> dict[str, Any]:
    """One run (id or a unique prefix of 4+ characters) with its attempts, metrics, gate
    scan and trace id."""
    full = _run_id(request, run_id)
    return found(q.get_run(context_of(request).reader, full), "run", run_id)


@router.get("/runs/{run_id}/samples")
def run_samples(request: Request, run_id: str) -> dict[str, Any]:
    """The run's metric samples, by attempt then time."""
    return q.samples(context_of(request).reader, _run_id(request, run_id))


@router.get("/runs/{run_id}/output")
def run_output(
    request: Request,
    run_id: str,
    stream: str | None = None,
) -> dict[str, Any]:
    """The run's stored output tails (one stream with ``stream=stdout|stderr``)."""
    chosen = parse_choice("stream", stream, ("stdout", "stderr"))
    return q.output(context_of(request).reader, _run_id(request, run_id), chosen)
