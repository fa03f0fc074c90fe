"""``/findings`` across scans (with their trend), ``/vulnerabilities`` and ``/secrets``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from scriptrunner.server.context import context_of
from scriptrunner.server.pagination import (
    BUCKETS,
    DEFAULT_LIMIT,
    BadQuery,
    Cursor,
    Limit,
    Since,
    Until,
    page_request,
    parse_bucket,
    parse_choice,
    window,
)
from scriptrunner.server.queries import findings as q
from scriptrunner.server.queries.scans import SCAN_KINDS

router = APIRouter()


def _filters(
    severity: str | None = None,
    tool: str | None = None,
    rule: str | None = None,
    path: str | None = None,
    suppressed: bool | None = None,
    since: Since = None,
    until: Until = None,
) -> q.FindingFilters:
    level = severity.strip().upper() if severity else None
    if level is not None and level not in q.SEVERITIES:
        raise BadQuery(f"severity must be one of {', '.join(q.SEVERITIES)}, not {severity!r}")
    return q.FindingFilters(
        severity=level,
        tool=tool or None,
        rule=rule or None,
        path=path or None,
        suppressed=suppressed,
        window=window(since, until),
    )


Filters = Annotated[q.FindingFilters, Depends(_filters)]


@router.get("/findings")
def list_findings(
    request: Request,
    filters: Filters,
    kind: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Findings of the newest scans first, with ``scan_id``, ``scan_kind``,
    ``scan_started_at``; ``path`` is a file or a directory."""
    chosen = parse_choice("kind", kind, SCAN_KINDS)
    return _list(request, replace(filters, kind=chosen), limit, cursor)


@router.get("/findings/trend")
def findings_trend(
    request: Request, filters: Filters, kind: str | None = None, bucket: str | None = None
) -> dict[str, Any]:
    """Counted findings per time bucket (hour, day or week, UTC) and severity."""
    chosen = replace(filters, kind=parse_choice("kind", kind, SCAN_KINDS))
    width = BUCKETS[parse_bucket(bucket)]
    return q.trend(context_of(request).reader, chosen, width)


@router.get("/vulnerabilities")
def vulnerabilities(
    request: Request, filters: Filters, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    """Findings of dependency scans."""
    return _list(request, replace(filters, kind="deps"), limit, cursor)


@router.get("/secrets")
def secrets(
    request: Request, filters: Filters, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    """Findings of secret scans: redacted forms and fingerprints only, as stored."""
    return _list(request, replace(filters, kind="secrets"), limit, cursor)


def _list(
    request: Request, filters: q.FindingFilters, limit: int, cursor: str | None
) -> dict[str, Any]:
    return q.list_findings(context_of(request).reader, filters, page_request(limit, cursor))
