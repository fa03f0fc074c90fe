"""The typed catalogue of every event type: its producer, its payload (a ``TypedDict``) and
whether it is stored.  The names and how events travel are in :mod:`scriptrunner.events`;
a test checks every stored event of the real CLI against this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypedDict

from scriptrunner.events import (
    COST_CALCULATED,
    FINDING_DETECTED,
    RUN_ATTEMPT_FINISHED,
    RUN_BLOCKED,
    RUN_FINISHED,
    RUN_STARTED,
    SCAN_COMPLETED,
    SECRET_DETECTED,
    SPAN_CREATED,
    SPAN_ENDED,
    TASK_FINISHED,
    TASK_STARTED,
    VULNERABILITY_DETECTED,
    WORKFLOW_FINISHED,
    WORKFLOW_STARTED,
)


class _RunStartedRequired(TypedDict):
    command: list[str]
    script: str | None
    cwd: str
    tags: dict[str, str]
    workflow_run_id: str | None
    task_name: str | None


class RunStartedPayload(_RunStartedRequired, total=False):
    # Only on a run with a timeout: its seconds (the span built from the event log says it).
    timeout: float


class _Metrics(TypedDict):
    wall_seconds: float
    cpu_user_seconds: float
    cpu_system_seconds: float
    peak_rss_bytes: int | None
    cpu_percent_avg: float
    cpu_percent_max: float


class _AttemptFinishedRequired(_Metrics):
    attempt: int
    status: str
    exit_code: int
    signal: int | None
    started_at: float
    finished_at: float
    delay_before: float


class AttemptFinishedPayload(_AttemptFinishedRequired, total=False):
    retry_in: float  # only on an attempt followed by a retry: the wait before the next one
    # Only on a remote attempt (``results.Placement``): where it ran, how long it queued.
    attempt_id: str
    host: str | None
    pid: int | None
    worker: str | None
    queued_seconds: float | None


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


class PlanInstance(TypedDict):
    """One task instance of a workflow's plan: its id (``build (os=linux)``), the task it
    comes from, its matrix values and the instance ids it needs."""

    id: str
    task: str
    matrix: dict[str, Any]
    needs: list[str]


class WorkflowStartedPayload(TypedDict):
    name: str
    tasks: int
    max_parallel: int
    #: The plan's graph, in plan order (events stored by older versions lack it).
    instances: list[PlanInstance]


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
    #: One per priced line: key, component, quantity, unit, unit_usd, cost_usd (decimal text).
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


class EventType(NamedTuple):
    """One entry of the catalogue: the type's name, who emits it, its payload's shape, and
    whether it is stored in the ``events`` table (all but span notifications are).

    A named tuple: defining one costs a tenth of a dataclass (0.07 ms against 0.65 ms)."""

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
