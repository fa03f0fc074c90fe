"""The application layer: one composition of store, bus, masking, tracing, signals and
costs, shared by every entry point (the CLI, the Python API, the server).

Names are imported lazily: ``scriptrunner run`` pays for what a run uses only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptrunner.app.requests import GateBlocked, RunOutcome, RunRequest, run_options
    from scriptrunner.app.session import RunSession
    from scriptrunner.app.workflow_request import WorkflowRequest

_EXPORTS = {
    "GateBlocked": "requests",
    "RunOutcome": "requests",
    "RunRequest": "requests",
    "run_options": "requests",
    "RunSession": "session",
    "WorkflowRequest": "workflow_request",
}

__all__ = [
    "GateBlocked",
    "RunOutcome",
    "RunRequest",
    "RunSession",
    "WorkflowRequest",
    "run_options",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"scriptrunner.app.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'scriptrunner.app' has no attribute {name!r}")
