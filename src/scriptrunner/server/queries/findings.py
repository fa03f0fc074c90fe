"""Findings across scans (the security page): filtered lists, vulnerabilities, secrets and
the trend by severity over time.

Secret findings hold only what the secret scanner stored: a redacted form and a
fingerprint, never the value (the store never receives it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func, or_, select

from scriptrunner.findings.model import Severity
from scriptrunner.server.pagination import PageRequest, after_desc_asc, page
from scriptrunner.server.queries.common import Window, fetch
from scriptrunner.server.queries.scans import FINDINGS, SCANS, finding_item
from scriptrunner.store.reader import HistoryReader

SEVERITIES = tuple(s.name for s in Severity)


@dataclass(frozen=True, slots=True)
class FindingFilters:
    """``path`` is a file or a directory (its files); ``tool`` any tool that reported it;
    ``suppressed`` ``None``: both."""

    severity: str | None = None
    tool: str | None = None
    rule: str | None = None
    path: str | None = None
    kind: str | None = None
    suppressed: bool | None = None
    window: Window = field(default_factory=Window)

    def conditions(self) -> list[ColumnElement[bool]]:
        conds = self.window.on(SCANS.c.started_at)
        if self.severity:
            conds.append(FINDINGS.c.severity == self.severity)
        if self.tool:
            # ``tools`` is a JSON list of names: match the quoted element in its text.
            conds.append(cast(FINDINGS.c.tools, Text).contains(f'"{self.tool}"', autoescape=True))
        if self.rule:
            conds.append(FINDINGS.c.rule_id == self.rule)
        if self.path:
            base = self.path.rstrip("/")
            conds.append(
                or_(
                    FINDINGS.c.path == base, FINDINGS.c.path.startswith(f"{base}/", autoescape=True)
                )
            )
        if self.kind:
            conds.append(SCANS.c.kind == self.kind)
        if self.suppressed is not None:
            conds.append(FINDINGS.c.suppressed == (1 if self.suppressed else 0))
        return conds


def list_findings(
    reader: HistoryReader, filters: FindingFilters, request: PageRequest
) -> dict[str, Any]:
    """Findings of the newest scans first (then in stored order), each with ``scan_id``,
    ``scan_kind`` and ``scan_started_at``."""
    conds = filters.conditions()
    after = after_desc_asc(SCANS.c.started_at, FINDINGS.c.id, request.after)
    if after is not None:
        conds.append(after)
    q = select(
        FINDINGS, SCANS.c.kind.label("scan_kind"), SCANS.c.started_at.label("scan_started_at")
    ).join(SCANS, SCANS.c.id == FINDINGS.c.scan_id)
    q = q.where(and_(True, *conds)).order_by(SCANS.c.started_at.desc(), FINDINGS.c.id)
    rows = [finding_item(row) for row in fetch(reader, q.limit(request.limit + 1))]
    return page(rows, request, ("scan_started_at", "id"))


def trend(reader: HistoryReader, filters: FindingFilters, width: int) -> dict[str, Any]:
    """Counted (not suppressed) findings per time bucket (UTC, ``width`` seconds) and
    severity, oldest bucket first; every severity is present in every item."""
    conds = [*filters.conditions(), FINDINGS.c.suppressed == 0]
    q = (
        select(SCANS.c.started_at, FINDINGS.c.severity, func.count().label("n"))
        .join(SCANS, SCANS.c.id == FINDINGS.c.scan_id)
        .where(and_(True, *conds))
        .group_by(SCANS.c.id, SCANS.c.started_at, FINDINGS.c.severity)
    )
    buckets: dict[float, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    for row in fetch(reader, q):
        start = float(int(row["started_at"] // width) * width)
        counts = buckets[start]
        counts[row["severity"]] = counts.get(row["severity"], 0) + int(row["n"])
    return {
        "bucket_seconds": width,
        "items": [{"bucket": b, **buckets[b]} for b in sorted(buckets)],
    }
