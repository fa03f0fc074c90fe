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
    #: The Dask executor's options (docs/distributed.md): seconds without scheduler or
    #: workers before attempts end as ``infrastructure`` (None: the ``cluster_timeout``
    #: setting); the client's certificate files for a ``tls://`` scheduler; names of this
    #: environment's variables sent to the workers; whether secrets may go to a scheduler
    #: off this host over plain ``tcp://``; whether tasks whose condition uses ``always()``
    #: run here once the cluster is lost.
    cluster_timeout: float | None = None
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    forward_env: tuple[str, ...] = ()
    allow_plaintext_secrets: bool = False
    local_always: bool = False
    #: Id (a unique prefix, or ``last``) of an earlier run of the same workflow: re-run
    #: what failed, what is downstream of it and what reads status; reuse the rest.
    resume: str | None = None
    #: Reuse nothing, run every task again as a re-run of ``resume`` (None: the last run).
    rerun_all: bool = False
    #: The workflow run's id, chosen by the caller (``workflow run --run-id``): 32 lowercase
    #: hex digits, not yet in the store.  None: a new one.
    run_id: str | None = None
    trace: TracingConfig | None = None
    coster: RunCoster | None = None
