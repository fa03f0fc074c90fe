"""The one-call workflow API: ``run_workflow(path_or_spec)``."""

from __future__ import annotations

from pathlib import Path

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.runner import RunOptions
from scriptrunner.gates.base import GateContext
from scriptrunner.settings import Settings, load_settings
from scriptrunner.store import open_store
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.executors import make_executor
from scriptrunner.workflows.loader import load_workflow
from scriptrunner.workflows.model import WorkflowSpec
from scriptrunner.workflows.results import WorkflowResult


def run_workflow(
    workflow: str | Path | WorkflowSpec,
    *,
    max_parallel: int | None = None,
    fail_fast: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    record: bool = True,
    settings: Settings | None = None,
    cancel: CancelToken | None = None,
) -> WorkflowResult:
    """Load (if given a path), expand and run a workflow; returns its typed result.

    Recorded in the history store unless ``record=False``.  A failing task is a result,
    not an exception; invalid files raise :class:`~scriptrunner.errors.WorkflowError`.
    """
    spec = workflow if isinstance(workflow, WorkflowSpec) else load_workflow(workflow)
    plan = expand(spec)
    cfg = settings or load_settings()
    run_options = RunOptions(
        tail_bytes=cfg.tail_bytes,
        kill_grace=cfg.kill_grace,
        sample_interval=cfg.sample_interval,
        max_samples=cfg.max_samples,
    )
    store = open_store(cfg) if record else None
    backend = make_executor(executor, address=scheduler, options=run_options)
    try:
        engine = WorkflowEngine(
            store,
            options=EngineOptions(
                max_parallel=max_parallel,
                fail_fast=fail_fast,
                run_options=run_options,
                gate_context=GateContext.from_settings(cfg),
            ),
            executor=backend,
        )
        return engine.run(plan, cancel=cancel)
    finally:
        backend.close()
        if store is not None:
            store.close()
