"""The workflow scheduler: event-driven, bounded parallelism, never stuck.

State, in the style of dask's ``local.py`` scheduler:

``waiting``    instance id -> how many of its needs have not finished yet
``ready``      ids whose needs have all finished, in plan order (a deque)
``running``    id -> the cancel token of its run
``finished``   id -> its :class:`TaskResult`
``dependents`` id -> ids that need it

The loop starts ready tasks while fewer than ``max_parallel`` run, then waits until one
finishes (no polling), records it, and moves every dependent whose last need just finished
to ``ready``.  It waits in an event loop (``core.reactor``) that also runs every local task
(``core.loop_attempt``: spawn, output, exit, timeout, retries, samples, all in this one
thread); tasks that may block before they run (a ``security`` gate's scan) or run elsewhere
(the Dask executor) run on a small pool, whose completion wakes the loop.  Either way a
finished task puts its outcome on a queue the loop reads.  A task whose
condition is false is finished at once as ``skipped`` (``cancelled`` once the workflow is
cancelled), so every instance ends in a terminal state and the loop always ends.  Any
exception while preparing or running one task ends that task as ``error``; a failure of
the loop itself ends every task left and still finishes the workflow's row.

What running one task means (its gate, run, outputs and cost) is ``workflows.task_exec``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import queue
import shutil
import signal
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from scriptrunner import events as ev
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.reactor import Reactor
from scriptrunner.core.tempdirs import runner_tempdir
from scriptrunner.results import new_run_id
from scriptrunner.workflows import records
from scriptrunner.workflows.context import (
    PreparedCommands,
    build_contexts,
    build_run_spec,
    instances_by_task,
    uses_expressions,
)
from scriptrunner.workflows.explain import blocking_need, ended, skip_reason
from scriptrunner.workflows.expressions import TaskStatus, evaluate_condition
from scriptrunner.workflows.results import TaskResult, TaskState, WorkflowResult
from scriptrunner.workflows.task_exec import (
    Outcome,
    TaskServices,
    execute_task,
    internal_reason,
    run_on_loop,
    runs_here,
)


class WorkflowRun:
    """The state of one workflow run (see the module docstring)."""

    def __init__(
        self,
        services: TaskServices,
        token: CancelToken,
        reuse: dict[str, TaskResult],
        *,
        rerun: Mapping[str, str] | None = None,
        max_parallel: int,
        fail_fast: bool = False,
    ) -> None:
        self.services = services
        self.fail_fast = fail_fast
        self.recorder = services.recorder
        self.plan = plan = services.plan
        self.token = token
        self.reuse = reuse
        self.rerun = rerun or {}
        self.cancel_cause: str | None = None  # set when --fail-fast cancels the run
        self.run_id = services.workflow_run_id
        self.instances = plan.by_id()
        self.by_task = instances_by_task(plan)  # `needs` contexts look needs up by name
        self.plain = {i.id for i in plan.instances if not uses_expressions(i, plan)}
        self.commands: PreparedCommands = {}  # each `run` line split and parsed once
        self.max_parallel = max_parallel
        self.waiting: dict[str, int] = {}
        self.dependents: dict[str, list[str]] = {i: [] for i in self.instances}
        for inst in plan.instances:
            self.waiting[inst.id] = len(set(inst.needs))
            for need in set(inst.needs):
                self.dependents[need].append(inst.id)
        self.ready: deque[str] = deque(i for i, n in self.waiting.items() if n == 0)
        self.running: dict[str, CancelToken] = {}
        #: Outcomes taken off ``done`` whose task is not finished yet.
        self.arrived: dict[str, Outcome] = {}
        self.finished: dict[str, TaskResult] = {}
        # Per finished task: it and all its ancestors succeeded / it or an ancestor failed.
        self.clean: dict[str, bool] = {}
        self.failed: dict[str, bool] = {}
        self.done: queue.SimpleQueue[tuple[str, Outcome]] = queue.SimpleQueue()
        self.loop = Reactor()
        # Local attempts run on the loop; gated tasks and other executors on the pool.
        self.on_loop = services.executor.attempt_fn() is None
        self.pool: ThreadPoolExecutor | None = None
        self.pool_lock = threading.Lock()
        self.outdir: Path | None = None  # made when the run starts (it may fail)
        self.counter = itertools.count()

    # -- the loop ------------------------------------------------------------------------

    def run(self, started: float) -> WorkflowResult:
        remove = self.token.add_callback(self._cancel_running)
        # What is alive when the run starts (modules, the plan) lives through it: the cyclic
        # collector skips it while tasks run (a full collection of it cost ~30 ms every few
        # hundred tasks, measured), unless the caller froze objects of its own already.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            self.outdir = Path(runner_tempdir("scriptrunner-outputs-"))
            while self.ready or self.running:
                while self.ready and len(self.running) < self.max_parallel:
                    self._start(self.ready.popleft())
                if self.running:
                    iid = self._next_done()
                    self._finish(iid, self._outcome(iid, self.arrived[iid]))
        except Exception as exc:  # the scheduler itself failed (a broken store, a bug)
            self._abandon(exc)
        finally:
            remove()
            if freeze:
                gc.unfreeze()
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            self.loop.close()
            if self.outdir is not None:  # a task may have left anything there
                shutil.rmtree(self.outdir, ignore_errors=True)
        result = WorkflowResult(
            run_id=self.run_id,
            name=self.plan.workflow.name,
            tasks={i.id: self.finished[i.id] for i in self.plan.instances},
            started_at=started,
            finished_at=time.time(),
            cancelled=self.token.cancelled,
        )
        records.record_workflow_finish(self.recorder, result)
        return result

    def _abandon(self, exc: Exception) -> None:
        """Last resort: cancel what runs, wait for it, and end every other instance as
        ``error`` so the workflow still finishes and no task is left ``running``."""
        reason = internal_reason(exc)
        self._cancel_running(signal.SIGTERM)  # the workflow fails; it was not cancelled
        with contextlib.suppress(Exception):  # the loop itself may be what failed
            # Every running task ends (its tree is being killed) and hands its outcome
            # over; the one whose outcome failed to record was taken off the queue already.
            while any(iid not in self.arrived for iid in self.running):
                self._next_done()
        for iid in list(self.running):
            outcome = self.arrived.get(iid)
            self.running.pop(iid, None)
            result = TaskResult(iid, self.instances[iid].task.name, "error", reason=reason)
            if outcome is not None:
                with contextlib.suppress(Exception):  # recording its row failed too
                    result = self._outcome(iid, outcome)
            self.finished.setdefault(iid, result)
        for inst in self.plan.instances:
            if inst.id not in self.finished:
                result = TaskResult(inst.id, inst.task.name, "error", reason=reason)
                self.finished[inst.id] = result
                with contextlib.suppress(Exception):  # the store may be what failed
                    self._record_unstarted(inst.id, result)

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

    def _next_done(self) -> str:
        """Run the loop until a task hands its outcome over; that task's id."""
        while True:
            try:
                iid, outcome = self.done.get_nowait()
            except queue.Empty:
                self.loop.run_once()
                continue
            self.arrived[iid] = outcome
            return iid

    def _start(self, iid: str) -> None:
        inst = self.instances[iid]
        if iid in self.reuse:
            self._finish(iid, self.reuse[iid], record=True)
            return
        try:
            self._launch(iid)
        except Exception as exc:  # any failure before the task runs ends that task only
            if iid in self.finished:
                raise
            token = self.running.pop(iid, None)
            if token is not None:
                token.cancel(signal.SIGTERM)
            reason = internal_reason(exc)
            self._finish(iid, TaskResult(iid, inst.task.name, "error", reason=reason), record=True)

    def _launch(self, iid: str) -> None:
        """Evaluate the condition, build the spec and submit the task (or skip it)."""
        inst = self.instances[iid]
        status = self._status(iid)
        secrets = self.services.secrets
        task_secrets = secrets.for_task(inst.task) if secrets is not None else None
        contexts = build_contexts(
            inst,
            self.plan,
            self.finished,
            self.run_id,
            task_secrets,
            index=self.by_task,
            with_needs=iid not in self.plain,
        )
        if not evaluate_condition(inst.task.condition, contexts, status=status):
            state: TaskState = "cancelled" if status.cancelled else "skipped"
            reason = self._skip_reason(iid, status)
            self._finish(iid, TaskResult(iid, inst.task.name, state, reason=reason), record=True)
            return
        spec = build_run_spec(inst, self.plan, contexts, self.run_id, self.commands)
        token = CancelToken()
        task_run_id = new_run_id()
        self.running[iid] = token
        if self.token.cancelled and not status.cancelled:
            # Cancelled between the condition and now: the task must not run uncancelled.
            token.cancel(self.token.signal or signal.SIGTERM)
        self.recorder.emit(
            ev.TASK_STARTED,
            self.run_id,
            task=iid,
            task_run_id=task_run_id,
            matrix=dict(inst.matrix),
        )
        assert self.outdir is not None
        out_file = self.outdir / f"{next(self.counter)}.out"
        args = (self.services, inst, spec, token, task_run_id, out_file)
        here = self.on_loop or runs_here(self.services, inst)
        if here and inst.task.security is None:
            run_on_loop(self.loop, *args, hand_over=lambda outcome: self.done.put((iid, outcome)))
            return
        future = self._pool().submit(execute_task, *args, here)
        future.add_done_callback(lambda f: self._pooled_done(iid, f))

    def _pool(self) -> ThreadPoolExecutor:
        with self.pool_lock:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(
                    self.max_parallel, thread_name_prefix="scriptrunner-task"
                )
            return self.pool

    def _pooled_done(self, iid: str, future: Future[TaskResult]) -> None:
        """On the pool's thread: hand the outcome over and wake the loop."""
        self.done.put((iid, future.result))
        self.loop.wake()

    def _skip_reason(self, iid: str, status: TaskStatus) -> str:
        """Why a task whose condition was false did not run (``workflows.explain``)."""
        if status.cancelled and self.cancel_cause:
            return f"workflow cancelled: {self.cancel_cause}"
        cause = None
        if not status.success:
            cause = blocking_need(
                self.instances[iid].needs,
                state_of=lambda i: self.finished[i].state,
                needs_of=lambda i: self.instances[i].needs,
                succeeded=lambda i: self.finished[i].result == "success",
            )
        return skip_reason(
            self.instances[iid].task.condition,
            cancelled=status.cancelled,
            status_success=status.success,
            cause=cause,
        )

    def _outcome(self, iid: str, outcome: Outcome) -> TaskResult:
        inst = self.instances[iid]
        try:
            return outcome()
        except Exception as exc:  # a task's crash must end that task, never the whole run
            # Mostly the runner refusing before recording anything (command not found, bad
            # cwd): the task still gets its history row, like any task that ran no process.
            result = TaskResult(iid, inst.task.name, "error", reason=internal_reason(exc))
            self._record_unstarted(iid, result)
            return result

    def _finish(self, iid: str, result: TaskResult, *, record: bool = False) -> None:
        secrets = self.services.secrets
        if secrets is not None and result.reason:  # "command not found: <value>"
            result = dataclasses.replace(result, reason=secrets.mask(result.reason))
        why = self.rerun.get(iid)
        if why is not None and result.reused_from is None:
            result = dataclasses.replace(result, rerun=why)
        self.running.pop(iid, None)
        self.arrived.pop(iid, None)
        self.finished[iid] = result
        needs = set(self.instances[iid].needs)
        self.clean[iid] = result.result == "success" and all(self.clean[n] for n in needs)
        self.failed[iid] = result.result == "failure" or any(self.failed[n] for n in needs)
        if record:
            self._record_unstarted(iid, result)
        records.record_task_finished(self.recorder, self.run_id, iid, result)
        if result.result == "failure" and self.fail_fast:
            if not self.token.cancelled:
                self.cancel_cause = f"--fail-fast after `{iid}` {ended(result.state)}"
            self.token.cancel()
        for dependent in self.dependents[iid]:
            self.waiting[dependent] -= 1
            if self.waiting[dependent] == 0:
                self.ready.append(dependent)

    def _cancel_running(self, sig: int) -> None:
        for token in list(self.running.values()):
            token.cancel(sig)

    def _record_unstarted(self, iid: str, result: TaskResult) -> None:
        """A task that started no process (skipped, cancelled, reused, error) still gets a
        row."""
        row = records.unstarted_task_row(
            self.instances[iid],
            result,
            workflow_run_id=self.run_id,
            base_dir=self.plan.workflow.base_dir,
            run_id=new_run_id(),
        )
        self.recorder.start_run(row)
