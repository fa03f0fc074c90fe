"""Progress of a workflow while it runs (bus subscribers), and the final summary.

On a terminal, :class:`LiveProgress` keeps a live block of running tasks; anywhere else (a
pipe, a CI log) :class:`PlainProgress` writes one plain line per task state change, and
before each retry of a task the retry line (``core.retry.retry_message``).  Both write to
the CLI's stderr only: a task's stored output is its own.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import IO, Any

from scriptrunner import events as ev
from scriptrunner.core.retry import CLUSTER_FAILURES, ended_words, retry_message
from scriptrunner.display import shown
from scriptrunner.results import TIMEOUT_EXIT_CODE
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.results import TaskResult, WorkflowResult

STATE_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "error": "red",
    "blocked": "red",
    "timed_out": "yellow",
    "cancelled": "magenta",
    "skipped": "dim",
    "lost": "red",
    "infrastructure": "red",
}
#: The states whose task's stderr tail the summary shows.
_FAILED = ("failed", "timed_out", "error", "lost", "infrastructure")


class LiveProgress:
    """Shows running tasks and counts while a workflow runs (only on a terminal)."""

    def __init__(self, console: Any, total: int, plan: Plan | None = None) -> None:
        from rich.live import Live

        self.console = console
        self.total = total
        self.lines = ProgressLines(plan) if plan is not None else None
        self.running: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=True)

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def __call__(self, event: ev.Event) -> None:
        with self.lock:
            task = str(event.payload.get("task", ""))
            if self.lines is not None and event.type in (ev.TASK_STARTED, ev.RUN_ATTEMPT_FINISHED):
                retry = self.lines.line_for(event)  # remembers task runs; a retry or None
                if event.type == ev.RUN_ATTEMPT_FINISHED:
                    if retry is not None:
                        self.console.print(_line(retry))
                    return
            if event.type == ev.TASK_STARTED:
                self.running[task] = time.monotonic()
            elif event.type == ev.TASK_FINISHED:
                self.running.pop(task, None)
                state = str(event.payload.get("state"))
                self.counts[state] = self.counts.get(state, 0) + 1
                self.console.print(_line((f"{shown(state):>9}", STATE_STYLE.get(state, "")), task))
            else:
                return
            self.live.update(self._render())

    def _render(self) -> Any:
        from rich.text import Text

        done = sum(self.counts.values())
        now = time.monotonic()
        lines = [f"{done}/{self.total} done, {len(self.running)} running"]
        for task, started in list(self.running.items())[:10]:
            lines.append(f"  ▶ {shown(task)} ({now - started:.0f}s)")
        return Text("\n".join(lines))


#: How an attempt that has no exit code of its own ended (``results.RunStatus``).
def attempt_ended(attempt: dict[str, Any]) -> str:
    """How an attempt ended, as the retry line says it: ``exited 2``, ``timed out``,
    ``was killed by SIGKILL``."""
    status = attempt.get("status")
    if status == "timed_out":
        return "timed out"
    if status in CLUSTER_FAILURES:
        return ended_words(str(status), None, None)
    number = attempt.get("signal")
    if number:
        try:
            return f"was killed by {signal.Signals(number).name}"
        except ValueError:
            return f"was killed by signal {number}"
    code = attempt.get("exit_code")
    return "timed out" if code == TIMEOUT_EXIT_CODE else f"exited {code}"


class ProgressLines:
    """The text of one progress line per event, or None for events that make none::

        build: started
        build: attempt 1 exited 2; retrying in 1.0 s (2 of 3)
        build: succeeded (exit 0, 3.12 s)
        deploy: skipped — needs `build`, which failed

    The retry delay is the wait the runner drew (``retry_in`` of ``run.attempt.finished``)."""

    def __init__(self, plan: Plan) -> None:
        self.instances = plan.by_id()
        self.tasks: dict[str, str] = {}  # task run id -> instance id

    def line_for(self, event: ev.Event) -> str | None:
        payload = event.payload
        if event.type == ev.TASK_STARTED:
            self.tasks[str(payload.get("task_run_id"))] = str(payload.get("task"))
            return f"{payload.get('task')}: started"
        if event.type == ev.TASK_FINISHED:
            return f"{payload.get('task')}: {_finished(payload)}"
        if event.type == ev.RUN_ATTEMPT_FINISHED and event.run_id in self.tasks:
            iid = self.tasks[event.run_id]
            policy = self.instances[iid].task.retry
            n, code = int(payload.get("attempt") or 0), int(payload.get("exit_code") or 0)
            status = str(payload.get("status") or "")
            if status == "cancelled" or not policy.should_retry(n, code, status):
                return None  # the last attempt: task.finished says how the task ended
            retry_in = payload.get("retry_in")  # the runner's drawn wait (jitter included)
            delay = float(retry_in) if retry_in is not None else policy.delay_before(n)
            line = retry_message(n, attempt_ended(dict(payload)), delay, policy.max_attempts)
            return f"{iid}: {line}"
        return None


class PlainProgress:
    """Writes :class:`ProgressLines` to a stream that is not a terminal: no colour, no
    boxes, one line per task state change."""

    def __init__(self, stream: IO[str], plan: Plan) -> None:
        self.stream = stream
        self.lines = ProgressLines(plan)
        self.lock = threading.Lock()

    def __call__(self, event: ev.Event) -> None:
        with self.lock:
            text = self.lines.line_for(event)
            if text is not None:
                self.stream.write(shown(text) + "\n")
                self.stream.flush()


def _finished(payload: Any) -> str:
    state, reason = str(payload.get("state")), payload.get("reason")
    details = []
    if payload.get("exit_code") is not None:
        details.append(f"exit {payload['exit_code']}")
    if payload.get("exit_code") is not None or state == "timed_out":
        details.append(f"{float(payload.get('duration_seconds') or 0):.2f} s")
    text = state + (f" ({', '.join(details)})" if details else "")
    return f"{text} — {reason}" if reason else text


def task_note(task: TaskResult) -> str:
    """The summary's NOTE: why the task ended so (or was skipped), and on a resumed run
    why it was evaluated again."""
    note = task.reason or (
        "continue_on_error" if task.continue_on_error and task.state != "succeeded" else ""
    )
    if task.rerun:
        note = f"{note}; re-run: {task.rerun}" if note else f"re-run: {task.rerun}"
    return note


def _line(*parts: str | tuple[str, str]) -> Any:
    """A line of text and ``(text, style)`` parts, space-separated; task names, workflow
    names and reasons are shown (control characters escaped) and never parsed as markup."""
    from rich.text import Text

    line = Text()
    for i, part in enumerate(parts):
        text, style = (part, "") if isinstance(part, str) else part
        if i:
            line.append(" ")
        line.append(shown(text), style=style or None)
    return line


def print_summary(console: Any, result: WorkflowResult) -> None:
    """A table of every task instance, then the tail of each failed task's stderr."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", title=None, pad_edge=False)
    for col in ("TASK", "STATE", "EXIT", "DURATION", "TRIES", "NOTE"):
        table.add_column(col, justify="right" if col in ("EXIT", "TRIES") else "left")
    for t in result.tasks.values():
        run = t.run
        note = task_note(t)
        table.add_row(
            _line(t.id),
            _line((t.state, STATE_STYLE.get(t.state, ""))),
            "-" if run is None else str(run.exit_code),
            "-" if run is None else f"{run.duration:.2f}s",
            "-" if run is None else str(len(run.attempts)),
            _line(note),
        )
    console.print(table)
    for t in result.tasks.values():
        if t.run is not None and t.state in _FAILED and t.run.stderr.text:
            tail = t.run.stderr.text.rstrip("\n").splitlines()[-10:]
            console.print()
            console.print(_line((t.id, "bold"), f"stderr (last {len(tail)} lines):"))
            console.print(Text(shown("\n".join(tail), lines=True)))
    counts = ", ".join(f"{n} {state}" for state, n in sorted(result.counts().items()))
    console.print()
    console.print(
        _line(
            "workflow",
            (result.name, "bold"),
            (result.status, "green" if result.ok else "red"),
            f"in {result.duration:.2f}s ({counts}) · run {result.run_id[:8]}",
        )
    )
