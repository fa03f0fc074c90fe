"""Typed results of a run: what the runner measured and decided, as frozen values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NewType, get_args

from scriptrunner.errors import ConfigError
from scriptrunner.payloads import METRICS, attempt_payload, metrics_payload

RunId = NewType("RunId", str)


def new_run_id() -> RunId:
    """128 random bits as 32 hex digits (like uuid4().hex, without importing uuid)."""
    return RunId(os.urandom(16).hex())


_HEX = frozenset("0123456789abcdef")


def parse_run_id(text: str, flag: str = "--run-id") -> RunId:
    """A run id chosen by the caller (``run --run-id``): exactly what :func:`new_run_id`
    makes, 32 lowercase hex digits; ``ConfigError`` naming ``flag`` otherwise."""
    if len(text) != 32 or not _HEX.issuperset(text):
        raise ConfigError(
            f"{flag}: {text[:40]!r} is not a run id: give 32 lowercase hex digits "
            "(like the ids `scriptrunner history` shows in full)"
        )
    return RunId(text)


#: Final status of a run or attempt.  ``running`` only appears in the store while in flight.
#:
#: ``lost``: the process that ran it is gone without saying how it ended (a runner killed
#: outright, found by ``store.liveness``; a remote attempt whose worker died).
#: ``infrastructure``: it could not run, or could not be followed to its end, because the
#: place it runs on failed (a cluster without scheduler or workers), not because of the
#: command.  Both are failures, retried under the run's retry policy like any other.
RunStatus = Literal[
    "running",
    "succeeded",
    "failed",
    "timed_out",
    "cancelled",
    "blocked",
    "error",
    "skipped",
    "lost",
    "infrastructure",
]
#: Every status but ``running``, in the order above.
TERMINAL_STATUSES: tuple[RunStatus, ...] = tuple(
    status for status in get_args(RunStatus) if status != "running"
)

LOST_STATUS: RunStatus = "lost"
INFRASTRUCTURE_STATUS: RunStatus = "infrastructure"
#: Every status a stored run can show.
STORED_STATUSES: tuple[str, ...] = ("running", *TERMINAL_STATUSES)

#: Exit code used when a run hits its timeout (the convention of coreutils ``timeout``).
TIMEOUT_EXIT_CODE = 124


@dataclass(frozen=True, slots=True)
class Sample:
    """One monitoring sample of the whole process tree, ``t`` seconds after the start."""

    t: float
    cpu_percent: float
    rss_bytes: int
    num_procs: int


@dataclass(frozen=True, slots=True)
class Metrics:
    """Resource usage of one attempt (or, summed, of a whole run)."""

    wall_seconds: float = 0.0
    cpu_user_seconds: float = 0.0
    cpu_system_seconds: float = 0.0
    #: None when unknown (a run too short to sample; see ``payloads.measured``).
    peak_rss_bytes: int | None = None
    cpu_percent_avg: float = 0.0
    cpu_percent_max: float = 0.0
    samples: tuple[Sample, ...] = ()

    @property
    def cpu_seconds(self) -> float:
        return self.cpu_user_seconds + self.cpu_system_seconds

    def as_dict(self) -> dict[str, Any]:
        return metrics_payload(self.values())

    def values(self) -> dict[str, Any]:
        """The figures as measured (``payloads.METRICS``), unrounded: the stored columns."""
        return {name: getattr(self, name) for name in METRICS}


@dataclass(frozen=True, slots=True)
class OutputTail:
    """The last bytes of one output stream, decoded for storage, and how much there was."""

    text: str = ""
    total_bytes: int = 0
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """One attempt of a run."""

    attempt: int
    status: RunStatus
    exit_code: int
    started_at: float
    finished_at: float
    metrics: Metrics
    signal: int | None = None
    delay_before: float = 0.0
    #: Where it ran, when that is not this process (a remote executor's worker): see
    #: :class:`Placement`.  None for an attempt run here.
    placement: Placement | None = None

    def as_dict(self) -> dict[str, Any]:
        payload = attempt_payload(
            attempt=self.attempt,
            status=self.status,
            exit_code=self.exit_code,
            signal=self.signal,
            started_at=self.started_at,
            finished_at=self.finished_at,
            delay_before=self.delay_before,
            metrics=self.metrics.values(),
        )
        if self.placement is not None:
            payload.update(self.placement.values())
        return payload


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a remote attempt ran and how long it waited for a slot.

    ``attempt_id`` names the attempt across processes (a result or output from an older
    attempt of the same run is told apart by it); ``host``/``pid`` are the worker's host
    and the attempt's process; ``worker`` is the executor's name for the worker (a Dask
    worker address); ``queued_seconds`` is the time from submission to the process start
    (not part of the attempt's duration)."""

    attempt_id: str
    host: str | None = None
    pid: int | None = None
    worker: str | None = None
    queued_seconds: float | None = None

    def values(self) -> dict[str, Any]:
        """The ``run_attempts`` columns (and event keys) of the same names."""
        return {
            "attempt_id": self.attempt_id,
            "host": self.host,
            "pid": self.pid,
            "worker": self.worker,
            "queued_seconds": self.queued_seconds,
        }


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything known about a finished run; the same data the history store keeps."""

    run_id: RunId
    command: tuple[str, ...]
    script: str | None
    cwd: str
    status: RunStatus
    exit_code: int
    started_at: float
    finished_at: float
    attempts: tuple[AttemptResult, ...]
    metrics: Metrics
    stdout: OutputTail = field(default_factory=OutputTail)
    stderr: OutputTail = field(default_factory=OutputTail)
    tags: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    parent_run_id: str | None = None
    workflow_run_id: str | None = None
    task_name: str | None = None
    #: Values the run wrote to ``$SCRIPTRUNNER_OUTPUT`` (workflow tasks).
    outputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def duration(self) -> float:
        return self.finished_at - self.started_at

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of the result (``run --json`` prints the stored story:
        ``scriptrunner.app.story``)."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "command": list(self.command),
            "script": self.script,
            "cwd": self.cwd,
            "tags": dict(self.tags),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_seconds": round(self.duration, 6),
            "attempts": [a.as_dict() for a in self.attempts],
            "metrics": self.metrics.as_dict(),
            "stdout_bytes": self.stdout.total_bytes,
            "stderr_bytes": self.stderr.total_bytes,
            "stdout_tail": self.stdout.text,
            "stderr_tail": self.stderr.text,
            "error": self.error,
            "parent_run_id": self.parent_run_id,
            "workflow_run_id": self.workflow_run_id,
            "task_name": self.task_name,
            "outputs": dict(self.outputs),
        }
