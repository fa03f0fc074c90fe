"""Scans and their findings as rows and events (``scans`` / ``findings`` tables, schema v3).

Pure builders: :meth:`scriptrunner.store.recorder.Recorder.record_scan` writes what
:func:`scan_records` returns through the history store (``HistoryStore.record_scan``), in
one transaction with the scan's events, and then publishes them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scriptrunner import events as ev
from scriptrunner.findings.model import Finding, ScanResult

#: Finding properties copied into its event: identifiers and redacted forms only, so a
#: secret value can never reach the events table (secret findings only carry redactions).
_EVENT_PROPERTIES = (
    "package",
    "version",
    "aliases",
    "fix",
    "minimal_upgrade",
    "redacted",
    "commit",
)


@dataclass(frozen=True, slots=True)
class ScanRecords:
    """What one scan adds to the store: its row, its findings' rows and its events."""

    scan_id: str
    row: Mapping[str, Any]
    findings: tuple[Mapping[str, Any], ...]
    events: tuple[ev.Event, ...]


def scan_status(result: ScanResult) -> str:
    """``failed`` (a tool did not run), ``findings`` or ``ok``."""
    if not result.complete:
        return "failed"
    return "findings" if result.findings else "ok"


def scan_row(
    scan_id: str,
    kind: str,
    result: ScanResult,
    *,
    started_at: float,
    finished_at: float,
    run_id: str | None = None,
) -> dict[str, Any]:
    errors: list[dict[str, Any]] = [{"tool": e.tool, "message": e.message} for e in result.failures]
    errors += [{"target": s.target, "reason": s.reason, "tool": s.tool} for s in result.skipped]
    return {
        "id": scan_id,
        "kind": kind,
        "run_id": run_id,
        "targets": list(result.targets),
        "tools": dict(result.tools),
        "status": scan_status(result),
        "started_at": started_at,
        "finished_at": finished_at,
        "counts": result.counts(),
        "errors": errors,
    }


def finding_row(scan_id: str, f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "scan_id": scan_id,
        "fingerprint": f.fingerprint,
        "tools": list(f.tools),
        "rule_id": f.rule_id,
        "title": f.title,
        "message": f.message,
        "severity": f.severity.name,
        "confidence": f.confidence,
        "path": loc.path,
        "start_line": loc.start_line,
        "end_line": loc.end_line,
        "start_column": loc.start_column,
        "end_column": loc.end_column,
        "cwe": list(f.cwe),
        "suppressed": 1 if f.suppressed else 0,
        "properties": dict(f.properties),
    }


def finding_event_type(
    kind: str, finding: Finding, tool_kinds: Mapping[str, str] | None = None
) -> str | None:
    """The per-finding event of a finding of a ``kind`` scan; a ``gate`` scan (several
    kinds) finds each finding's kind through the tools each gate ran (``tool_kinds``)."""
    if kind not in ev.FINDING_EVENTS and tool_kinds:
        kind = next((tool_kinds[t] for t in finding.tools if t in tool_kinds), kind)
    return ev.FINDING_EVENTS.get(kind)


def finding_events(
    scan_id: str,
    kind: str,
    result: ScanResult,
    *,
    run_id: str | None,
    ts: float,
    tool_kinds: Mapping[str, str] | None = None,
) -> list[ev.Event]:
    """One ``finding.detected`` / ``vulnerability.detected`` / ``secret.detected`` event
    per counted finding."""
    events: list[ev.Event] = []
    for f in result.findings:
        etype = finding_event_type(kind, f, tool_kinds)
        if etype is None:
            continue
        payload: dict[str, Any] = {
            "scan_id": scan_id,
            "rule_id": f.rule_id,
            "severity": f.severity.name,
            "confidence": f.confidence,
            "path": f.location.path,
            "line": f.location.start_line,
            "fingerprint": f.fingerprint,
        }
        payload.update({k: f.properties[k] for k in _EVENT_PROPERTIES if k in f.properties})
        events.append(ev.Event(etype, run_id, payload, ts=ts))
    return events


def scan_records(
    kind: str,
    result: ScanResult,
    *,
    started_at: float,
    finished_at: float,
    run_id: str | None = None,
    tool_kinds: Mapping[str, str] | None = None,
) -> ScanRecords:
    """The rows and events of one scan: per-finding events, then ``scan.completed``."""
    scan_id = os.urandom(16).hex()
    row = scan_row(
        scan_id, kind, result, started_at=started_at, finished_at=finished_at, run_id=run_id
    )
    findings = tuple(finding_row(scan_id, f) for f in (*result.findings, *result.suppressed))
    completed = ev.Event(
        ev.SCAN_COMPLETED,
        run_id,
        {
            "scan_id": scan_id,
            "kind": kind,
            "status": row["status"],
            "counts": row["counts"],
            "tools": row["tools"],
        },
        ts=finished_at,
    )
    per_finding = finding_events(
        scan_id, kind, result, run_id=run_id, ts=finished_at, tool_kinds=tool_kinds
    )
    return ScanRecords(scan_id, row, findings, (*per_finding, completed))
