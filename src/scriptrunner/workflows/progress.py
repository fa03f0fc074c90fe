"""Live progress of a workflow in the terminal (a bus subscriber), and the final summary."""

from __future__ import annotations

import threading
import time
from typing import Any

from scriptrunner import events as ev
from scriptrunner.display import shown
from scriptrunner.workflows.results import WorkflowResult

STATE_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "error": "red",
    "blocked": "red",
    "timed_out": "yellow",
    "cancelled": "magenta",
    "skipped": "dim",
}


class LiveProgress:
    """Shows running tasks and counts while a workflow runs (only on a terminal)."""

    def __init__(self, console: Any, total: int) -> None:
        from rich.live import Live

        self.console = console
        self.total = total
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

    table = Table(box=None, header_style="bold", title=None)
    for col in ("TASK", "STATE", "EXIT", "DURATION", "TRIES", "NOTE"):
        table.add_column(col, justify="right" if col in ("EXIT", "TRIES") else "left")
    for t in result.tasks.values():
        run = t.run
        note = t.reason or (
            "continue_on_error" if t.continue_on_error and t.state != "succeeded" else ""
        )
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
        if t.run is not None and t.state in ("failed", "timed_out", "error") and t.run.stderr.text:
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
            f"in {result.duration:.2f}s ({counts}) · run {result.run_id[:12]}",
        )
    )
