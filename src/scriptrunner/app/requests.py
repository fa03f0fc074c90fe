"""What an entry point asks the application layer for a run, and what it gets back (frozen
values); a workflow's request is ``app.workflow_request`` (a run does not import it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from scriptrunner.core.attempt import RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import SecurityError
from scriptrunner.results import RunResult
from scriptrunner.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scriptrunner.costs.attribution import Attribution, RunCoster
    from scriptrunner.gates.base import GatePolicy
    from scriptrunner.gates.pre_run import PreRunOutcome
    from scriptrunner.tracing import TracingConfig
    from scriptrunner.vaults.masking import Masker


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run: what to run and which of the session's services it uses."""

    spec: RunSpec
    #: The run's id, chosen by the caller (``run --run-id``: the dashboard knows it before
    #: the run starts): 32 lowercase hex digits, not yet in the store.  None: a new one.
    run_id: str | None = None
    #: Scan before running (``run --scan``); None: no gate.
    gate: GatePolicy | None = None
    #: The requirements file the ``deps`` gate checks (``run --requirements``).
    requirements: Path | None = None
    #: Scan exactly these paths instead of the code the command runs (``run --scan-path``).
    scan_paths: tuple[str, ...] = ()
    #: ``NAME -> vault reference`` fetched into the child's environment and masked.
    secrets: Mapping[str, str] = field(default_factory=dict)
    trace: TracingConfig | None = None
    coster: RunCoster | None = None
    echo_stdout: BinaryIO | None = None
    echo_stderr: BinaryIO | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """A finished run, the gate that let it start, its cost (or why it was not recorded),
    the masker of its secrets (what an entry point prints goes through it), and whether
    its history is delayed (the store was unreachable at its end: what says so and where
    the journal keeping it is; None when it is all in the store)."""

    result: RunResult
    gate: PreRunOutcome | None = None
    attribution: Attribution | None = None
    cost_error: Exception | None = None
    masker: Masker | None = None
    history_delayed: str | None = None

    def mask(self, text: str) -> str:
        return self.masker.mask(text) if self.masker is not None else text


class GateBlocked(SecurityError):
    """The pre-execution gate blocked the run; it was recorded as ``blocked``, never run."""

    def __init__(self, outcome: PreRunOutcome) -> None:
        super().__init__(
            f"{outcome.script}: not run: {outcome.reason} "
            f"(recorded as blocked run {outcome.run_id[:8]})"
        )
        self.outcome = outcome


def run_options(
    settings: Settings, request: RunRequest | None = None, masker: Masker | None = None
) -> RunOptions:
    """The runner's options from the settings (and a request's echo streams and masker)."""
    return RunOptions(
        tail_bytes=settings.tail_bytes,  # checked when the session opened
        kill_grace=settings.kill_grace,
        sample_interval=settings.sample_interval,
        max_samples=settings.max_samples,
        echo_stdout=request.echo_stdout if request is not None else None,
        echo_stderr=request.echo_stderr if request is not None else None,
        output_filter=masker or None,
    )
