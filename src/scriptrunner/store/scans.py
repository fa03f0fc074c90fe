"""Writing scans and their findings (``scans`` / ``findings`` tables, schema v3).

Scans are not on a run's hot path, so this goes through SQLAlchemy on any store URL
(``migrated_engine`` creates or upgrades the schema), in one transaction with the
``scan.completed`` event.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import StoreError
from scriptrunner.findings.model import Finding, ScanResult

if TYPE_CHECKING:
    from scriptrunner.events import Event

SCAN_COMPLETED = "scan.completed"
VULNERABILITY_DETECTED = "vulnerability.detected"
SECRET_DETECTED = "secret.detected"

#: Tool name -> the event each of its (unsuppressed) findings emits.  Keyed by tool, not by
#: scan kind, so a pre-execution gate scan mixing kinds emits the right events too.
FINDING_EVENTS: dict[str, str] = {
    "osv-db": VULNERABILITY_DETECTED,
    "osv-api": VULNERABILITY_DETECTED,
    "safety": VULNERABILITY_DETECTED,
    "osv-scanner": VULNERABILITY_DETECTED,
    "scriptrunner-deps": VULNERABILITY_DETECTED,
    "scriptrunner-secrets": SECRET_DETECTED,
}

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


def finding_events(
    scan_id: str, result: ScanResult, *, run_id: str | None, ts: float
) -> list[Event]:
    """One ``vulnerability.detected`` / ``secret.detected`` event per counted finding."""
    from scriptrunner.events import Event

    events: list[Event] = []
    for f in result.findings:
        etype = next((FINDING_EVENTS[t] for t in f.tools if t in FINDING_EVENTS), None)
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
        events.append(Event(etype, run_id, payload, ts=ts))
    return events


def record_scan(
    url: str,
    kind: str,
    result: ScanResult,
    *,
    started_at: float,
    finished_at: float | None = None,
    run_id: str | None = None,
    busy_timeout: float = 30.0,
) -> str:
    """Store ``result``, its findings and events (per finding, then ``scan.completed``).

    Returns the scan id.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from scriptrunner.events import Event
    from scriptrunner.store import schema
    from scriptrunner.store.base import event_row
    from scriptrunner.store.sqla import migrated_engine, safe_url

    scan_id = os.urandom(16).hex()
    finished = finished_at if finished_at is not None else time.time()
    row = scan_row(
        scan_id, kind, result, started_at=started_at, finished_at=finished, run_id=run_id
    )
    rows = [finding_row(scan_id, f) for f in (*result.findings, *result.suppressed)]
    event = Event(
        SCAN_COMPLETED,
        run_id,
        {
            "scan_id": scan_id,
            "kind": kind,
            "status": row["status"],
            "counts": row["counts"],
            "tools": row["tools"],
        },
        ts=finished,
    )
    engine = migrated_engine(url, busy_timeout=busy_timeout)
    try:
        with engine.begin() as conn:
            conn.execute(schema.scans.insert(), [row])
            if rows:
                conn.execute(schema.findings.insert(), rows)
            per_finding = finding_events(scan_id, result, run_id=run_id, ts=finished)
            conn.execute(schema.events.insert(), [event_row(e) for e in (*per_finding, event)])
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record a scan in history store {safe_url(url)}: {exc}") from exc
    finally:
        engine.dispose()
    return scan_id
