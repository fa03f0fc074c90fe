"""Conditions on the ``runs`` table shared by the readers (history, stats, the dashboard)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table


def is_flaky(runs: Table) -> ColumnElement[bool]:
    """A run or task that succeeded after more than one attempt (a workflow's own row
    counts its tasks in ``attempts``, so it is never flaky itself)."""
    return (runs.c.status == "succeeded") & (runs.c.attempts > 1) & (runs.c.kind != "workflow")


def script_is(column: ColumnElement[Any], script: str) -> ColumnElement[bool]:
    """``column`` is ``script``, or a path ending in ``/script``: the user's text is matched
    literally (autoescape: ``_`` and ``%`` are characters, not LIKE wildcards)."""
    return (column == script) | column.endswith(f"/{script}", autoescape=True)
