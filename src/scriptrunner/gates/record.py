"""Recording a blocked run: a ``runs`` row with status ``blocked`` and its gate scan."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from scriptrunner.errors import SecurityError
from scriptrunner.events import Event
from scriptrunner.findings.model import ScanResult

if TYPE_CHECKING:
    from scriptrunner.settings import Settings

RUN_BLOCKED = "run.blocked"


def new_run_id() -> str:
    import os

    return os.urandom(16).hex()


def record_blocked(
    settings: Settings,
    *,
    script: str | None,
    command: Sequence[str],
    cwd: str,
    tags: Mapping[str, str],
    result: ScanResult,
    reason: str,
    started_at: float,
) -> str:
    """Insert the blocked run and its scan (``run_id`` set); returns the run id."""
    from scriptrunner.store import open_store
    from scriptrunner.store.rows import run_start_row

    run_id = new_run_id()
    now = time.time()
    row = run_start_row(
        run_id=run_id,
        kind="run",
        script=script,
        command=command,
        cwd=cwd,
        tags=tags,
        started_at=started_at,
    )
    row.update(
        status="blocked",
        exit_code=SecurityError.exit_code,
        finished_at=now,
        duration_seconds=now - started_at,
        error=f"blocked by a security gate: {reason}",
    )
    event = Event(
        RUN_BLOCKED,
        run_id,
        {"script": script, "reason": reason, "findings": len(result.findings)},
        ts=now,
    )
    store = open_store(settings)
    try:
        store.start_run(row, [event])
    finally:
        store.close()
    record_gate_scan(
        settings.store_url,
        result,
        run_id=run_id,
        started_at=started_at,
        finished_at=now,
        busy_timeout=settings.busy_timeout,
    )
    return run_id


def record_gate_scan(
    store_url: str,
    result: ScanResult,
    *,
    run_id: str,
    started_at: float,
    finished_at: float | None = None,
    busy_timeout: float = 30.0,
) -> str:
    """Store a gate's scan (kind ``gate``) under the run it decided; returns the scan id."""
    from scriptrunner.store.scans import record_scan

    return record_scan(
        store_url,
        "gate",
        result,
        started_at=started_at,
        finished_at=finished_at,
        run_id=run_id,
        busy_timeout=busy_timeout,
    )
