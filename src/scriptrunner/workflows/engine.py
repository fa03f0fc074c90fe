"""The workflow scheduler: event-driven, bounded parallelism, never stuck.

State, in the style of dask's ``local.py`` scheduler:

``waiting``    instance id -> how many of its needs have not finished yet
``ready``      ids whose needs have all finished, in plan order (a deque)
``running``    id -> the cancel token of its run
``finished``   id -> its :class:`TaskResult`
``dependents`` id -> ids that need it

The loop starts ready tasks while fewer than ``max_parallel`` run, then blocks on a queue
until one finishes (no polling: each finished task puts itself on the queue), records it,
and moves every dependent whose last need just finished to ``ready``.  A task whose
condition is false is finished at once as ``skipped`` (``cancelled`` once the workflow is
cancelled), so every instance ends in a terminal state and the loop always ends.

Secrets (``workflows.secrets``) are fetched before anything is recorded: one that cannot
be fetched fails the whole run up front.  While they are in use, the store, the bus, task
output and task outputs are masked.

A script task with a ``security`` policy is scanned in its worker thread before its process
starts; blocking findings end it as ``blocked`` (no process, a history row and the stored
scan), and a scanner that cannot run ends it as ``error``: nothing runs unscanned.
"""

from __future__ import annotations

import dataclasses
import itertools
import queue
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scriptrunner import events as ev
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.results import RunResult
from scriptrunner.core.runner import Runner, RunOptions, new_run_id
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ScriptRunnerError
from scriptrunner.gates.base import GateContext, GatePolicy
from scriptrunner.gates.record import RUN_BLOCKED
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.base import HistoryStore
from scriptrunner.workflows import gating, records
from scriptrunner.workflows.context import build_contexts, build_run_spec
from scriptrunner.workflows.executors import Executor, LocalExecutor
from scriptrunner.workflows.expressions import TaskStatus, evaluate_condition
from scriptrunner.workflows.model import Plan, TaskInstance
from scriptrunner.workflows.outputs import read_outputs
from scriptrunner.workflows.results import TaskResult, TaskState, WorkflowResult
from scriptrunner.workflows.secrets import WorkflowSecrets, resolve_plan_secrets


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How a workflow is run (the file says what; these say how)."""

    max_parallel: int | None = None  # None: the workflow's own max_parallel
    fail_fast: bool = False
    run_options: RunOptions = RunOptions()
    #: Called with the history writer and each task's finished run (cost attribution);
    #: a ScriptRunnerError it raises is noted on the task, which keeps its state.
    after_run: Callable[[HistoryStore, RunResult], object] | None = None
    #: What the pre-execution gates of ``security`` tasks use (semgrep, scan cache, and the
    #: store their scans are recorded in); None: built from the default settings when a
    #: task first needs it.
    gate_context: GateContext | None = None


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
        # The engine and its runner persist their own events (through a background writer,
        # off the hot path) and only *notify* the bus, so a bus with a sink of its own does
        # not store them twice.
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
        (``--resume``): those instances are not run again and their outputs are reused.

        Raises :class:`~scriptrunner.errors.SecretError` before recording anything when a
        secret of the workflow cannot be fetched."""
        secrets = resolve_plan_secrets(plan, skip=set(reuse or ()))
        store, bus, options = self.store, self.bus, self.options.run_options
        restore: Callable[[], None] = lambda: None  # noqa: E731
        if secrets is not None:
            store, bus, options, restore = secrets.wrap(store, bus, options)
        writer = BackgroundWriter(store) if store is not None else None
        try:
            state = _WorkflowRun(
                self, plan, cancel or CancelToken(), dict(reuse or {}), run_id, writer
            )
            state.use(store, bus, options, secrets)
            return state.run()
        finally:
            if writer is not None:
                writer.close()
            restore()


