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
    #: Id (a unique prefix, or ``last``) of an earlier run of the same workflow: re-run
    #: what failed, what is downstream of it and what reads status; reuse the rest.
    resume: str | None = None
    #: With ``resume``: reuse nothing, run every task again as a re-run of that run.
    rerun_all: bool = False
    #: The workflow run's id, chosen by the caller (``workflow run --run-id``): 32 lowercase
    #: hex digits, not yet in the store.  None: a new one.
    run_id: str | None = None
    trace: TracingConfig | None = None
    coster: RunCoster | None = None
