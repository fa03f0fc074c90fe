"""``/scans``: scans (code, dependencies, secrets, gates), one with its findings, and its
SARIF download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

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
    window,
)
from scriptrunner.server.queries import scans as q

router = APIRouter()

SARIF_TYPE = "application/sarif+json"


@router.get("/scans")
def list_scans(
    request: Request,
    kind: str | None = None,
    status: str | None = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Scans, newest first, each with ``findings_count``."""
    filters = q.ScanFilters(
        kind=parse_choice("kind", kind, q.SCAN_KINDS),
        status=parse_choice("status", status, q.SCAN_STATUSES),
        window=window(since, until),
    )
    return q.list_scans(context_of(request).reader, filters, page_request(limit, cursor))


@router.get(
    "/scans/{scan_id}",
    responses={200: {"content": {SARIF_TYPE: {}}, "description": "the scan, JSON or SARIF"}},
)
def get_scan(request: Request, scan_id: str, format: str | None = None) -> Any:
    """The scan with its findings; ``format=sarif``: the SARIF 2.1.0 file the CLI writes,
    as a download."""
    chosen = parse_choice("format", format, ("json", "sarif"))
    reader = context_of(request).reader
    full = parse_id(scan_id, lambda text: q.resolve_scan(reader, text), "scan")
    scan = found(q.get_scan(reader, full), "scan", scan_id)
    if chosen != "sarif":
        return scan
    return Response(
        q.scan_sarif(scan),
        media_type=SARIF_TYPE,
        headers={"Content-Disposition": f'attachment; filename="scan-{full[:12]}.sarif"'},
    )
