"""The task graph: cycles, stable order, levels, and expansion into a plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.dag import expand, find_cycle, levels, topological_order
from scriptrunner.workflows.matrix import MatrixError
from scriptrunner.workflows.model import MatrixSpec, TaskSpec, WorkflowSpec


def workflow(
    needs: dict[str, list[str]], matrices: dict[str, MatrixSpec] | None = None
) -> WorkflowSpec:
    matrices = matrices or {}
    tasks = {
        name: TaskSpec(name=name, run="true", needs=tuple(deps), matrix=matrices.get(name))
        for name, deps in needs.items()
    }
    return WorkflowSpec(name="wf", tasks=tasks, base_dir=Path("."))


def test_order_keeps_file_order_when_it_already_works() -> None:
    needs = {"a": [], "b": ["a"], "c": [], "d": ["b", "c"]}
    assert topological_order(needs) == ["a", "b", "c", "d"]


def test_order_moves_a_task_after_its_needs_only() -> None:
    needs = {"report": ["load"], "extract": [], "load": ["extract"], "lint": []}
    assert topological_order(needs) == ["extract", "load", "report", "lint"]


def test_levels() -> None:
    needs = {"a": [], "b": ["a"], "c": [], "d": ["b", "c"]}
    assert levels(needs) == {"a": 0, "b": 1, "c": 0, "d": 2}


@pytest.mark.parametrize(
    ("needs", "cycle"),
    [
        ({"a": ["a"]}, ["a", "a"]),
        ({"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
        ({"x": [], "a": ["c"], "b": ["a"], "c": ["b"]}, ["a", "c", "b", "a"]),
        ({"a": ["b"], "b": ["c"], "c": ["d"], "d": ["b"]}, ["b", "c", "d", "b"]),
    ],
)
def test_find_cycle_names_the_cycle(needs: dict[str, list[str]], cycle: list[str]) -> None:
    assert find_cycle(needs) == cycle
    with pytest.raises(WorkflowError, match="^cycle: " + " -> ".join(cycle) + "$"):
        topological_order(needs)


def test_long_chains_do_not_hit_the_recursion_limit() -> None:
    needs = {f"t{i}": [f"t{i - 1}"] if i else [] for i in range(5000)}
    assert find_cycle(needs) is None
    assert topological_order(needs)[-1] == "t4999"


def test_unknown_need_in_a_hand_built_spec() -> None:
    with pytest.raises(WorkflowError, match='task "a" needs "b", which does not exist'):
        expand(workflow({"a": ["b"]}))


def test_expand_gives_instances_needs_on_every_matrix_instance() -> None:
    days = MatrixSpec(axes={"day": ("mon", "tue")})
    plan = expand(
        workflow({"extract": [], "load": ["extract"], "report": ["load"]}, {"extract": days})
    )
    by_id = plan.by_id()
    assert [i.id for i in plan.instances] == [
        "extract (day=mon)", "extract (day=tue)", "load", "report"
    ]  # fmt: skip
    assert by_id["load"].needs == ("extract (day=mon)", "extract (day=tue)")
    assert by_id["extract (day=tue)"].matrix == {"day": "tue"}
    assert plan.levels == (("extract (day=mon)", "extract (day=tue)"), ("load",), ("report",))
    # Values, yet hashable: instances can key dicts and live in sets.
    assert len(set(plan.instances)) == 4 and hash(plan) == hash(expand(plan.workflow))


def test_expand_reports_matrix_errors_with_the_task() -> None:
    spec = WorkflowSpec(
        name="wf",
        tasks={"a": TaskSpec(name="a", run="x", matrix=MatrixSpec(axes={"n": tuple(range(10))}))},
        base_dir=Path("."),
        max_matrix=3,
    )
    with pytest.raises(MatrixError, match='^task "a": matrix expands to 10 combinations'):
        expand(spec)


# -- properties on random DAGs ----------------------------------------------------------


@st.composite
def dags(draw: st.DrawFn) -> dict[str, list[str]]:
    """A random DAG in a random file order: edges only go to earlier-created tasks."""
    size = draw(st.integers(1, 12))
    created = [f"t{i}" for i in range(size)]
    needs = {
        name: draw(st.lists(st.sampled_from(created[:i]), unique=True, max_size=4)) if i else []
        for i, name in enumerate(created)
    }
    file_order = draw(st.permutations(created))
    return {name: needs[name] for name in file_order}


@given(dags(), st.data())
def test_plan_respects_needs_and_levels_partition_instances(
    needs: dict[str, list[str]], data: st.DataObject
) -> None:
    with_matrix = data.draw(st.lists(st.sampled_from(list(needs)), unique=True, max_size=3))
    matrices = {name: MatrixSpec(axes={"n": (1, 2)}) for name in with_matrix}
    plan = expand(workflow(needs, matrices))
    position = {instance.id: i for i, instance in enumerate(plan.instances)}
    expected = sum(2 if name in matrices else 1 for name in needs)
    assert len(position) == expected
    level_of: dict[str, int] = {}
    for level, ids in enumerate(plan.levels):
        assert ids, "no empty levels"
        for ident in ids:
            assert ident not in level_of, "levels are disjoint"
            level_of[ident] = level
    assert set(level_of) == set(position), "levels cover every instance"
    for instance in plan.instances:
        assert len(instance.needs) == sum(2 if n in matrices else 1 for n in instance.task.needs)
        for need in instance.needs:
            assert position[need] < position[instance.id]
            assert level_of[need] < level_of[instance.id]
        expected_level = 1 + max((level_of[n] for n in instance.needs), default=-1)
        assert level_of[instance.id] == expected_level


@given(dags())
def test_order_is_the_file_order_whenever_that_is_valid(needs: dict[str, list[str]]) -> None:
    order = topological_order(needs)
    seen: set[str] = set()
    for name in order:
        assert set(needs[name]) <= seen
        seen.add(name)
    created_order = sorted(needs, key=lambda n: int(n[1:]))
    assert topological_order({n: needs[n] for n in created_order}) == created_order


@given(dags(), st.data())
def test_a_back_edge_is_found_as_a_real_cycle(
    needs: dict[str, list[str]], data: st.DataObject
) -> None:
    pairs = [(a, b) for a in needs for b in needs if a == b or b in _ancestors(needs, a)]
    if not pairs:
        return
    # b (transitively) needs a, or is a: adding "a needs b" closes a cycle.
    a, b = data.draw(st.sampled_from(pairs))
    broken = {**needs, a: [*needs[a], b]}
    cycle = find_cycle(broken)
    assert cycle is not None and cycle[0] == cycle[-1]
    for task, need in zip(cycle, cycle[1:], strict=False):
        assert need in broken[task]
    with pytest.raises(WorkflowError, match="^cycle: "):
        expand(workflow(broken))


def _ancestors(needs: dict[str, list[str]], start: str) -> set[str]:
    """Every task that (transitively) needs ``start``."""
    found: set[str] = set()
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for name, deps in needs.items():
            if current in deps and name not in found:
                found.add(name)
                frontier.append(name)
    return found
