"""Renderers of a :class:`Plan`: Mermaid and Graphviz graphs, and rows for a table.

Instance ids such as ``extract (day=mon)`` are not valid graph node ids, so each gets a
sanitised id (``t_extract_day_mon``, made unique) and keeps its text as a quoted label.
Tasks with a condition other than the default are drawn dashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from scriptrunner.workflows.explain import effective_condition
from scriptrunner.workflows.model import Plan

_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")
# Mermaid labels are HTML: quote, hash (its escape character) and angle brackets are
# written as numeric entity codes ("#34;"), the escape Mermaid documents.
_MERMAID_ESCAPES = {"#": "#35;", '"': "#34;", "<": "#60;", ">": "#62;"}


class PlanRow(NamedTuple):
    """One line of ``scriptrunner workflow plan``: level, instance, needs, condition."""

    level: int
    instance: str
    needs: str
    condition: str


def node_ids(ids: Iterable[str]) -> dict[str, str]:
    """Map instance ids to unique identifiers safe in both Mermaid and dot.

    The ``t_`` prefix keeps ids from starting with a digit and from being a keyword
    (Mermaid breaks on a node called ``end``; dot on ``node``, ``graph``, ``edge``).
    """
    result: dict[str, str] = {}
    used: set[str] = set()
    for ident in ids:
        base = "t_" + _NOT_ID.sub("_", ident).strip("_")
        candidate, suffix = base, 2
        while candidate in used:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        used.add(candidate)
        result[ident] = candidate
    return result


def _mermaid_label(text: str) -> str:
    return '"' + "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in text) + '"'


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_mermaid(plan: Plan) -> str:
    """A Mermaid ``flowchart TD``: an arrow from each needed instance to its dependent."""
    ids = node_ids(instance.id for instance in plan.instances)
    lines = ["flowchart TD"]
    lines += [f"    {ids[i.id]}[{_mermaid_label(i.id)}]" for i in plan.instances]
    lines += [f"    {ids[need]} --> {ids[i.id]}" for i in plan.instances for need in i.needs]
    conditional = [ids[i.id] for i in plan.instances if i.task.condition is not None]
    if conditional:
        lines.append("    %% dashed: runs only when its condition holds")
        lines.append("    classDef conditional stroke-dasharray: 5 5")
        lines.append(f"    class {','.join(conditional)} conditional")
    return "\n".join(lines) + "\n"


def render_dot(plan: Plan) -> str:
    """A Graphviz ``digraph``; conditional instances are dashed, with the condition as tooltip."""
    ids = node_ids(instance.id for instance in plan.instances)
    lines = [
        f"digraph {_dot_string(plan.workflow.name)} {{",
        "    rankdir=TB;",
        "    node [shape=box];",
    ]
    for instance in plan.instances:
        attrs = f"label={_dot_string(instance.id)}"
        if instance.task.condition is not None:
            attrs += f", style=dashed, tooltip={_dot_string('if: ' + instance.task.condition)}"
        lines.append(f"    {ids[instance.id]} [{attrs}];")
    lines += [
        f"    {ids[need]} -> {ids[instance.id]};"
        for instance in plan.instances
        for need in instance.needs
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def plan_table_rows(plan: Plan) -> list[PlanRow]:
    """Rows level by level (plan order within a level); ``condition`` is the condition as it
    is evaluated (``success()`` for none, GitHub's implicit ``success() && (...)`` in front
    of one without a status function), and ``needs`` lists instance ids separated by
    commas."""
    by_id = plan.by_id()
    return [
        PlanRow(
            level=level,
            instance=ident,
            needs=", ".join(by_id[ident].needs),
            condition=effective_condition(by_id[ident].task.condition),
        )
        for level, ids in enumerate(plan.levels)
        for ident in ids
    ]
