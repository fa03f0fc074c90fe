"""The one catalogue of event types, the event value, and the in-process bus.

Every event goes through one spine (:class:`scriptrunner.store.recorder.Recorder`): it is
written to the history store's ``events`` table in the same transaction as the rows it
describes, and only then handed to the bus's subscribers (tracing, progress output, the
dashboard).  So a reader of the ``events`` table never misses what a subscriber saw.

=======================  ======================  ==============================================
type                     producer                payload (see the ``*Payload`` types below)
=======================  ======================  ==============================================
``run.started``          runner                  command, script, cwd, tags, workflow/task
``run.attempt.finished`` runner                  one attempt: status, exit code, metrics
``run.finished``         runner                  status, exit code, attempts, metrics
``run.blocked``          pre-execution gates     script, reason, blocking findings (count)
``workflow.started``     workflow engine         name, tasks, max_parallel
``task.started``         workflow engine         task id, its run id, matrix values
``task.finished``        workflow engine         task id, state, result, exit code, reason
``workflow.finished``    workflow engine         status, exit code, duration, counts
``scan.completed``       scans (CLI and gates)   scan id, kind, status, counts, tools
``finding.detected``     code scans              one per counted code finding
``vulnerability.detected`` dependency scans      one per counted vulnerability
``secret.detected``      secret scans            one per counted secret (redacted only)
``cost.calculated``      cost attribution        the run's price, its lines and utilisation
``trace.span.created``   tracing                 trace, span and parent ids, span name
``trace.span.ended``     tracing                 the same, when the span ends
=======================  ======================  ==============================================

The two ``trace.span.*`` events are published only (``stored=False`` in the catalogue):
the spans themselves are stored in the ``spans`` table by the tracing session's exporter.

A subscriber that raises is reported once on the ``scriptrunner.events`` logger and never
breaks the run: subscribers are observers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

RUN_STARTED = "run.started"
RUN_ATTEMPT_FINISHED = "run.attempt.finished"
RUN_FINISHED = "run.finished"
RUN_BLOCKED = "run.blocked"
WORKFLOW_STARTED = "workflow.started"
TASK_STARTED = "task.started"
TASK_FINISHED = "task.finished"
WORKFLOW_FINISHED = "workflow.finished"
SCAN_COMPLETED = "scan.completed"
FINDING_DETECTED = "finding.detected"
VULNERABILITY_DETECTED = "vulnerability.detected"
SECRET_DETECTED = "secret.detected"
COST_CALCULATED = "cost.calculated"
SPAN_CREATED = "trace.span.created"
SPAN_ENDED = "trace.span.ended"


class RunStartedPayload(TypedDict):
    command: list[str]
    script: str | None
    cwd: str
    tags: dict[str, str]
    workflow_run_id: str | None
    task_name: str | None


class _Metrics(TypedDict):
    wall_seconds: float
    cpu_user_seconds: float
    cpu_system_seconds: float
    peak_rss_bytes: int | None
    cpu_percent_avg: float
    cpu_percent_max: float


class AttemptFinishedPayload(_Metrics):
    attempt: int
    status: str
    exit_code: int
    signal: int | None
    started_at: float
    finished_at: float
    delay_before: float


class RunFinishedPayload(_Metrics):
    status: str
    exit_code: int
    attempts: int
    duration_seconds: float


class _RunBlockedRequired(TypedDict):
    script: str | None
    reason: str
    findings: int


class RunBlockedPayload(_RunBlockedRequired, total=False):
    task: str  # only for a workflow task


class WorkflowStartedPayload(TypedDict):
    name: str
    tasks: int
    max_parallel: int


class TaskStartedPayload(TypedDict):
    task: str
    task_run_id: str
    matrix: dict[str, Any]


class TaskFinishedPayload(TypedDict):
    task: str
    state: str
    result: str
    exit_code: int | None
    duration_seconds: float
    reason: str | None


class WorkflowFinishedPayload(TypedDict):
    status: str
    exit_code: int
    duration_seconds: float
    counts: dict[str, int]


class ScanCompletedPayload(TypedDict):
    scan_id: str
    kind: str
    status: str
    counts: dict[str, int]
    tools: dict[str, str]


class _FindingRequired(TypedDict):
    scan_id: str
    rule_id: str
    severity: str
    confidence: str | None
    path: str
    line: int
    fingerprint: str


class FindingPayload(_FindingRequired, total=False):
    """Identifiers and redacted forms only: a secret value never reaches an event."""

    package: str
    version: str
    aliases: list[str]
    fix: str | None
    minimal_upgrade: str | None
    redacted: str
    commit: str


class _CostRequired(TypedDict):
    profile: str
    provider: str
    region: str
    usd: float
    usd_exact: str
    basis: str
    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int | None
    lines: list[dict[str, Any]]
    catalog: list[dict[str, Any]]
    warnings: list[str]


class CostCalculatedPayload(_CostRequired, total=False):
    cpu_utilisation: float
    memory_utilisation: float


class SpanPayload(TypedDict):
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class EventType:
    """One entry of the catalogue: the type's name, who emits it, its payload's shape, and
    whether it is stored in the ``events`` table (all but span notifications are)."""

    name: str
    producer: str
    payload: type
    stored: bool = True


#: Every event type the product emits; a test checks every stored event against it.
CATALOGUE: Mapping[str, EventType] = {
    t.name: t
    for t in (
        EventType(RUN_STARTED, "runner", RunStartedPayload),
        EventType(RUN_ATTEMPT_FINISHED, "runner", AttemptFinishedPayload),
        EventType(RUN_FINISHED, "runner", RunFinishedPayload),
        EventType(RUN_BLOCKED, "gates", RunBlockedPayload),
        EventType(WORKFLOW_STARTED, "workflow engine", WorkflowStartedPayload),
        EventType(TASK_STARTED, "workflow engine", TaskStartedPayload),
        EventType(TASK_FINISHED, "workflow engine", TaskFinishedPayload),
        EventType(WORKFLOW_FINISHED, "workflow engine", WorkflowFinishedPayload),
        EventType(SCAN_COMPLETED, "scans", ScanCompletedPayload),
        EventType(FINDING_DETECTED, "code scans", FindingPayload),
        EventType(VULNERABILITY_DETECTED, "dependency scans", FindingPayload),
        EventType(SECRET_DETECTED, "secret scans", FindingPayload),
        EventType(COST_CALCULATED, "cost attribution", CostCalculatedPayload),
        EventType(SPAN_CREATED, "tracing", SpanPayload, stored=False),
        EventType(SPAN_ENDED, "tracing", SpanPayload, stored=False),
    )
}

#: The per-finding event of each scanner kind.
FINDING_EVENTS: Mapping[str, str] = {
    "code": FINDING_DETECTED,
    "deps": VULNERABILITY_DETECTED,
    "secrets": SECRET_DETECTED,
}


def payload_problems(event_type: str, payload: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``payload`` for ``event_type`` (unknown type, missing or unknown
    keys); empty when it matches the catalogue."""
    entry = CATALOGUE.get(event_type)
    if entry is None:
        return [f"unknown event type {event_type!r}"]
    shape: Any = entry.payload
    required: frozenset[str] = shape.__required_keys__
    allowed = required | shape.__optional_keys__
    problems = [f"{event_type}: missing {k!r}" for k in sorted(required - set(payload))]
    problems += [f"{event_type}: unexpected {k!r}" for k in sorted(set(payload) - allowed)]
    return problems


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: a type, the run it belongs to, when, and JSON-ready data."""

    type: str
    run_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


Subscriber = Callable[[Event], None]


class EventBus:
    """Hands events that are already stored to in-process subscribers.

    The bus stores nothing: the recorder (``scriptrunner.store.recorder``) writes an event
    with its rows, then calls :meth:`publish`.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._failed: set[int] = set()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Register ``fn``; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Call every subscriber with ``event`` (stored already); failures are logged once."""
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:
                # Observers fail open, but say so once per subscriber instead of every event.
                if id(fn) not in self._failed:
                    import logging  # only on this rare path: logging costs 2.5 ms to import

                    self._failed.add(id(fn))
                    logging.getLogger("scriptrunner.events").warning(
                        "event subscriber %r failed", fn, exc_info=True
                    )
