"""The pre-execution gate of ``scriptrunner run --scan KINDS``: scan the script, print and
record the decision, refuse to run it when blocked.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from scriptrunner.cli.scan.report import record

if TYPE_CHECKING:
    from pathlib import Path

    from scriptrunner.core.spec import RunSpec
    from scriptrunner.settings import Settings


def gate_targets(spec: RunSpec) -> Path:
    """The script a gate scans: SCRIPT.py, or the first existing .py among a command's words."""
    from pathlib import Path

    from scriptrunner.errors import ConfigError

    if spec.script:
        return Path(spec.script)
    base = Path(spec.cwd or ".")
    for word in spec.command[1:]:
        candidate = Path(word) if Path(word).is_absolute() else base / word
        if word.endswith(".py") and candidate.is_file():
            return candidate
    raise ConfigError(
        "--scan needs a Python script to scan: give SCRIPT.py, or a command that runs an "
        "existing .py file"
    )


def run_gate(args: argparse.Namespace, settings: Settings, spec: RunSpec) -> str:
    """Scan before running; raise ``SecurityError`` if blocked, else return the run id.

    The returned id is the one the run must use: the gate's scan is stored under it.
    """
    from scriptrunner.errors import SecurityError
    from scriptrunner.findings import render_table
    from scriptrunner.findings.model import ScanResult
    from scriptrunner.gates import GateContext, evaluate, parse_policy, record_blocked

    policy = parse_policy(args.scan, args.block_on)
    script = gate_targets(spec)
    started = time.time()
    import dataclasses
    from pathlib import Path

    requirements = getattr(args, "requirements", None)
    if requirements and "deps" not in policy.kinds:
        from scriptrunner.errors import ConfigError

        raise ConfigError("--requirements needs --scan deps")
    context = dataclasses.replace(
        GateContext.from_settings(settings),
        store_url=None,
        requirements=Path(requirements) if requirements else None,
    )
    decision = evaluate(policy, script, context)
    if decision.blocked:
        shown = ScanResult(
            findings=decision.blocking,
            skipped=decision.unanalysed,
            tools=decision.result.tools,
            root=decision.result.root,
        )
        print(render_table(shown, color=sys.stderr.isatty()), end="", file=sys.stderr)
        reason = decision.reason(policy)
        run_id = record_blocked(
            settings,
            script=spec.script,
            command=spec.command,
            cwd=spec.resolved_cwd(),
            tags=spec.tags,
            result=decision.result,
            reason=reason,
            started_at=started,
        )
        raise SecurityError(f"{script}: not run: {reason} (recorded as blocked run {run_id[:12]})")
    from scriptrunner.gates.record import new_run_id

    run_id = new_run_id()
    record(settings, "gate", decision.result, started_at=started, run_id=run_id)
    if not args.quiet:
        n = len(decision.result.findings)
        print(
            f"scriptrunner: {','.join(policy.kinds)} scan passed "
            f"({n} finding(s) below {policy.block_on.name.lower()})",
            file=sys.stderr,
        )
    return run_id
