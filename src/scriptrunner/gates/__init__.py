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

__all__ = [
    "GATES",
    "Gate",
    "GateContext",
    "GateDecision",
    "GateFactory",
    "GatePolicy",
    "combine",
    "evaluate",
    "get_gate",
    "parse_policy",
]
