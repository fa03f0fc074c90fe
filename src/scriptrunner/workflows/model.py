"""The workflow data model: what a workflow file says, and the plan expanded from it.

Everything here is a frozen value.  ``loader`` builds a :class:`WorkflowSpec` from a file,
``dag.expand`` turns it into a :class:`Plan` of :class:`TaskInstance` (one per matrix
combination), and the scheduler runs the plan.  Expressions (``${{ ... }}``) are kept as
raw text: they are checked at load time but rendered only when a task is about to run,
because they may refer to outputs of tasks that have not run yet.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scriptrunner.core.retry import RetryPolicy
from scriptrunner.gates.base import GatePolicy

#: Top-level names an expression may use (``${{ env.STAGE }}``, ``${{ needs.a.result }}``).
CONTEXTS: frozenset[str] = frozenset({"env", "matrix", "needs", "workflow", "task", "secrets"})

# Mapping fields are left out of hashes (``field(hash=False)``) so that specs, instances
# and plans stay hashable, usable as dict keys and in sets, while comparing by value.

#: Default upper bound on the combinations one matrix may produce (GitHub's limit too).
DEFAULT_MAX_MATRIX = 256
#: The largest ``max_matrix`` a file may set: expansion, the plan and the scheduler hold
#: every instance in memory, so the limit itself is bounded.
MAX_MATRIX_LIMIT = 10_000


def default_max_parallel() -> int:
    """How many tasks run at once when the workflow does not say: one per CPU."""
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class MatrixSpec:
    """A task's ``matrix``: named axes plus GitHub-style ``include`` and ``exclude`` lists.

    ``axes`` keeps file order, which decides the order of the combinations and of the keys
    in instance ids.  Values may be any YAML value (strings, numbers, booleans, lists,
    mappings); they are compared as JSON values (``true`` is not ``1``).
    """

    axes: Mapping[str, tuple[Any, ...]] = field(hash=False)
    include: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)
    exclude: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a combination can have: the axes, then keys only ``include`` adds."""
        seen = dict.fromkeys(self.axes)
        for entry in self.include:
            seen.update(dict.fromkeys(entry))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One task of a workflow, as written (defaults applied, sugar resolved).

    Exactly one of ``run`` (a command line, split with :func:`shlex.split` *before* its
    expressions are evaluated, see :mod:`scriptrunner.workflows.command_line`) and ``script`` (a Python file relative to the workflow's
    directory, run with the current interpreter and ``args``) is set.  ``condition`` is a
    bare expression without ``${{ }}``; ``None`` means the default, ``success()``.
    ``run``, ``args``, ``env`` values and ``cwd`` may hold ``${{ }}`` templates (already
    checked); ``cwd``, like ``script``, is relative to the workflow's ``base_dir``.
    ``env`` holds only the task's own variables: the workflow's ``env`` applies first and
    these override it.  ``secrets`` maps variable names to secret references
    (``vault://...``), over the workflow's; their values are fetched when the workflow
    starts and injected only into this task's environment.  ``security`` is the pre-execution gate policy of a ``script`` task
    (the workflow's default already applied; ``None``: not scanned; always ``None`` for a
    ``run`` task).  ``line`` is where the task is defined (0 when built in code).
    """

    name: str
    run: str | None = None
    script: str | None = None
    args: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    condition: str | None = None
    matrix: MatrixSpec | None = None
    timeout: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    cwd: str | None = None
    continue_on_error: bool = False
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    security: GatePolicy | None = None
    line: int = 0
    secrets: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Defaults:
    """The workflow's ``defaults``: values a task gets when it does not set its own.

    ``security`` comes from the top-level ``security`` key and applies to ``script`` tasks.
    """

    timeout: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    continue_on_error: bool = False
    cwd: str | None = None
    security: GatePolicy | None = None


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """A whole workflow file: settings plus its tasks in file order.

    ``path`` is the file it was loaded from (``None`` for a string or a dict) and
    ``base_dir`` the directory that relative ``script`` and ``cwd`` paths start from.
    ``secrets`` (variable name -> secret reference) applies to every task.
    ``warnings`` are located messages about patterns that load but stay risky (a value
    that may still be read as code); ``workflow validate`` prints them.
    """

    name: str
    tasks: Mapping[str, TaskSpec] = field(hash=False)
    base_dir: Path
    path: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    max_parallel: int = field(default_factory=default_max_parallel)
    max_matrix: int = DEFAULT_MAX_MATRIX
    defaults: Defaults = field(default_factory=Defaults)
    secrets: Mapping[str, str] = field(default_factory=dict, hash=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Whether ``max_parallel`` was given (False: the default, one per CPU, which an
    #: executor with slots of its own replaces: a Dask cluster's worker threads).
    max_parallel_set: bool = field(default=True, compare=False)

    def task_secrets(self, task: TaskSpec) -> dict[str, str]:
        """The secret references a task gets: the workflow's, then its own over them."""
        return {**self.secrets, **task.secrets}


@dataclass(frozen=True, slots=True)
class TaskInstance:
    """One runnable unit: a task, or one combination of a matrix task.

    ``id`` is the task name, or for a matrix instance the name followed by its values,
    ``extract (day=mon)``.  ``needs`` holds instance ids: needing a matrix task means
    needing every one of its instances.
    """

    id: str
    task: TaskSpec
    matrix: Mapping[str, Any] = field(default_factory=dict, hash=False)
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """A workflow expanded into instances, ready for a scheduler.

    ``instances`` is a topological order (a task's needs come before it, ties broken by
    file order).  ``levels`` partitions the instance ids: level 0 needs nothing, level
    ``n`` needs something on level ``n - 1`` and nothing later.
    """

    workflow: WorkflowSpec
    instances: tuple[TaskInstance, ...]
    levels: tuple[tuple[str, ...], ...]

    def by_id(self) -> dict[str, TaskInstance]:
        """The instances keyed by id (a fresh dict, in plan order)."""
        return {instance.id: instance for instance in self.instances}
