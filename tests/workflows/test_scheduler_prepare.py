"""What the scheduler prepares once per workflow run instead of once per task: the
instances of each task by name (``needs`` contexts), which tasks use expressions at all,
and each ``run`` line split and parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptrunner.workflows import command_line
from scriptrunner.workflows.context import (
    PreparedCommands,
    instances_by_task,
    needs_context,
    prepared_command,
    uses_expressions,
)
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.results import TaskResult


def _plan(tmp_path: Path) -> Plan:
    return expand(
        workflow_from_dict(
            {
                "name": "w",
                "tasks": {
                    "a": {"run": "true", "matrix": {"n": [1, 2]}},
                    "b": {"run": "echo ${{ needs.a.result }}", "needs": ["a"]},
                    "c": {"run": "true", "needs": ["a"]},
                    "d": {"run": "true", "if": "always()"},
                },
            },
            base_dir=tmp_path,
        )
    )


def test_instances_are_indexed_by_task_name_in_plan_order(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    index = instances_by_task(plan)
    assert index["a"] == [i.id for i in plan.instances if i.task.name == "a"]
    assert len(index["a"]) == 2
    assert index["b"] == ["b"]


def test_needs_context_with_the_index_is_the_same_as_without(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    a1, a2 = instances_by_task(plan)["a"]
    finished = {
        a1: TaskResult(a1, "a", "succeeded", outputs={"x": "1"}),
        a2: TaskResult(a2, "a", "failed", outputs={"x": "2"}),
    }
    b = plan.by_id()["b"]
    expected = {"a": {"outputs": {"x": "2"}, "result": "failure"}}
    assert needs_context(b, plan, finished) == expected
    assert needs_context(b, plan, finished, instances_by_task(plan)) == expected


def test_only_tasks_with_a_condition_or_a_template_use_expressions(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    used = {i.task.name for i in plan.instances if uses_expressions(i, plan)}
    assert used == {"b", "d"}


def test_a_run_line_is_split_once_per_workflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan(tmp_path)
    calls: list[str] = []
    real = command_line.split_command.__wrapped__

    def counting(line: str) -> command_line.CommandTemplate:
        calls.append(line)
        return real(line)

    monkeypatch.setattr("scriptrunner.workflows.context.split_command", counting)
    commands: PreparedCommands = {}
    for inst in plan.instances:
        if inst.task.name == "a":
            template, nodes = prepared_command(inst, commands)
            assert template.words == (("true",),) and nodes == ()
    assert calls == ["true"]
