"""Pre-execution security gates for workflow tasks (``security:`` in the workflow file)."""

from __future__ import annotations

import time
from pathlib import Path

from scriptrunner.core.spec import RunSpec
from scriptrunner.gates.base import GateContext, GatePolicy, evaluate
from scriptrunner.gates.record import record_gate_scan
from scriptrunner.store.recorder import Recorder
from scriptrunner.workflows.model import TaskInstance
from scriptrunner.workflows.results import TaskResult


def check(
    inst: TaskInstance,
    spec: RunSpec,
    policy: GatePolicy,
    context: GateContext,
    task_run_id: str,
    recorder: Recorder,
) -> tuple[TaskResult, int] | None:
    """Scan the task's script: None if it may run, else its ``blocked`` result and the
    number of findings.  The scan is recorded under ``task_run_id``; a ``ScannerError``
    propagates (the task then ends as ``error``: fail closed)."""
    assert spec.script is not None  # only script tasks have a policy
    started = time.time()
    decision = evaluate(policy, Path(spec.script), context)
    record_gate_scan(recorder, decision, run_id=task_run_id, started_at=started)
    if not decision.blocked:
        return None
    result = TaskResult(
        inst.id,
        inst.task.name,
        "blocked",
        reason=f"blocked by a security gate: {decision.reason(policy)}",
        continue_on_error=inst.task.continue_on_error,
    )
    return result, len(decision.result.findings)
