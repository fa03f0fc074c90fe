"""The workflow engine: one call runs one plan.

It fetches the workflow's secrets first (``workflows.secrets``: one that cannot be fetched
fails the whole run before anything is recorded; while they are in use the store, the bus,
task output and task outputs are masked), writes the workflow's own row, and hands the plan
to the scheduler (``workflows.scheduler``).  Rows and events go through one recorder (the
event spine) over a background writer, so committing history stays off the scheduler's
critical path.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scriptrunner import events as ev
from scriptrunner import limits
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.runner import Runner, RunOptions
from scriptrunner.gates.base import GateContext
from scriptrunner.results import new_run_id
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.lease import start_lease
from scriptrunner.store.recorder import Recorder
from scriptrunner.workflows import records
from scriptrunner.workflows.executors import Executor, LocalExecutor
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.results import TaskResult, WorkflowResult
from scriptrunner.workflows.resume import Resumed
from scriptrunner.workflows.scheduler import WorkflowRun
from scriptrunner.workflows.secrets import resolve_plan_secrets
from scriptrunner.workflows.task_exec import (
    AfterRun,
    TaskServices,
)


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How a workflow is run (the file says what; these say how)."""

    max_parallel: int | None = None  # None: the workflow's own max_parallel
    fail_fast: bool = False
    run_options: RunOptions = RunOptions()
    #: Called with the workflow's recorder and each task's finished run (cost attribution);
    #: a ScriptRunnerError it raises is noted on the task, which keeps its state.
    after_run: AfterRun | None = None
    #: What the pre-execution gates of ``security`` tasks use (semgrep, scan cache, offline
    #: advisories); None: no scan cache and no offline advisory database.
    gate_context: GateContext | None = None
    #: Seconds between renewals of the lease of the workflow's row and of its running
    #: tasks' rows (``store.lease``); 0: no lease.
    heartbeat_interval: float = limits.DEFAULT_HEARTBEAT_INTERVAL
    #: Once the executor's cluster is lost, run tasks whose condition calls ``always()``
    #: in this process (``workflow run --local-always``).
    local_always: bool = False


class WorkflowEngine:
    """Runs :class:`Plan` s; one engine may run several plans one after another."""

    def __init__(
        self,
        store: HistoryStore | None = None,
        bus: ev.EventBus | None = None,
        options: EngineOptions | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.store = store
        self.options = options or EngineOptions()
        self.executor = executor or LocalExecutor()
        # Subscribers (tracing, progress) listen here; each run records through a recorder
        # over this bus and a background writer on the store.
        self.bus = bus if bus is not None else ev.EventBus()

    def run(
        self,
        plan: Plan,
        *,
        cancel: CancelToken | None = None,
        reuse: Mapping[str, TaskResult] | None = None,
        run_id: str | None = None,
    ) -> WorkflowResult:
        """Run every instance of ``plan``; ``reuse`` holds results kept from an earlier run
        (``--resume``): those instances are not run again and their outputs are reused.  A
        :class:`~scriptrunner.workflows.resume.Resumed` also links the new run to the
        earlier one and says why each other instance runs again.

        Raises :class:`~scriptrunner.errors.SecretError` before recording anything when a
        secret of the workflow cannot be fetched."""
        secrets = resolve_plan_secrets(plan, skip=set(reuse or ()))
        store, bus, options = self.store, self.bus, self.options.run_options
        restore: Callable[[], None] = lambda: None  # noqa: E731
        if secrets is not None:
            store, bus, options, restore = secrets.wrap(store, bus, options)
        token = cancel or CancelToken()
        # The background writer writes to the session's store (a JournaledStore: what the
        # store cannot take during an outage is journaled and replayed later, and the
        # workflow goes on).  Only a fatal write error (the journal full) ends the
        # workflow: every child is cancelled at once (the error is raised when the writer
        # is closed), so nothing keeps running unrecorded.
        writer = (
            BackgroundWriter(self.store, on_error=lambda _exc: token.cancel(signal.SIGTERM))
            if self.store is not None
            else None
        )
        # One lease for the workflow's row and its running tasks' rows, renewed in one
        # statement (on the unmasked store: it writes times and run ids only).
        lease = start_lease(self.store, self.options.heartbeat_interval)
        queued: HistoryStore | None = writer
        if writer is not None and secrets is not None and secrets.masker:
            # Masked before it is queued: the journal never holds a secret's value.
            from scriptrunner.vaults.masked_sinks import MaskingStore

            queued = MaskingStore(writer, secrets.masker)
        try:
            run_id = run_id or new_run_id()
            # The workflow's own row is written at once (a broken store fails before any
            # task starts); everything after it goes through the background writer.
            resumed = reuse if isinstance(reuse, Resumed) else None
            started = records.record_workflow_start(
                Recorder(store, bus, lease=lease),
                plan,
                run_id,
                self._limit(plan),
                parent_run_id=resumed.previous_run_id if resumed is not None else None,
            )
            recorder = Recorder(queued, bus, lease=lease)
            services = TaskServices(
                plan=plan,
                workflow_run_id=run_id,
                recorder=recorder,
                # The environment is read once per workflow run, not once per task.
                runner=Runner(recorder=recorder, options=options, environ=dict(os.environ)),
                executor=self.executor,
                gate_context=self.options.gate_context or GateContext(cache_dir=None),
                secrets=secrets,
                after_run=self.options.after_run,
                recording=writer is not None,
                local_always=self.options.local_always,
            )
            state = WorkflowRun(
                services,
                token,
                dict(reuse or {}),
                rerun=resumed.rerun if resumed is not None else None,
                max_parallel=self._limit(plan),
                fail_fast=self.options.fail_fast,
            )
            return state.run(started)
        finally:
            if lease is not None:
                lease.close()
            if writer is not None:
                writer.close()
            restore()

    def _limit(self, plan: Plan) -> int:
        return max(1, self.options.max_parallel or plan.workflow.max_parallel)
