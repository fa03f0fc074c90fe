"""Workflow engine: YAML/JSON workflows with DAGs, conditions, matrices, retries, outputs.

Public API (imported lazily, so ``import scriptrunner.workflows`` stays cheap)::

    from scriptrunner.workflows import run_workflow, load_workflow, evaluate_expression
    result = run_workflow("nightly.yaml", max_parallel=4)
    result.ok, result.tasks["transform"].outputs
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_workflow": "api",
    "load_workflow": "loader",
    "parse_workflow": "loader",
    "workflow_from_dict": "loader",
    "expand": "dag",
    "WorkflowEngine": "engine",
    "EngineOptions": "engine",
    "WorkflowSpec": "model",
    "TaskSpec": "model",
    "Plan": "model",
    "TaskInstance": "model",
    "WorkflowResult": "results",
    "TaskResult": "results",
    "evaluate_expression": "expressions",
    "evaluate_condition": "expressions",
    "ExpressionError": "expressions",
    "TaskStatus": "expressions",
    "make_executor": "executors",
    "Executor": "executors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"scriptrunner.workflows.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'scriptrunner.workflows' has no attribute {name!r}")
