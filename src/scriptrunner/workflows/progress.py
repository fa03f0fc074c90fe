"""Live progress of a workflow in the terminal (a bus subscriber), and the final summary."""

from __future__ import annotations

import threading
import time
from typing import Any

from scriptrunner import events as ev
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
                style = STATE_STYLE.get(state, "")
                self.console.print(f"[{style}]{state:>9}[/] {task}", highlight=False)
            else:
                return
            self.live.update(self._render())

    def _render(self) -> Any:
        from rich.text import Text

        done = sum(self.counts.values())
        now = time.monotonic()
        lines = [f"{done}/{self.total} done, {len(self.running)} running"]
        for task, started in list(self.running.items())[:10]:
            lines.append(f"  ▶ {task} ({now - started:.0f}s)")
        return Text("\n".join(lines))


def print_summary(console: Any, result: WorkflowResult) -> None:
    """A table of every task instance, then the tail of each failed task's stderr."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", title=None)
    for col in ("TASK", "STATE", "EXIT", "DURATION", "TRIES", "NOTE"):
        table.add_column(col, justify="right" if col in ("EXIT", "TRIES") else "left")
    for t in result.tasks.values():
        style = STATE_STYLE.get(t.state, "")
        run = t.run
        table.add_row(
            t.id,
            f"[{style}]{t.state}[/]",
            "-" if run is None else str(run.exit_code),
            "-" if run is None else f"{run.duration:.2f}s",
            "-" if run is None else str(len(run.attempts)),
            t.reason
            or ("continue_on_error" if t.continue_on_error and t.state != "succeeded" else ""),
        )
    console.print(table)
    for t in result.tasks.values():
        if t.run is not None and t.state in ("failed", "timed_out", "error") and t.run.stderr.text:
            tail = t.run.stderr.text.rstrip("\n").splitlines()[-10:]
            console.print(f"\n[bold]{t.id}[/] stderr (last {len(tail)} lines):")
            console.print("\n".join(tail), markup=False, highlight=False)
    counts = ", ".join(f"{n} {state}" for state, n in sorted(result.counts().items()))
    style = "green" if result.ok else "red"
    console.print(
        f"\nworkflow [bold]{result.name}[/] [{style}]{result.status}[/] in "
        f"{result.duration:.2f}s ({counts}) · run {result.run_id[:12]}"
    )
