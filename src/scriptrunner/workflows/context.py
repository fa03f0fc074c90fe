"""Expression contexts and run specs for task instances, built just before a task starts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.command_line import CommandTemplate, split_command
from scriptrunner.workflows.expressions import (
    evaluate_node,
    parse_expression,
    render_template,
    value_to_string,
)
from scriptrunner.workflows.expressions.nodes import Node
from scriptrunner.workflows.expressions.templates import START
from scriptrunner.workflows.expressions.values import Declared
from scriptrunner.workflows.model import Plan, TaskInstance
from scriptrunner.workflows.results import GithubResult, TaskResult


def aggregate_result(results: list[TaskResult]) -> GithubResult:
    """``needs.<task>.result`` over all instances of a (matrix) task, as GitHub does."""
    values = [r.result for r in results]
    if "failure" in values:
        return "failure"
    if "cancelled" in values:
        return "cancelled"
    if values and all(v == "skipped" for v in values):
        return "skipped"
    return "success"


def instances_by_task(plan: Plan) -> dict[str, list[str]]:
    """Task name -> the ids of its instances, in plan order (built once per run, so a
    task's ``needs`` context costs O(its needs), not O(the whole plan))."""
    index: dict[str, list[str]] = {}
    for inst in plan.instances:
        index.setdefault(inst.task.name, []).append(inst.id)
    return index


def uses_expressions(instance: TaskInstance, plan: Plan) -> bool:
    """Whether anything of the task is evaluated against contexts: a condition, or a
    ``${{ }}`` in its command, script, arguments, cwd or environment (the workflow's too).
    A task that uses none needs no ``needs`` context."""
    task = instance.task
    if task.condition is not None:
        return True
    texts = [task.run or "", task.script or "", task.cwd or "", *task.args]
    texts += [*task.env.values(), *plan.workflow.env.values()]
    return any(START in text for text in texts)


def needs_context(
    instance: TaskInstance,
    plan: Plan,
    finished: Mapping[str, TaskResult],
    index: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """``needs.<task>.outputs`` / ``.result`` for the task's direct needs; ``index`` is
    :func:`instances_by_task` of the plan (built here when not given).

    Outputs of a matrix task's instances are merged in plan order (the last one wins, as
    with GitHub's matrix job outputs).
    """
    if index is None:
        index = instances_by_task(plan)
    context: dict[str, Any] = {}
    for name in instance.task.needs:
        results = [finished[i] for i in index.get(name, ()) if i in finished]
        outputs: dict[str, str] = {}
        for r in results:
            outputs.update(r.outputs)
        context[name] = {"outputs": outputs, "result": aggregate_result(results)}
    return context


def build_contexts(
    instance: TaskInstance,
    plan: Plan,
    finished: Mapping[str, TaskResult],
    workflow_run_id: str,
    secrets: Mapping[str, str] | None = None,
    *,
    index: Mapping[str, list[str]] | None = None,
    with_needs: bool = True,
) -> dict[str, Any]:
    """All contexts an expression of this instance may use; ``env`` is rendered in order:
    the workflow's variables first, then the task's (which may use the workflow's).

    ``secrets`` holds this task's resolved secret values (``${{ secrets.NAME }}``; they
    are also injected into its environment by :func:`task_env`).  ``index`` is
    :func:`instances_by_task`; ``with_needs=False`` leaves ``needs`` empty, for a task
    that uses no expression (:func:`uses_expressions`)."""
    spec = plan.workflow
    contexts: dict[str, Any] = {
        "matrix": dict(instance.matrix),
        "needs": needs_context(instance, plan, finished, index) if with_needs else {},
        "workflow": {
            "name": spec.name,
            "run_id": workflow_run_id,
            "file": str(spec.path) if spec.path else None,
        },
        "task": {"name": instance.task.name, "id": instance.id},
        "secrets": Declared(secrets or {}),
        "env": {},
    }
    contexts["env"] = render_env((spec.env, instance.task.env), contexts)
    return contexts


def render_env(sources: tuple[Mapping[str, str], ...], contexts: dict[str, Any]) -> dict[str, str]:
    """Render ``env`` mappings in order, each value seeing the variables before it (the
    workflow's first, then the task's); ``contexts["env"]`` is left as the result."""
    env: dict[str, str] = {}
    for source in sources:
        for key, value in source.items():
            contexts["env"] = dict(env)
            env[key] = render_template(value, contexts)
    contexts["env"] = env
    return env


def task_env(
    instance: TaskInstance, workflow_run_id: str, contexts: Mapping[str, Any]
) -> dict[str, str]:
    """Environment variables of a task process: its ``env``, its secrets (names never
    clash: the loader refuses that) and context variables."""
    env = dict(contexts["env"])
    env.update(contexts.get("secrets") or {})
    env.update(
        {
            "SCRIPTRUNNER_WORKFLOW": contexts["workflow"]["name"],
            "SCRIPTRUNNER_WORKFLOW_RUN_ID": workflow_run_id,
            "SCRIPTRUNNER_TASK": instance.task.name,
            "SCRIPTRUNNER_TASK_ID": instance.id,
            "SCRIPTRUNNER_MATRIX": json.dumps(dict(instance.matrix), sort_keys=True),
        }
    )
    for key, value in instance.matrix.items():
        env[f"SCRIPTRUNNER_MATRIX_{key.upper().replace('-', '_')}"] = (
            value if isinstance(value, str) else json.dumps(value)
        )
    return env


#: ``run`` line -> its split template and parsed expressions, kept for one workflow run.
PreparedCommands = dict[str, tuple[CommandTemplate, tuple[Node, ...]]]


def prepared_command(
    instance: TaskInstance, commands: PreparedCommands | None = None
) -> tuple[CommandTemplate, tuple[Node, ...]]:
    """The instance's ``run`` line split and its expressions parsed, once per line when
    ``commands`` keeps them (every instance of a matrix task shares one line)."""
    line = instance.task.run
    assert line is not None
    found = commands.get(line) if commands is not None else None
    if found is None:
        try:
            template = split_command(line)
        except WorkflowError as exc:
            raise WorkflowError(f'task "{instance.id}": {exc}') from exc
        found = (template, tuple(parse_expression(expr) for expr in template.expressions))
        if commands is not None:
            commands[line] = found
    return found


def build_run_spec(
    instance: TaskInstance,
    plan: Plan,
    contexts: Mapping[str, Any],
    workflow_run_id: str,
    commands: PreparedCommands | None = None,
) -> RunSpec:
    """Render the task's ``run``/``script``/``args``/``cwd`` and make its :class:`RunSpec`.

    A ``run`` line is split before its expressions are evaluated; see
    :mod:`scriptrunner.workflows.command_line` for how values reach the command.
    ``commands`` keeps each line split and its expressions parsed for the whole run
    (:func:`prepared_command`).

    Raises :class:`WorkflowError` (or ``ExpressionError``) when rendering fails; the task
    then ends as ``error`` without starting a process.
    """
    task = instance.task
    base = plan.workflow.base_dir
    cwd_text = render_template(task.cwd, contexts) if task.cwd else None
    cwd = str((base / cwd_text) if cwd_text else base)
    common: dict[str, Any] = {
        "cwd": cwd,
        "env": task_env(instance, workflow_run_id, contexts),
        "timeout": task.timeout,
        "retry": task.retry,
        "tags": dict(task.tags),
        "workflow_run_id": workflow_run_id,
        "task_name": instance.id,
        "kind": "task",
    }
    if task.run is not None:
        # Split first, then substitute: values never change the command's words, and a
        # shell script reads them from its environment (workflows.command_line).
        template, nodes = prepared_command(instance, commands)
        values = [
            value_to_string(evaluate_node(node, contexts, expression=expr))
            for node, expr in zip(nodes, template.expressions, strict=True)
        ]
        argv, script_env = template.render(values)
        common["env"].update(script_env)
        _no_nul(instance, [*argv, cwd, *common["env"].values()])
        return RunSpec(command=tuple(argv), **common)
    assert task.script is not None
    script = render_template(task.script, contexts)
    path = Path(script) if Path(script).is_absolute() else base / script
    args = [render_template(a, contexts) for a in task.args]
    _no_nul(instance, [*args, cwd, *common["env"].values()])
    return RunSpec.for_script(str(path), args, **common)


def _no_nul(instance: TaskInstance, texts: list[str]) -> None:
    # The OS cannot pass a NUL byte in an argument, a variable or a path; say so before
    # trying (an output may hold one: outputs files are read as text).
    if any("\0" in text for text in texts):
        raise WorkflowError(
            f'task "{instance.id}": a value holds a NUL byte, which no argument, environment '
            "variable or path can carry; remove it from the output or variable"
        )