class _WorkflowRun:
    """The state of one workflow run (see the module docstring)."""

    def __init__(
        self,
        engine: WorkflowEngine,
        plan: Plan,
        token: CancelToken,
        reuse: dict[str, TaskResult],
        run_id: str | None,
        writer: BackgroundWriter | None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.runner = Runner(writer, engine.bus, engine.options.run_options)
        self.plan = plan
        self.token = token
        self.reuse = reuse
        self.run_id = run_id or new_run_id()
        self.instances = plan.by_id()
        limit = engine.options.max_parallel or plan.workflow.max_parallel
        self.max_parallel = max(1, limit)
        self.waiting: dict[str, int] = {}
        self.dependents: dict[str, list[str]] = {i: [] for i in self.instances}
        for inst in plan.instances:
            self.waiting[inst.id] = len(set(inst.needs))
            for need in set(inst.needs):
                self.dependents[need].append(inst.id)
        self.ready: deque[str] = deque(i for i, n in self.waiting.items() if n == 0)
        self.running: dict[str, CancelToken] = {}
        self.finished: dict[str, TaskResult] = {}
        # Per finished task: it and all its ancestors succeeded / it or an ancestor failed.
        self.clean: dict[str, bool] = {}
        self.failed: dict[str, bool] = {}
        self.done: queue.SimpleQueue[tuple[str, Future[TaskResult]]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.outdir = Path(tempfile.mkdtemp(prefix="scriptrunner-outputs-"))
        self.counter = itertools.count()
        self.gate_context = engine.options.gate_context
        self.store = engine.store
        self.bus = engine.bus
        self.secrets: WorkflowSecrets | None = None

    def use(
        self,
        store: HistoryStore | None,
        bus: ev.EventBus,
        options: RunOptions,
        secrets: WorkflowSecrets | None,
    ) -> None:
        """Record, publish and run through these (the masking ones when secrets are used)."""
        self.store, self.bus, self.secrets = store, bus, secrets
        self.runner = Runner(self.writer, bus, options)

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> WorkflowResult:
        started = time.time()
        spec = self.plan.workflow
        self._record_workflow_start(started)
        remove = self.token.add_callback(self._cancel_running)
        pool = ThreadPoolExecutor(self.max_parallel, thread_name_prefix="scriptrunner-task")
        try:
            while self.ready or self.running:
                while self.ready and len(self.running) < self.max_parallel:
                    self._start(self.ready.popleft(), pool)
                if self.running:
                    iid, future = self.done.get()
                    self._finish(iid, self._outcome(iid, future))
        finally:
            remove()
            pool.shutdown(wait=True)
            for path in self.outdir.iterdir():
                path.unlink()
            self.outdir.rmdir()
        result = WorkflowResult(
            run_id=self.run_id,
            name=spec.name,
            tasks={i.id: self.finished[i.id] for i in self.plan.instances},
            started_at=started,
            finished_at=time.time(),
            cancelled=self.token.cancelled,
        )
        self._record_workflow_finish(result)
        return result

    def _emit(self, type: str, run_id: str, **payload: Any) -> None:
        event = ev.Event(type, run_id, payload)
        if self.writer is not None:
            self.writer.append_event(event)
        self.bus.notify(event)

    def _status(self, iid: str) -> TaskStatus:
        """GitHub's status functions over *all* ancestors: success() needs every one to have
        succeeded, failure() is true if any failed.  Summaries are kept per finished task
        (``clean``/``failed`` below), so this is O(needs), not O(ancestors)."""
        needs = set(self.instances[iid].needs)
        cancelled = self.token.cancelled
        return TaskStatus(
            success=not cancelled and all(self.clean[n] for n in needs),
            failure=any(self.failed[n] for n in needs),
            cancelled=cancelled,
        )

    def _start(self, iid: str, pool: ThreadPoolExecutor) -> None:
        inst = self.instances[iid]
        if iid in self.reuse:
            self._finish(iid, self.reuse[iid], record=True)
            return
        status = self._status(iid)
        try:
            secrets = self.secrets.for_task(inst.task) if self.secrets is not None else None
            contexts = build_contexts(inst, self.plan, self.finished, self.run_id, secrets)
            if not evaluate_condition(inst.task.condition, contexts, status=status):
                state: TaskState = "cancelled" if status.cancelled else "skipped"
                reason = "workflow cancelled" if status.cancelled else "condition is false"
                self._finish(
                    iid, TaskResult(iid, inst.task.name, state, reason=reason), record=True
                )
                return
            spec = build_run_spec(inst, self.plan, contexts, self.run_id)
        except ScriptRunnerError as exc:
            self._finish(
                iid, TaskResult(iid, inst.task.name, "error", reason=str(exc)), record=True
            )
            return
        token = CancelToken()
        task_run_id = new_run_id()
        self.running[iid] = token
        if self.token.cancelled and not status.cancelled:
            # Cancelled between the condition and now: the task must not run uncancelled.
            token.cancel(self.token.signal or signal.SIGTERM)
        self._emit(
            ev.TASK_STARTED,
            self.run_id,
            task=iid,
            task_run_id=task_run_id,
            matrix=dict(inst.matrix),
        )
        out_file = self.outdir / f"{next(self.counter)}.out"

        def attempt_env(n: int) -> dict[str, str]:
            # Each attempt starts with no outputs; the task creates the file if it writes
            # any (no file: no outputs), which spares two file opens per task.
            if n > 1:
                out_file.unlink(missing_ok=True)
            return {"SCRIPTRUNNER_OUTPUT": str(out_file)}

        def execute() -> TaskResult:
            if inst.task.security is not None:
                blocked = self._gate(inst, spec, inst.task.security, task_run_id)
                if blocked is not None:
                    return blocked
            result = self.runner.run(
                spec,
                cancel=token,
                run_id=task_run_id,
                on_attempt_env=attempt_env,
                collect_outputs=lambda: self._outputs(out_file),
                attempt_fn=self.engine.executor.attempt_fn(),
            )
            state = result.status if result.status != "running" else "error"
            reason = result.error
            hook = self.engine.options.after_run
            if hook is not None and self.writer is not None:
                try:
                    hook(self.writer, result)
                except ScriptRunnerError as exc:
                    reason = "; ".join(filter(None, [reason, str(exc)]))
            return TaskResult(
                iid,
                inst.task.name,
                state,
                run=result,
                outputs=result.outputs,
                reason=reason,
                continue_on_error=inst.task.continue_on_error,
            )

        future = pool.submit(execute)
        future.add_done_callback(lambda f: self.done.put((iid, f)))

    def _outputs(self, path: Path) -> Mapping[str, str]:
        """The task's outputs, masked: a later task must not read a secret through them."""
        outputs = read_outputs(path)
        return self.secrets.mask_outputs(outputs) if self.secrets is not None else outputs

    def _gate(
        self, inst: TaskInstance, spec: RunSpec, policy: GatePolicy, task_run_id: str
    ) -> TaskResult | None:
        """Scan the task's script (in its worker thread); its ``blocked`` result, or None.

        The scan is stored under ``task_run_id`` either way: the id of the task's run when
        it passes, of its ``blocked`` row when not.  A ``ScannerError`` propagates, so the
        task ends as ``error`` (fail closed).
        """
        blocked = gating.check(
            inst, spec, policy, self._gate_context(), task_run_id, record=self.writer is not None
        )
        if blocked is None:
            return None
        result, findings = blocked
        self._record_unstarted(
            inst, result, run_id=task_run_id, command=spec.command, script=spec.script
        )
        self._emit(
            RUN_BLOCKED,
            task_run_id,
            script=spec.script,
            task=inst.id,
            reason=result.reason,
            findings=findings,
        )
        return result

    def _gate_context(self) -> GateContext:
        with self.lock:
            if self.gate_context is None:
                # Only when the caller passed none (run_workflow and the CLI pass theirs).
                from scriptrunner.settings import load_settings

                self.gate_context = GateContext.from_settings(load_settings())
            return self.gate_context

    def _outcome(self, iid: str, future: Future[TaskResult]) -> TaskResult:
        inst = self.instances[iid]
        try:
            return future.result()
        except Exception as exc:  # a task's crash must end that task, never the whole run
            # Mostly the runner refusing before recording anything (command not found, bad
            # cwd): the task still gets its history row, like any task that ran no process.
            reason = str(exc) if isinstance(exc, ScriptRunnerError) else f"internal error: {exc!r}"
            result = TaskResult(iid, inst.task.name, "error", reason=reason)
            self._record_unstarted(inst, result)
            return result

    def _finish(self, iid: str, result: TaskResult, *, record: bool = False) -> None:
        if self.secrets is not None and result.reason:  # "command not found: <value>"
            result = dataclasses.replace(result, reason=self.secrets.mask(result.reason))
        self.running.pop(iid, None)
        self.finished[iid] = result
        needs = set(self.instances[iid].needs)
        self.clean[iid] = result.result == "success" and all(self.clean[n] for n in needs)
        self.failed[iid] = result.result == "failure" or any(self.failed[n] for n in needs)
        if record:
            self._record_unstarted(self.instances[iid], result)
        self._emit(
            ev.TASK_FINISHED,
            self.run_id,
            task=iid,
            state=result.state,
            result=result.result,
            exit_code=result.run.exit_code if result.run else None,
            duration_seconds=round(result.duration, 6),
            reason=result.reason,
        )
        if result.result == "failure" and self.engine.options.fail_fast:
            self.token.cancel()
        for dependent in self.dependents[iid]:
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                self.ready.append(dependent)

    def _cancel_running(self, sig: int) -> None:
        for token in list(self.running.values()):
            token.cancel(sig)

    # -- history -------------------------------------------------------------------------

    def _record_workflow_start(self, started: float) -> None:
        spec = self.plan.workflow
        if self.store is not None:
            self.store.start_run(records.workflow_start_row(self.run_id, spec, started))
        self._emit(
            ev.WORKFLOW_STARTED,
            self.run_id,
            name=spec.name,
            tasks=len(self.plan.instances),
            max_parallel=self.max_parallel,
        )

    def _record_workflow_finish(self, result: WorkflowResult) -> None:
        if self.writer is not None:
            self.writer.finish_run(self.run_id, records.workflow_finish_values(result), [], [])
        self._emit(
            ev.WORKFLOW_FINISHED,
            self.run_id,
            status=result.status,
            exit_code=result.exit_code,
            duration_seconds=round(result.duration, 6),
            counts=result.counts(),
        )

    def _record_unstarted(
        self,
        inst: TaskInstance,
        result: TaskResult,
        *,
        run_id: str | None = None,
        command: Sequence[str] = (),
        script: str | None = None,
    ) -> None:
        """A task that started no process (skipped, cancelled, reused, error, blocked) still
        gets a row (``run_id``: its id, else a new one)."""
        if self.writer is None:
            return
        row = records.unstarted_task_row(
            inst,
            result,
            workflow_run_id=self.run_id,
            base_dir=self.plan.workflow.base_dir,
            run_id=run_id or new_run_id(),
            command=command,
            script=script,
        )
        self.writer.start_run(row)
