"""Spans from the event bus: the runner and the engine know nothing about tracing.

:class:`RunTracer` is a bus subscriber.  The span tree it builds:

``workflow NAME``      workflow.started ... workflow.finished
``task ID``            task.started ... task.finished: also the span of the task's run
                       (a task runs one run; a span for each would only nest twins)
``run SCRIPT``         a run outside a workflow: run.started ... run.finished
``attempt N``          children of a run span, only when the run was retried

Attempts are also span events (``attempt.finished``, ``retry``, ``timeout``), and so are a
workflow task's gate decisions (``scan.completed``, ``run.blocked`` and one event per
finding), published while the task's span is open.  The run's span must exist before its
first process starts, so
:meth:`RunTracer.env_for` (the runner's ``env_hook``) opens it if needed and returns the
``TRACEPARENT`` for the child.

Every span gets the ids :mod:`.ids` derives from run ids (through :class:`MintedIds`), so
spans built later from the event log by another process carry exactly the ids the children
were given.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import Span, Status, StatusCode, Tracer, set_span_in_context

from scriptrunner import events as ev
from scriptrunner.cmdline import mask_args
from scriptrunner.core.spec import RunSpec
from scriptrunner.tracing import ids
from scriptrunner.tracing.context import inject_env

#: The namespace of every span and span-event attribute scriptrunner sets.
ATTR_PREFIX = "scriptrunner."
_OK_RUN = ("succeeded",)
_FAILED = ("failed", "timed_out", "error", "blocked", "lost", "infrastructure")
#: A run's events of these kinds become events of its span, when it is open (a task's gate).
_SPAN_EVENTS = frozenset({ev.SCAN_COMPLETED, ev.RUN_BLOCKED, *ev.FINDING_EVENTS.values()})
_SCALARS = (str, bool, int, float)


def _ns(ts: float) -> int:
    return int(ts * 1e9)


def _label(script: str | None, command: Any) -> str:
    if script:
        return os.path.basename(script)
    return os.path.basename(str(command[0])) if command else "?"


class MintedIds(IdGenerator):
    """Gives the SDK the ids :class:`RunTracer` chose for the span it starts next (on the
    same thread): the provider's ``id_generator``.  A span started by anyone else (a
    script sharing the provider) gets random ids."""

    def __init__(self) -> None:
        self._next = threading.local()
        self._random = RandomIdGenerator()

    def choose(self, span_id: int, trace_id: int) -> None:
        self._next.ids = (span_id, trace_id)

    def generate_span_id(self) -> int:
        chosen: tuple[int, int] | None = getattr(self._next, "ids", None)
        self._next.ids = None  # the SDK asks for the trace id first, the span id last
        return chosen[0] if chosen is not None else self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        chosen: tuple[int, int] | None = getattr(self._next, "ids", None)
        return chosen[1] if chosen is not None else self._random.generate_trace_id()

    def is_trace_id_random(self) -> bool:
        return False  # a caller may choose a run id (--run-id): not promised random


@dataclass(slots=True)
class _Open:
    """A span not ended yet.  Its attributes are collected here and set once, just before
    it ends: OpenTelemetry validates attributes on every call, the costliest part of a span."""

    span: Span
    attrs: dict[str, Any] = field(default_factory=dict)
    task: bool = False  # a task's span: task.finished ends it, not run.finished
    attempts: list[Mapping[str, Any]] = field(default_factory=list)
    error: str | None = None  # the run's failure, e.g. "failed, exit 1"

    def end(self, ts: float, error: str | None = None) -> None:
        if error is not None:
            self.span.set_status(Status(StatusCode.ERROR, error))
        self.span.set_attributes(self.attrs)
        self.span.end(_ns(ts))


class RunTracer:
    """Opens and ends spans as run, task and workflow events arrive (see the module doc)."""

    def __init__(
        self,
        tracer: Tracer,
        parent: Context | None = None,
        *,
        minted: MintedIds | None = None,
        remote: ids.Parent | None = None,
    ) -> None:
        self._tracer = tracer
        self._parent = parent  # the incoming TRACEPARENT, if any
        self._minted = minted  # None: the provider's own (random) ids
        self._remote = remote  # the same parent, for deriving trace ids
        self._lock = threading.Lock()
        self._open: dict[str, _Open] = {}  # run id (workflow, task's run, run) -> its span
        self._tasks: dict[tuple[str, str], str] = {}  # (workflow run id, task) -> its run id
        self._handlers: dict[str, Callable[[ev.Event], None]] = {
            ev.WORKFLOW_STARTED: self._workflow_started,
            ev.TASK_STARTED: self._task_started,
            ev.RUN_STARTED: self._run_started,
            ev.RUN_ATTEMPT_FINISHED: self._attempt_finished,
            ev.RUN_FINISHED: self._run_finished,
            ev.TASK_FINISHED: self._task_finished,
            ev.WORKFLOW_FINISHED: self._workflow_finished,
        }

    def __call__(self, event: ev.Event) -> None:
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event)
        elif event.type in _SPAN_EVENTS and event.run_id:
            open_ = self._open.get(event.run_id)
            if open_ is not None:
                open_.span.add_event(event.type, _flat(event.payload), _ns(event.ts))

    def env_for(self, run_id: str, spec: RunSpec) -> dict[str, str]:
        """The runner's ``env_hook``: the run's span (opened now if needed) as TRACEPARENT."""
        try:
            open_ = self._run_span(
                run_id, spec.workflow_run_id, spec.task_name, spec.script, spec.command, time.time()
            )
            if spec.timeout is not None:
                open_.attrs[ATTR_PREFIX + "timeout_seconds"] = spec.timeout
            return inject_env(open_.span)
        except Exception:  # telemetry fails open: the run goes on without a parent
            return {}

    # -- helpers -------------------------------------------------------------------------

    def _start(
        self, name: str, parent: _Open | None, ts: float, attrs: dict[str, Any], key: str, root: str
    ) -> Span:
        """Start span ``name`` with id :func:`ids.span_id` of ``key``; without a parent
        span, in the trace of run ``root`` (or the incoming one)."""
        context = set_span_in_context(parent.span) if parent is not None else self._parent
        if self._minted is not None:
            self._minted.choose(ids.span_id(key), ids.trace_id(root, self._remote))
        return self._tracer.start_span(name, context=context, attributes=attrs, start_time=_ns(ts))

    def _run_span(
        self,
        run_id: str,
        workflow_run_id: str | None,
        task: str | None,
        script: str | None,
        command: Any,
        ts: float,
    ) -> _Open:
        with self._lock:
            open_ = self._open.get(run_id)
            if open_ is None:
                parent = self._open.get(workflow_run_id) if workflow_run_id else None
                in_workflow = parent is not None and task is not None
                name = f"task {task}" if in_workflow else f"run {_label(script, command)}"
                attrs: dict[str, Any] = {
                    ATTR_PREFIX + "run_id": run_id,
                    ATTR_PREFIX + "kind": "run",
                }
                if in_workflow:
                    attrs.update({ATTR_PREFIX + "kind": "task", ATTR_PREFIX + "task": task})
                root = workflow_run_id or run_id
                span = self._start(name, parent, ts, attrs, run_id, root)
                open_ = self._open[run_id] = _Open(span, task=in_workflow)
            return open_

    # -- handlers ------------------------------------------------------------------------

    def _workflow_started(self, e: ev.Event) -> None:
        p = e.payload
        attrs = {ATTR_PREFIX + "run_id": e.run_id or "", ATTR_PREFIX + "kind": "workflow"}
        wf = e.run_id or ""
        span = self._start(f"workflow {p.get('name', '')}", None, e.ts, attrs, wf, wf)
        open_ = _Open(span)
        open_.attrs.update(
            {
                ATTR_PREFIX + "workflow.name": str(p.get("name", "")),
                ATTR_PREFIX + "workflow.tasks": int(p.get("tasks", 0)),
                ATTR_PREFIX + "workflow.max_parallel": int(p.get("max_parallel", 0)),
            }
        )
        with self._lock:
            self._open[e.run_id or ""] = open_

    def _task_started(self, e: ev.Event) -> None:
        p = e.payload
        task, run_id, wf = str(p["task"]), str(p["task_run_id"]), e.run_id or ""
        attrs: dict[str, Any] = {
            ATTR_PREFIX + "run_id": run_id,
            ATTR_PREFIX + "kind": "task",
            ATTR_PREFIX + "task": task,
        }
        for key, value in (p.get("matrix") or {}).items():
            attrs[f"{ATTR_PREFIX}matrix.{key}"] = (
                value if isinstance(value, _SCALARS) else str(value)
            )
        with self._lock:
            span = self._start(f"task {task}", self._open.get(wf), e.ts, attrs, run_id, wf)
            self._open[run_id] = _Open(span, task=True)
            self._tasks[(wf, task)] = run_id

    def _run_started(self, e: ev.Event) -> None:
        p = e.payload
        script, command = p.get("script"), [str(c) for c in p.get("command") or ()]
        open_ = self._run_span(
            e.run_id or "", p.get("workflow_run_id"), p.get("task_name"), script, command, e.ts
        )
        attrs = open_.attrs
        if p.get("timeout") is not None:  # else env_for set it, from the spec
            attrs[ATTR_PREFIX + "timeout_seconds"] = float(p["timeout"])
        if script:
            attrs[ATTR_PREFIX + "script"] = str(script)
        if command:
            attrs[ATTR_PREFIX + "program"] = command[0]
            attrs[ATTR_PREFIX + "args"] = mask_args(command[2:] if script else command[1:])
        attrs[ATTR_PREFIX + "cwd"] = str(p.get("cwd", ""))
        for key, value in (p.get("tags") or {}).items():
            attrs[f"{ATTR_PREFIX}tag.{key}"] = str(value)

    def _attempt_finished(self, e: ev.Event) -> None:
        open_ = self._open.get(e.run_id or "")
        if open_ is None:
            return
        p = e.payload
        n = int(p.get("attempt", 0))
        span = open_.span
        finished = _ns(float(p.get("finished_at", e.ts)))
        if n > 1:
            retry: dict[str, Any] = {
                ATTR_PREFIX + "attempt": n,
                ATTR_PREFIX + "delay_seconds": float(p.get("delay_before", 0.0)),
            }
            span.add_event("retry", retry, _ns(float(p.get("started_at", e.ts))))
        if p.get("status") != "succeeded":  # a lone success is said by the run's attributes
            attempt: dict[str, Any] = {
                ATTR_PREFIX + "attempt": n,
                ATTR_PREFIX + "status": str(p.get("status")),
                ATTR_PREFIX + "exit_code": int(p.get("exit_code") or 0),
            }
            span.add_event("attempt.finished", attempt, finished)
        if p.get("status") == "timed_out":
            span.add_event("timeout", {ATTR_PREFIX + "attempt": n}, finished)
        open_.attempts.append(p)

    def _attempt_spans(self, run_id: str, run: _Open) -> None:
        """A child span per attempt, for runs that were retried (made once all are known)."""
        for p in run.attempts:
            n = int(p.get("attempt", 0))
            attrs = {
                ATTR_PREFIX + "attempt": n,
                ATTR_PREFIX + "status": str(p.get("status")),
                ATTR_PREFIX + "exit_code": int(p.get("exit_code") or 0),
                ATTR_PREFIX + "delay_seconds": float(p.get("delay_before", 0.0)),
            }
            key = f"{run_id}/attempt {n}"
            span = self._start(f"attempt {n}", run, float(p["started_at"]), attrs, key, run_id)
            if p.get("status") != "succeeded":
                span.set_status(Status(StatusCode.ERROR, f"attempt {n} {p.get('status')}"))
            span.end(_ns(float(p["finished_at"])))

    def _run_finished(self, e: ev.Event) -> None:
        run_id = e.run_id or ""
        with self._lock:
            open_ = self._open.get(run_id)
            if open_ is None:
                return
            if not open_.task:
                del self._open[run_id]
        p = e.payload
        cpu = float(p.get("cpu_user_seconds") or 0) + float(p.get("cpu_system_seconds") or 0)
        attrs = open_.attrs
        if not open_.task:  # a task's state says it
            attrs[ATTR_PREFIX + "status"] = str(p.get("status"))
        attrs[ATTR_PREFIX + "exit_code"] = int(p.get("exit_code") or 0)
        attrs[ATTR_PREFIX + "attempts"] = int(p.get("attempts") or 0)
        attrs[ATTR_PREFIX + "duration_seconds"] = float(p.get("duration_seconds") or 0.0)
        attrs[ATTR_PREFIX + "cpu_seconds"] = round(cpu, 6)
        if p.get("peak_rss_bytes") is not None:
            attrs[ATTR_PREFIX + "peak_rss_bytes"] = int(p["peak_rss_bytes"])
        if len(open_.attempts) > 1:
            self._attempt_spans(run_id, open_)
        if p.get("status") not in _OK_RUN:
            open_.error = f"{p.get('status')}, exit {p.get('exit_code')}"
        if not open_.task:
            open_.end(e.ts, open_.error)

    def _task_finished(self, e: ev.Event) -> None:
        p = e.payload
        task, wf = str(p["task"]), e.run_id or ""
        with self._lock:
            run_id = self._tasks.pop((wf, task), None)
            open_ = self._open.pop(run_id, None) if run_id else None
            if open_ is None:  # skipped, cancelled, reused: a task that started no run
                attrs = {ATTR_PREFIX + "kind": "task", ATTR_PREFIX + "task": task}
                parent = self._open.get(wf)
                span = self._start(f"task {task}", parent, e.ts, attrs, f"{wf}/task {task}", wf)
                open_ = _Open(span)
        state = str(p.get("state"))
        open_.attrs[ATTR_PREFIX + "task.state"] = state
        if state in _FAILED and p.get("result") == "success":
            open_.attrs[ATTR_PREFIX + "task.result"] = "success"  # tolerated: continue_on_error
        if p.get("reason"):
            open_.attrs[ATTR_PREFIX + "task.reason"] = str(p["reason"])
        error = None
        if state in _FAILED:  # the task's reason, else the run's own ("failed, exit 1")
            error = str(p.get("reason") or open_.error or state)
        open_.end(e.ts, error)

    def _workflow_finished(self, e: ev.Event) -> None:
        with self._lock:
            open_ = self._open.pop(e.run_id or "", None)
        if open_ is None:
            return
        p = e.payload
        open_.attrs[ATTR_PREFIX + "status"] = str(p.get("status"))
        open_.attrs[ATTR_PREFIX + "exit_code"] = int(p.get("exit_code") or 0)
        for state, count in (p.get("counts") or {}).items():
            open_.attrs[f"{ATTR_PREFIX}tasks.{state}"] = int(count)
        open_.end(e.ts, str(p.get("status")) if p.get("status") != "succeeded" else None)


def _flat(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Scalar payload values as span attributes (others as text; None left out)."""
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        if value is not None:
            flat[ATTR_PREFIX + key] = value if isinstance(value, _SCALARS) else str(value)
    return flat
