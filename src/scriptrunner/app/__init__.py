"""The application layer: one composition of store, bus, masking, tracing, signals and
costs, shared by every entry point (the CLI, the Python API, the server)."""

from __future__ import annotations

from scriptrunner.app.requests import (
    GateBlocked,
    RunOutcome,
    RunRequest,
    WorkflowRequest,
    run_options,
)
from scriptrunner.app.session import RunSession

__all__ = [
    "GateBlocked",
    "RunOutcome",
    "RunRequest",
    "RunSession",
    "WorkflowRequest",
    "run_options",
]
