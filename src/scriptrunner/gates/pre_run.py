"""The gate before a single run (``scriptrunner run --scan KINDS``): decide, record, report.

The caller prints; this module decides and records.  What is scanned is decided by
:mod:`scriptrunner.gates.target` (the code that will run, or ``--scan-path``).  A blocked run never starts: it is
stored as a ``blocked`` run with its scan, and :func:`check_before_run` returns the
decision for the caller to show and raise on.  A run that may start gets the id the scan
was stored under, so the run and its gate scan are joined in history.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import ScanResult
from scriptrunner.gates.base import GateContext, GateDecision, GatePolicy, evaluate
from scriptrunner.gates.record import record_blocked, record_gate_scan
from scriptrunner.gates.target import gate_target
from scriptrunner.results import new_run_id
from scriptrunner.store.recorder import Recorder


@dataclass(frozen=True, slots=True)
class PreRunOutcome:
    """The gate's decision for one run, the script it scanned, and the run id it used."""

    policy: GatePolicy
    decision: GateDecision
    script: Path
    run_id: str
    #: What the gates scanned, for the user (``evil/ (package)``, ``job.py``).
    scanned: str = ""

    @property
    def blocked(self) -> bool:
        return self.decision.blocked

    @property
    def reason(self) -> str:
        return self.decision.reason(self.policy)

    def shown(self) -> ScanResult:
        """What blocked the run, as a scan result for the findings table."""
        d = self.decision
        return ScanResult(
            findings=d.blocking, skipped=d.unanalysed, tools=d.result.tools, root=d.result.root
        )


def check_before_run(
    policy: GatePolicy,
    spec: RunSpec,
    context: GateContext,
    recorder: Recorder,
    *,
    requirements: Path | None = None,
    scan_paths: Sequence[str] = (),
    run_id: str | None = None,
) -> PreRunOutcome:
    """Scan what ``spec`` will run (or exactly ``scan_paths``, ``run --scan-path``) and
    record the decision under ``run_id`` (a new id when None); raises ``ConfigError`` when the code that will run cannot be
    identified (``gates/target.py``) and ``ScannerError`` when a gate cannot run (fail
    closed)."""
    target = gate_target(spec, scan_paths)
    started = time.time()
    if requirements is not None and "deps" not in policy.kinds:
        raise ConfigError("--requirements needs --scan deps")
    context = dataclasses.replace(context, requirements=requirements)
    decision = evaluate(policy, target.primary, context, extra=target.extra)
    run_id = run_id or new_run_id()
    outcome = PreRunOutcome(policy, decision, target.primary, run_id, target.described)
    if decision.blocked:
        record_blocked(
            recorder,
            decision,
            run_id=run_id,
            script=spec.script,
            command=spec.command,
            cwd=spec.resolved_cwd(),
            tags=spec.tags,
            reason=outcome.reason,
            started_at=started,
        )
    else:
        record_gate_scan(recorder, decision, run_id=run_id, started_at=started)
    return outcome
