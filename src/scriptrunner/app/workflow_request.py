"""How an entry point asks the application layer to run a workflow (a frozen value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scriptrunner.costs.attribution import RunCoster
    from scriptrunner.tracing import TracingConfig


@dataclass(frozen=True, slots=True)
class WorkflowRequest:
    """How to run one workflow plan."""

    max_parallel: int | None = None
    fail_fast: bool = False
    executor: str = "local"
    scheduler: str | None = None
    #: Id of an earlier run of the same workflow: rerun only what did not succeed.
    resume: str | None = None
    #: The workflow run's id, chosen by the caller (``workflow run --run-id``): 32 lowercase
    #: hex digits, not yet in the store.  None: a new one.
    run_id: str | None = None
    trace: TracingConfig | None = None
    coster: RunCoster | None = None
