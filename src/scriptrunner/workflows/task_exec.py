"""Executing one task instance: its gate, its run, its outputs, its cost.

A task with a gate, or run by another executor, runs whole on a worker thread
(:func:`execute_task`); a local task without a gate runs on the scheduler's event loop
(:func:`run_on_loop`).

The scheduler (``workflows.scheduler``) decides *when* a task runs; this module is *what*
running it means.  Everything is recorded through the workflow's recorder (the event
spine), so rows, events and their masking are those of the whole workflow run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.loop_run import LoopRun
from scriptrunner.core.reactor import Reactor
from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import RunnerError, ScriptRunnerError
from scriptrunner.gates.base import GateContext
from scriptrunner.gates.record import blocked_event
from scriptrunner.results import RunResult
from scriptrunner.store.recorder import Recorder
from scriptrunner.workflows import gating, records
from scriptrunner.workflows.executors import Executor
from scriptrunner.workflows.model import Plan, TaskInstance
from scriptrunner.workflows.outputs import read_outputs
from scriptrunner.workflows.results import TaskResult
from scriptrunner.workflows.secrets import WorkflowSecrets

#: How a finished task hands its result over: called on the scheduler's thread, it returns
#: the task's result or raises what ended it (``Future.result`` for a pooled task).
Outcome = Callable[[], TaskResult]

#: Called with the workflow's recorder and each task's finished run (cost attribution); a
#: ScriptRunnerError it raises is noted on the task, which keeps its state.
AfterRun = Callable[[Recorder, RunResult], object]


@dataclass(frozen=True, slots=True)
class TaskServices:
    """What every task of one workflow run shares."""

    plan: Plan
    workflow_run_id: str
    recorder: Recorder
    runner: Runner
    executor: Executor
    gate_context: GateContext
    secrets: WorkflowSecrets | None
    after_run: AfterRun | None
    #: Whether history is written (False: ``record=False``; no cost is attributed then).
    recording: bool
    #: Once the executor is lost, tasks whose condition calls ``always()`` run here.
    local_always: bool = False


def execute_task(
    services: TaskServices,
    inst: TaskInstance,
    spec: RunSpec,
    token: CancelToken,
    task_run_id: str,
    out_file: Path,
    here: bool = False,
) -> TaskResult:
    """Gate (when the task has a ``security`` policy), run, read outputs, attribute cost;
    ``here``: in this process, whatever the executor (see :func:`runs_here`)."""
    if inst.task.security is not None:
        blocked = _gate(services, inst, spec, task_run_id)
        if blocked is not None:
            return blocked

    try:
        result = services.runner.run(
            spec,
            cancel=token,
            run_id=task_run_id,
            attempt_fn=None if here else services.executor.attempt_fn(),
            **task_hooks(services, out_file),
        )
    except Exception as exc:
        run_failed(services, task_run_id, exc)
        raise
    return task_result(services, inst, result)


def run_on_loop(
    loop: Reactor,
    services: TaskServices,
    inst: TaskInstance,
    spec: RunSpec,
    token: CancelToken,
    task_run_id: str,
    out_file: Path,
    *,
    hand_over: Callable[[Outcome], None],
) -> None:
    """Start a local task without a gate on the scheduler's event loop: the same
    ``RunSession`` steps :func:`execute_task` runs through ``Runner.run``, driven by
    ``core.loop_run.LoopRun``; its outcome goes to ``hand_over`` when the run is over."""

    def done(ended: RunResult | BaseException) -> None:
        def outcome() -> TaskResult:
            if isinstance(ended, BaseException):
                run_failed(services, task_run_id, ended)
                raise ended
            return task_result(services, inst, ended)

        hand_over(outcome)

    session = services.runner.session(
        spec, cancel=token, run_id=task_run_id, **task_hooks(services, out_file)
    )
    try:
        session.start()
    except Exception as exc:  # nothing was started (command not found, a bad cwd)
        done(exc)
        return
    LoopRun(loop, session, done).start()


def task_hooks(services: TaskServices, out_file: Path) -> dict[str, Any]:
    """The keywords of a task's run (``Runner.run``, ``RunSession``): each attempt's
    ``SCRIPTRUNNER_OUTPUT`` and the outputs collected after the last one."""

    def attempt_env(n: int) -> dict[str, str]:
        # Each attempt starts with no outputs; the task creates the file if it writes any
        # (no file: no outputs), which spares two file opens per task.
        if n > 1:
            out_file.unlink(missing_ok=True)
        return {"SCRIPTRUNNER_OUTPUT": str(out_file)}

    return {
        "on_attempt_env": attempt_env,
        "collect_outputs": lambda: _outputs(services.secrets, out_file),
    }


def run_failed(services: TaskServices, task_run_id: str, exc: BaseException) -> None:
    """The task's run raised: the runner may have written its start row before failing, so
    that row is ended (an update of no row when it had not): nothing is left ``running``."""
    ended = {"status": "error", "error": internal_reason(exc), "finished_at": time.time()}
    services.recorder.finish_run(task_run_id, ended)


def runs_here(services: TaskServices, inst: TaskInstance) -> bool:
    """Whether a task of a remote executor runs in this process instead: its executor is
    lost, ``local_always`` is on, and its condition calls ``always()`` (a clean-up)."""
    if not services.local_always or not services.executor.lost:
        return False
    condition = inst.task.condition
    if not condition:
        return False
    from scriptrunner.workflows.expressions import parse_expression
    from scriptrunner.workflows.expressions.nodes import FunctionCall, walk

    try:
        node = parse_expression(condition)
    except ScriptRunnerError:
        return False
    return any(isinstance(n, FunctionCall) and n.name.lower() == "always" for n in walk(node))


def task_result(services: TaskServices, inst: TaskInstance, result: RunResult) -> TaskResult:
    """The task's result from its finished run (cost attributed, when recording)."""
    state = result.status if result.status != "running" else "error"
    reason = result.error
    placement = result.attempts[-1].placement if result.attempts else None
    if reason is None and placement is not None:  # a remote attempt that ended without
        reason = services.executor.why(placement.attempt_id)  # its worker's result
    if services.after_run is not None and services.recording:
        try:
            services.after_run(services.recorder, result)
        except ScriptRunnerError as exc:
            reason = "; ".join(filter(None, [reason, str(exc)]))
    return TaskResult(
        inst.id,
        inst.task.name,
        state,
        run=result,
        outputs=result.outputs,
        reason=reason,
        continue_on_error=inst.task.continue_on_error,
    )


