"""Scans: the list, one scan with its findings, and its SARIF document.

The SARIF is rendered from the stored rows by the renderer ``scan --format sarif`` uses
(``findings.sarif.render_sarif``) over a :class:`ScanResult` rebuilt from them.  The store
keeps no help URI, scan root or suppression reason, so those parts of the document are
absent, and a suppressed finding says only that it was suppressed when the scan ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from scriptrunner.findings.model import (
    Finding,
    Location,
    ScanResult,
    Severity,
    Skipped,
    Suppression,
    ToolFailure,
)
from scriptrunner.server.pagination import PageRequest, after_desc_asc, page
from scriptrunner.server.queries.common import Window, fetch, fetch_one, resolve_prefix
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader

SCANS = schema.scans
FINDINGS = schema.findings
SCAN_KINDS = ("code", "deps", "secrets", "gate")
SCAN_STATUSES = ("ok", "findings", "failed")
#: What a rebuilt suppressed finding says: the reason itself is not stored.
STORED_SUPPRESSION = "suppressed when the scan ran (the reason is in that scan's own report)"


@dataclass(frozen=True, slots=True)
class ScanFilters:
    kind: str | None = None
    status: str | None = None
    window: Window = field(default_factory=Window)


def list_scans(reader: HistoryReader, filters: ScanFilters, request: PageRequest) -> dict[str, Any]:
    """Newest first, each with ``findings_count`` (counted findings, not suppressed)."""
    conds = filters.window.on(SCANS.c.started_at)
    if filters.kind:
        conds.append(SCANS.c.kind == filters.kind)
    if filters.status:
        conds.append(SCANS.c.status == filters.status)
    after = after_desc_asc(SCANS.c.started_at, SCANS.c.id, request.after)
    if after is not None:
        conds.append(after)
    q = select(SCANS).where(and_(True, *conds))
    q = q.order_by(SCANS.c.started_at.desc(), SCANS.c.id).limit(request.limit + 1)
    rows = fetch(reader, q)
    counts = _finding_counts(reader, [str(row["id"]) for row in rows])
    for row in rows:
        row["findings_count"] = counts.get(row["id"], 0)
    return page(rows, request, ("started_at", "id"))


def _finding_counts(reader: HistoryReader, scan_ids: list[str]) -> dict[str, int]:
    if not scan_ids:
        return {}
    q = (
        select(FINDINGS.c.scan_id, func.count().label("n"))
        .where(FINDINGS.c.scan_id.in_(scan_ids), FINDINGS.c.suppressed == 0)
        .group_by(FINDINGS.c.scan_id)
    )
    return {str(row["scan_id"]): int(row["n"]) for row in fetch(reader, q)}


def resolve_scan(reader: HistoryReader, prefix: str) -> str | None:
    """A scan's full id from its id or a unique prefix (``common.resolve_prefix``)."""
    return resolve_prefix(reader, SCANS.c.id, prefix, "scan")


def get_scan(reader: HistoryReader, scan_id: str) -> dict[str, Any] | None:
    """The scan's row with ``findings_count`` and every finding row (suppressed ones too,
    marked), in file order."""
    scan = fetch_one(reader, select(SCANS).where(SCANS.c.id == scan_id))
    if scan is None:
        return None
    q = select(FINDINGS).where(FINDINGS.c.scan_id == scan_id)
    q = q.order_by(FINDINGS.c.path, FINDINGS.c.start_line, FINDINGS.c.id)
    found = [finding_item(row) for row in fetch(reader, q)]
    scan["findings_count"] = sum(1 for f in found if not f["suppressed"])
    scan["findings"] = found
    return scan


def finding_item(row: dict[str, Any]) -> dict[str, Any]:
    row["suppressed"] = bool(row.get("suppressed"))
    return row


def scan_result(scan: dict[str, Any]) -> ScanResult:
    """The :class:`ScanResult` a stored scan (``get_scan``'s answer) describes."""
    counted: list[Finding] = []
    suppressed: list[Finding] = []
    for row in scan["findings"]:
        finding = Finding(
            tools=tuple(row["tools"]) or ("scriptrunner",),
            rule_id=row["rule_id"],
            title=row["title"],
            message=row["message"],
            severity=Severity[row["severity"]],
            confidence=row.get("confidence"),
            location=Location(
                path=row.get("path") or "",
                start_line=row.get("start_line") or 1,
                end_line=row.get("end_line"),
                start_column=row.get("start_column"),
                end_column=row.get("end_column"),
            ),
            cwe=tuple(row.get("cwe") or ()),
            fingerprint=row["fingerprint"],
            properties=dict(row.get("properties") or {}),
            suppression=Suppression("external", STORED_SUPPRESSION) if row["suppressed"] else None,
        )
        (suppressed if row["suppressed"] else counted).append(finding)
    errors = scan.get("errors") or []
    return ScanResult(
        findings=tuple(counted),
        suppressed=tuple(suppressed),
        skipped=tuple(
            Skipped(str(e["target"]), str(e.get("reason", "")), e.get("tool"))
            for e in errors
            if "target" in e
        ),
        failures=tuple(
            ToolFailure(str(e["tool"]), str(e.get("message", "")))
            for e in errors
            if "target" not in e and "tool" in e
        ),
        tools=dict(scan.get("tools") or {}),
        targets=tuple(str(t) for t in scan.get("targets") or ()),
    )


def scan_sarif(scan: dict[str, Any]) -> str:
    """The scan as the SARIF 2.1.0 text ``scan --format sarif`` writes (its renderer)."""
    from scriptrunner.findings.sarif import render_sarif

    return render_sarif(scan_result(scan))
