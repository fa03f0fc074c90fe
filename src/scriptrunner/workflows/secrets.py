"""Workflow secrets: fetched once when the workflow starts, masked in all it records.

Every reference of the workflow's ``secrets`` and of its tasks' is resolved before the
first task starts (in parallel; any failure raises :class:`SecretError`, so nothing runs
and nothing is recorded).  Each task gets only its own names (the workflow's, then its
own over them) in its environment and in ``${{ secrets.NAME }}``.  While the workflow
runs, the store, the event bus, logging and task output are masked with all the values,
and so are task outputs, before a later task can read them as ``${{ needs.x.outputs.y }}``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from scriptrunner.core.attempt import RunOptions
from scriptrunner.events import EventBus
from scriptrunner.workflows.model import Plan, TaskSpec

if TYPE_CHECKING:
    from scriptrunner.store.base import HistoryStore
    from scriptrunner.vaults.masking import Masker


class WorkflowSecrets:
    """The resolved values (by reference) and their masker; ``repr`` shows no value."""

    def __init__(self, plan: Plan, values: Mapping[str, str], masker: Masker) -> None:
        self._plan = plan
        self._values = dict(values)
        self.masker = masker

    def __repr__(self) -> str:
        return f"WorkflowSecrets({len(self._values)} references)"

    def for_task(self, task: TaskSpec) -> dict[str, str]:
        """``NAME -> value`` for one task."""
        refs = self._plan.workflow.task_secrets(task)
        return {name: self._values[ref] for name, ref in refs.items()}

    def mask(self, text: str) -> str:
        return self.masker.mask(text)

    def mask_outputs(self, outputs: Mapping[str, str]) -> dict[str, str]:
        return {key: self.masker.mask(value) for key, value in outputs.items()}

    def wrap(
        self, store: HistoryStore | None, bus: EventBus, options: RunOptions
    ) -> tuple[HistoryStore | None, EventBus, RunOptions, Callable[[], None]]:
        """Masking versions of the store, bus and run options, and a function that undoes
        the logging mask when the workflow ends."""
        from scriptrunner.vaults.masked_sinks import MaskingBus, MaskingStore, mask_logging

        if not self.masker:
            return store, bus, options, lambda: None
        masked_store = MaskingStore(store, self.masker) if store is not None else None
        return (
            masked_store,
            MaskingBus(bus, self.masker),
            dataclasses.replace(options, output_filter=self.masker),
            mask_logging(self.masker),
        )


def resolve_plan_secrets(plan: Plan, skip: Any = ()) -> WorkflowSecrets | None:
    """Fetch every secret the plan's tasks use (``skip``: ids of instances that will not
    run, e.g. reused on resume); ``None`` when the workflow uses none."""
    spec = plan.workflow
    refs: dict[str, str] = {}
    for instance in plan.instances:
        if instance.id not in skip:
            refs.update({ref: ref for ref in spec.task_secrets(instance.task).values()})
    if not refs:
        return None
    from scriptrunner.vaults.masking import Masker
    from scriptrunner.vaults.resolve import resolve_secrets

    # Resolved by reference (names are per task), under placeholder variable names.
    names = {f"SECRET_{i}": ref for i, ref in enumerate(sorted(refs))}
    try:
        resolved = resolve_secrets(names)
    except Exception as exc:
        from scriptrunner.errors import SecretError

        if isinstance(exc, SecretError):
            raise SecretError(_rename(str(exc), names, plan)) from None
        raise
    values = {names[name]: value for name, value in resolved.items()}
    return WorkflowSecrets(plan, values, Masker(values.values()))


def _rename(message: str, names: Mapping[str, str], plan: Plan) -> str:
    """Put the workflow's own variable names back into a resolution error."""
    spec = plan.workflow
    for placeholder, ref in sorted(names.items(), key=lambda kv: -len(kv[0])):
        users = sorted(
            {
                name
                for task in spec.tasks.values()
                for name, r in spec.task_secrets(task).items()
                if r == ref
            }
        )
        message = message.replace(f"secret {placeholder} ", f"secret {'/'.join(users)} ")
    where = f"{spec.path}: " if spec.path else ""
    return f"{where}workflow {spec.name!r}: {message}"
