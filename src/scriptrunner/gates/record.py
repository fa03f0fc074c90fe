"""Recording a gate's decision through the event spine: its scan (kind ``gate``) under the
run it decided, and, when it blocked, a ``runs`` row with status ``blocked`` and its
``run.blocked`` event."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from scriptrunner.errors import SecurityError
from scriptrunner.events import RUN_BLOCKED, Event
from scriptrunner.gates.base import GateDecision
from scriptrunner.store import rows
from scriptrunner.store.recorder import Recorder


def record_gate_scan(
    recorder: Recorder, decision: GateDecision, *, run_id: str, started_at: float
) -> str:
    """Store the gate's combined scan under ``run_id``; returns the scan id."""
    return recorder.record_scan(
        "gate",
        decision.result,
        started_at=started_at,
        finished_at=time.time(),
        run_id=run_id,
        tool_kinds=decision.tool_kinds,
    )


def blocked_event(
    run_id: str,
    *,
    script: str | None,
    reason: str,
    findings: int,
    task: str | None = None,
    ts: float | None = None,
) -> Event:
    payload: dict[str, object] = {"script": script}
    if task is not None:
        payload["task"] = task
    payload.update(reason=reason, findings=findings)
    return Event(RUN_BLOCKED, run_id, payload, ts=time.time() if ts is None else ts)


def record_blocked(
    recorder: Recorder,
    decision: GateDecision,
    *,
    run_id: str,
    script: str | None,
    command: Sequence[str],
    cwd: str,
    tags: Mapping[str, str],
    reason: str,
    started_at: float,
) -> None:
    """Insert the blocked run (with its ``run.blocked`` event), then its gate scan."""
    now = time.time()
    row = rows.run_start_row(
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
    event = blocked_event(
        run_id, script=script, reason=reason, findings=len(decision.result.findings), ts=now
    )
    recorder.start_run(row, [event])
    record_gate_scan(recorder, decision, run_id=run_id, started_at=started_at)
