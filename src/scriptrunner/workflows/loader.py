"""Load workflow files (YAML or JSON) into a checked :class:`WorkflowSpec`.

Everything that can be known before running is checked here, and every error names the
file, the line and the field: structure and types, unknown keys, ``run``/``script``,
needs that do not exist, cycles, expressions, and matrix size.  Three entry points share
one path: :func:`load_workflow` (a file), :func:`parse_workflow` (text) and
:func:`workflow_from_dict` (data built in code; messages then have no line numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scriptrunner.core.retry import RetryPolicy
from scriptrunner.errors import WorkflowError
from scriptrunner.workflows import fields as f
from scriptrunner.workflows.dag import (
    MAX_DEPENDENCIES,
    MAX_INSTANCES,
    find_cycle,
    format_cycle,
)
from scriptrunner.workflows.expressions.check import Scope
from scriptrunner.workflows.fields import Where
from scriptrunner.workflows.matrix import MatrixError, named_combinations
from scriptrunner.workflows.model import (
    DEFAULT_MAX_MATRIX,
    MAX_MATRIX_LIMIT,
    Defaults,
    TaskSpec,
    WorkflowSpec,
    default_max_parallel,
)
from scriptrunner.workflows.security_reader import default_policy
from scriptrunner.workflows.task_reader import (
    cwd_value,
    env_map,
    retry_policy,
    secrets_map,
    task_spec,
    timeout_value,
)
from scriptrunner.workflows.yaml_source import PathKey, load_json, load_yaml

__all__ = ["load_workflow", "parse_workflow", "workflow_from_dict"]

# ``resources`` (top level and per task) is a cost manifest for `scriptrunner cost estimate`
# (docs/costs.md); the engine does not use it, and the cost loader checks it.
TOP_KEYS = (
    "$schema", "name", "env", "max_parallel", "max_matrix", "defaults", "tasks", "resources",
    "security", "secrets",
)  # fmt: skip
DEFAULT_KEYS = ("timeout", "retries", "continue_on_error", "cwd")


def load_workflow(path: str | Path) -> WorkflowSpec:
    """Read and check the workflow file at ``path`` (``.json`` is read as JSON).

    Relative ``script`` and ``cwd`` paths in it start from the file's directory.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"{path}: cannot read workflow file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise WorkflowError(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    return parse_workflow(text, source=str(path), base_dir=file.resolve().parent, path=file)


def parse_workflow(
    data_text: str, *, source: str = "<string>", base_dir: Path, path: Path | None = None
) -> WorkflowSpec:
    """Parse workflow text.  ``source`` names it in messages; one ending in ``.json`` is
    parsed as JSON (for JSON's own syntax messages), anything else as YAML."""
    if source.lower().endswith(".json"):
        data, lines = load_json(data_text, source)
    else:
        data, lines = load_yaml(data_text, source)
    return _build(data, Where(source, lines), base_dir=base_dir, path=path)


def workflow_from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<dict>",
    base_dir: Path | None = None,
    path: Path | None = None,
) -> WorkflowSpec:
    """Build a workflow from a mapping shaped like the file, with the same checks.

    ``base_dir`` defaults to the current directory.
    """
    return _build(data, Where(source, {}), base_dir=base_dir or Path.cwd(), path=path)


def _defaults(where: Where, value: Any, scope: Scope) -> Defaults:
    path: PathKey = ("defaults",)
    raw = f.mapping(where, path, value)
    f.check_keys(where, path, raw, DEFAULT_KEYS)
    retry = RetryPolicy()
    if "retries" in raw:
        retry = retry_policy(where, (*path, "retries"), raw["retries"], retry)
    cwd = None
    if "cwd" in raw:
        cwd = cwd_value(where, (*path, "cwd"), raw["cwd"], scope)
    return Defaults(
        timeout=timeout_value(where, (*path, "timeout"), raw.get("timeout")),
        retry=retry,
        continue_on_error=f.boolean(
            where, (*path, "continue_on_error"), raw.get("continue_on_error", False)
        ),
        cwd=cwd,
    )


