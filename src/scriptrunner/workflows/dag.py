"""The task graph: cycle detection, a stable topological order, levels, and expansion.

Graphs are given as ``needs`` mappings, ``{task: [tasks it needs]}``, in file order.
The order returned is Kahn's algorithm with ties broken by file order, so the same file
always gives the same plan and a file already written in dependency order keeps its order.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.matrix import MatrixError, named_combinations
from scriptrunner.workflows.model import Plan, TaskInstance, WorkflowSpec

Needs = Mapping[str, Sequence[str]]

#: Most task instances one workflow may expand to, and most instance-to-instance needs
#: (a matrix task that needs another has one per pair).  The plan and the scheduler hold
#: all of them in memory, so they are counted and refused before anything is built.
MAX_INSTANCES = 100_000
MAX_DEPENDENCIES = 1_000_000


def find_cycle(needs: Needs) -> list[str] | None:
    """Return one cycle as ``[a, b, c, a]`` (each task needs the next), or ``None``.

    Names in ``needs`` values that are not keys are ignored: unknown tasks are reported
    separately, with a better message.  Iterative, so a 10 000-task chain is fine.
    """
    done: set[str] = set()
    for root in needs:
        if root in done:
            continue
        path = [root]
        on_path = {root}
        stack = [iter(needs[root])]
        while stack:
            for nxt in stack[-1]:
                if nxt not in needs or nxt in done:
                    continue
                if nxt in on_path:
                    return path[path.index(nxt) :] + [nxt]
                path.append(nxt)
                on_path.add(nxt)
                stack.append(iter(needs[nxt]))
                break
            else:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                stack.pop()
    return None


def format_cycle(cycle: Sequence[str]) -> str:
    """``cycle: a -> b -> a`` for messages."""
    return "cycle: " + " -> ".join(cycle)


def topological_order(needs: Needs) -> list[str]:
    """Every task after the tasks it needs; among ready tasks, the earliest in file order.

    Raises :class:`WorkflowError` naming a cycle, or a need that is not a task.
    """
    position = {name: index for index, name in enumerate(needs)}
    names = list(needs)
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = {name: [] for name in needs}
    for name, deps in needs.items():
        unique = set(deps)
        for dep in unique:
            if dep not in position:
                raise WorkflowError(f'task "{name}" needs "{dep}", which does not exist')
            dependents[dep].append(name)
        waiting[name] = len(unique)
    ready = [position[name] for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for dependent in dependents[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, position[dependent])
    if len(order) != len(names):
        cycle = find_cycle(needs)
        assert cycle is not None  # Kahn stalls only on a cycle
        raise WorkflowError(format_cycle(cycle))
    return order


def levels(needs: Needs, order: Sequence[str] | None = None) -> dict[str, int]:
    """Level of each task: 0 if it needs nothing, else one more than its deepest need."""
    result: dict[str, int] = {}
    for name in order if order is not None else topological_order(needs):
        result[name] = 1 + max((result[dep] for dep in needs[name]), default=-1)
    return result


def expand(spec: WorkflowSpec) -> Plan:
    """Expand matrices and order the instances; the scheduler's input.

    A need on a matrix task becomes a need on each of its instances.  Raises
    :class:`WorkflowError` for cycles, unknown needs and bad matrices (the loader has
    normally reported those already, with line numbers).
    """
    needs = {name: task.needs for name, task in spec.tasks.items()}
    order = topological_order(needs)
    level_of = levels(needs, order)
    instances: list[TaskInstance] = []
    ids_of: dict[str, tuple[str, ...]] = {}
    by_level: dict[int, list[str]] = {}
    edges = 0
    for name in order:
        task = spec.tasks[name]
        try:
            named: list[tuple[str, dict[str, Any]]] = named_combinations(
                name, task.matrix, limit=spec.max_matrix
            )
        except MatrixError as exc:
            raise MatrixError(f'task "{name}": {exc}') from None
        deps = tuple(ident for need in dict.fromkeys(task.needs) for ident in ids_of[need])
        ids_of[name] = tuple(ident for ident, _ in named)
        edges += len(named) * len(deps)
        if len(instances) + len(named) > MAX_INSTANCES:
            raise MatrixError(
                f'task "{name}": the workflow expands to more than {MAX_INSTANCES} task '
                "instances; make the matrices smaller"
            )
        if edges > MAX_DEPENDENCIES:
            raise MatrixError(
                f'task "{name}": {len(named)} instances each need {len(deps)} instances, '
                f"{edges} dependencies in all, more than {MAX_DEPENDENCIES}; aggregate the "
                "matrix in a task between them"
            )
        for ident, combination in named:
            instances.append(TaskInstance(ident, task, combination, deps))
            by_level.setdefault(level_of[name], []).append(ident)
    return Plan(
        workflow=spec,
        instances=tuple(instances),
        levels=tuple(tuple(by_level[level]) for level in sorted(by_level)),
    )
