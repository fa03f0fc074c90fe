"""The progress lines and the summary of tasks that end ``lost`` or ``infrastructure``."""

from __future__ import annotations

import io

from rich.console import Console

from scriptrunner.results import AttemptResult, Metrics, OutputTail, RunId, RunResult
from scriptrunner.workflows.progress import STATE_STYLE, attempt_ended, print_summary
from scriptrunner.workflows.results import TaskResult, WorkflowResult


def _task(name: str, state: str, stderr: str) -> TaskResult:
    attempt = AttemptResult(1, state, -1, 1.0, 2.0, Metrics())  # type: ignore[arg-type]
    run = RunResult(
        run_id=RunId(f"{name:0<32}"),
        command=("train.sh",),
        script=None,
        cwd="/",
        status=state,  # type: ignore[arg-type]
        exit_code=-1,
        started_at=1.0,
        finished_at=2.0,
        attempts=(attempt,),
        metrics=Metrics(),
        stderr=OutputTail(stderr, len(stderr)),
    )
    return TaskResult(name, name, state, run=run, reason=f"{name} reason")  # type: ignore[arg-type]


def test_the_summary_shows_why_lost_and_infrastructure_tasks_failed() -> None:
    tasks = {
        "train": _task("train", "lost", "epoch 3 of 10\n"),
        "eval": _task("eval", "infrastructure", "scheduler unreachable\n"),
    }
    result = WorkflowResult("f" * 32, "cluster", tasks, 0.0, 3.0)
    buffer = io.StringIO()
    print_summary(Console(file=buffer, width=120, color_system=None), result)
    text = " ".join(buffer.getvalue().split())
    assert "train lost" in text and "eval infrastructure" in text
    assert "epoch 3 of 10" in text and "scheduler unreachable" in text  # their stderr tails
    assert "workflow cluster failed" in text
    assert STATE_STYLE["lost"] == STATE_STYLE["infrastructure"] == "red"


def test_a_retry_line_says_how_an_attempt_without_exit_code_ended() -> None:
    assert attempt_ended({"status": "lost", "exit_code": -1}) == "was lost (its worker died)"
    assert attempt_ended({"status": "infrastructure"}) == "could not run (its cluster failed)"
    assert attempt_ended({"status": "failed", "exit_code": 2}) == "exited 2"
