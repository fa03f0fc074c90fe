"""Results of a workflow run: one :class:`TaskResult` per task instance, and the total."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from scriptrunner.results import RunResult

#: How a task instance ended.  Every instance ends in exactly one of these.  ``blocked``:
#: a pre-execution security gate stopped the script before any process started.
#: ``lost``/``infrastructure``: its last attempt ran on a worker that died / could not run
#: or be followed because the cluster failed (``results.RunStatus``).
TaskState = Literal[
    "succeeded",
    "failed",
    "timed_out",
    "cancelled",
    "skipped",
    "error",
    "blocked",
    "lost",
    "infrastructure",
]

#: ``needs.<task>.result`` values, GitHub's vocabulary.
GithubResult = Literal["success", "failure", "cancelled", "skipped"]


@dataclass(frozen=True, slots=True)
class TaskResult:
    """One task instance's outcome (``run`` is None when no process was started).

    ``reused_from``: the task row of an earlier run whose outcome this is (``--resume``);
    ``rerun``: why ``--resume`` evaluated the task again instead of reusing it
    (``failed in run 1a2b3c4d``, ``needs `build`, which is re-run``)."""

    id: str
    task: str
    state: TaskState
    run: RunResult | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None
    continue_on_error: bool = False
    reused_from: str | None = None
    rerun: str | None = None

    @property
    def result(self) -> GithubResult:
        """What ``needs.<task>.result`` says (a tolerated failure counts as success).

        A blocked task is a failure even with ``continue_on_error``: a security decision
        is not a flaky step to tolerate, and its dependents must not run as if it passed.
        """
        if self.state == "succeeded":
            return "success"
        if self.state == "blocked":
            return "failure"
        if self.state == "skipped":
            return "skipped"
        if self.state == "cancelled":
            return "cancelled"
        return "success" if self.continue_on_error else "failure"

    @property
    def outcome(self) -> GithubResult:
        """The result before ``continue_on_error`` is applied (GitHub's step ``outcome``)."""
        if self.state in ("failed", "timed_out", "error", "blocked", "lost", "infrastructure"):
            return "failure"
        return self.result

    @property
    def duration(self) -> float:
        return self.run.duration if self.run is not None else 0.0


@dataclass(frozen=True, slots=True)
class WorkflowResult:
    """A whole workflow run."""

    run_id: str
    name: str
    tasks: Mapping[str, TaskResult]
    started_at: float
    finished_at: float
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return all(t.result in ("success", "skipped") for t in self.tasks.values()) and not (
            self.cancelled
        )

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        return "succeeded" if self.ok else "failed"

    @property
    def duration(self) -> float:
        return self.finished_at - self.started_at

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.tasks.values():
            counts[t.state] = counts.get(t.state, 0) + 1
        return counts