def _tasks(
    where: Where,
    top: Mapping[str, Any],
    defaults: Defaults,
    warnings: list[str],
    secret_names: tuple[str, ...],
) -> dict[str, TaskSpec]:
    if "tasks" not in top:
        raise where.error((), "missing required key 'tasks'")
    raw = f.mapping(where, ("tasks",), top["tasks"], "a mapping of task names to tasks")
    if not raw:
        raise where.error(("tasks",), "a workflow needs at least one task")
    for name in raw:
        f.name(where, ("tasks", name), name)
    tasks = {
        name: task_spec(where, name, value, defaults, warnings, secret_names)
        for name, value in raw.items()
    }
    for name, task in tasks.items():
        for index, need in enumerate(task.needs):
            if need not in tasks:
                hint = f.did_you_mean(need, tasks, quote='"')
                raise where.error(
                    ("tasks", name, "needs", index),
                    f'task "{name}" needs "{need}", which does not exist{hint}',
                    with_path=False,
                )
    cycle = find_cycle({name: task.needs for name, task in tasks.items()})
    if cycle is not None:
        raise where.error(("tasks", cycle[0], "needs"), format_cycle(cycle), with_path=False)
    return tasks


def _check_matrices(where: Where, tasks: Mapping[str, TaskSpec], limit: int) -> None:
    """Every matrix expands within ``limit``, and the whole plan stays within the sizes
    ``dag.expand`` and the scheduler can hold (counted before a plan is built)."""
    counts: dict[str, int] = {}
    for name, task in tasks.items():
        try:
            counts[name] = len(named_combinations(name, task.matrix, limit=limit))
        except MatrixError as exc:
            raise where.error(("tasks", name, "matrix"), str(exc)) from None
        if sum(counts.values()) > MAX_INSTANCES:
            raise where.error(
                ("tasks", name, "matrix"),
                f"the workflow expands to more than {MAX_INSTANCES} task instances; "
                "make the matrices smaller",
            )
    edges = 0
    for name, task in tasks.items():
        deps = sum(counts[need] for need in dict.fromkeys(task.needs))
        edges += counts[name] * deps
        if edges > MAX_DEPENDENCIES:
            raise where.error(
                ("tasks", name, "needs"),
                f"{counts[name]} instances each need {deps} instances, {edges} dependencies "
                f"in all, more than {MAX_DEPENDENCIES}; aggregate the matrix in a task between "
                "them",
            )


def _build(data: Any, where: Where, *, base_dir: Path, path: Path | None) -> WorkflowSpec:
    if data is None:
        raise where.error((), "workflow is empty; expected a mapping with a 'tasks' key")
    top = f.mapping(where, (), data, "a mapping with a 'tasks' key")
    f.check_keys(where, (), top, TOP_KEYS)
    name = (
        f.non_empty_string(where, ("name",), top["name"])
        if "name" in top
        else (path.stem if path is not None else "workflow")
    )
    # Names first: the workflow's env may read its secrets, the secrets' checks need env.
    raw_secrets = top.get("secrets")
    secret_names = tuple(
        key
        for key in (raw_secrets if isinstance(raw_secrets, Mapping) else {})
        if isinstance(key, str)
    )
    top_scope = Scope(None, secrets=secret_names)
    env = env_map(where, ("env",), top.get("env", {}), top_scope)
    max_parallel = (
        f.integer(where, ("max_parallel",), top["max_parallel"], minimum=1)
        if "max_parallel" in top
        else default_max_parallel()
    )
    max_matrix = f.integer(
        where,
        ("max_matrix",),
        top.get("max_matrix", DEFAULT_MAX_MATRIX),
        minimum=1,
        maximum=MAX_MATRIX_LIMIT,
    )
    defaults = _defaults(where, top.get("defaults", {}), top_scope)
    if "security" in top:
        defaults = dataclasses.replace(defaults, security=default_policy(where, top["security"]))
    secrets = secrets_map(where, ("secrets",), top.get("secrets", {}), env)
    warnings: list[str] = []
    tasks = _tasks(where, top, defaults, warnings, tuple(secrets))
    for task_name, task in tasks.items():
        for key in sorted(set(task.env) & set(secrets)):
            raise where.error(
                ("tasks", task_name, "env", key),
                f"{key} is also a workflow secret; rename one of them",
            )
        for key in sorted(set(env) & set(task.secrets)):
            raise where.error(
                ("tasks", task_name, "secrets", key),
                f"{key} is also in the workflow's env; rename one of them",
            )
    _check_matrices(where, tasks, max_matrix)
    return WorkflowSpec(
        name=name,
        tasks=tasks,
        base_dir=base_dir,
        path=path,
        env=env,
        max_parallel=max_parallel,
        max_matrix=max_matrix,
        defaults=defaults,
        secrets=secrets,
        warnings=tuple(warnings),
        max_parallel_set="max_parallel" in top,
    )