def internal_reason(exc: BaseException) -> str:
    """The ``reason`` of a task that an exception ended: a ``ScriptRunnerError``'s own
    message, else what went wrong inside scriptrunner."""
    if isinstance(exc, ScriptRunnerError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "internal error: input nested too deeply to process (RecursionError)"
    return f"internal error: {exc!r}"


def _outputs(secrets: WorkflowSecrets | None, path: Path) -> Mapping[str, str]:
    """The task's outputs, masked: a later task must not read a secret through them.

    Any failure is a ``RunnerError``, which the runner records on the task's row."""
    try:
        outputs = read_outputs(path)
    except RunnerError:
        raise
    except Exception as exc:
        raise RunnerError(f"cannot read task outputs: {internal_reason(exc)}") from exc
    return secrets.mask_outputs(outputs) if secrets is not None else outputs


def _gate(
    services: TaskServices, inst: TaskInstance, spec: RunSpec, task_run_id: str
) -> TaskResult | None:
    """Scan the task's script; its ``blocked`` result, or None when it may run.

    The scan is stored under ``task_run_id`` either way: the id of the task's run when it
    passes, of its ``blocked`` row when not.  A ``ScannerError`` propagates, so the task
    ends as ``error`` (fail closed).
    """
    assert inst.task.security is not None
    blocked = gating.check(
        inst, spec, inst.task.security, services.gate_context, task_run_id, services.recorder
    )
    if blocked is None:
        return None
    result, findings = blocked
    row = records.unstarted_task_row(
        inst,
        result,
        workflow_run_id=services.workflow_run_id,
        base_dir=services.plan.workflow.base_dir,
        run_id=task_run_id,
        command=spec.command,
        script=spec.script,
    )
    event = blocked_event(
        task_run_id, script=spec.script, reason=result.reason or "", findings=findings, task=inst.id
    )
    services.recorder.start_run(row, [event])
    return result
