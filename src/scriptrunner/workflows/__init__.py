"""Workflow engine: YAML/JSON workflows with DAGs, conditions, matrices, retries, outputs.

Names imported lazily, so ``import scriptrunner.workflows`` stays cheap::

    from scriptrunner.workflows import load_workflow, expand, evaluate_expression

Running a workflow composes the application layer above this package: use
``from scriptrunner import run_workflow``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
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
    if name == "run_workflow":
        raise AttributeError(
            "scriptrunner.workflows.run_workflow moved: use `from scriptrunner import run_workflow`"
        )
    raise AttributeError(f"module 'scriptrunner.workflows' has no attribute {name!r}")
