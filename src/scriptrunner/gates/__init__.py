"""Pre-execution security gates (``scriptrunner run --scan code --block-on high``)."""

from __future__ import annotations

from scriptrunner.gates.base import (
    GATES,
    Gate,
    GateContext,
    GateDecision,
    GateFactory,
    GatePolicy,
    combine,
    evaluate,
    get_gate,
    parse_policy,
)
from scriptrunner.gates.record import RUN_BLOCKED, record_blocked, record_gate_scan

__all__ = [
    "GATES",
    "RUN_BLOCKED",
    "Gate",
    "GateContext",
    "GateDecision",
    "GateFactory",
    "GatePolicy",
    "combine",
    "evaluate",
    "get_gate",
    "parse_policy",
    "record_blocked",
    "record_gate_scan",
]
