"""The story of a run: one JSON-ready shape, built from the history store.

``run --json``, ``show --json`` and ``workflow run --json`` print :func:`run_story`;
``history --json`` lists :func:`run_summary` items, whose keys are a subset of it.  The
shape (``docs/history.md`` shows a real one):

- the run's row: ``id``, ``kind`` (``run``, ``workflow``, ``task``), ``name`` (a task's
  id, a workflow's name), ``status``, ``flaky`` (succeeded after more than one attempt),
  ``exit_code``, ``error``, command, timings, resource use, ``cloud_cost_usd``,
  ``outputs``, the output tails, ``attempt_count``;
- ``attempts``: one object per attempt (``ended`` says how, in the words of the retry
  line: ``exited 2``, ``timed out``); an attempt run elsewhere (a Dask worker) also has
  its placement: ``attempt_id``, ``host``, ``pid``, ``worker`` and ``queued_seconds``;
- ``scans``: the pre-execution gate's scans, with their findings and whether they
  ``blocked`` the run; ``trace_id``; ``events``;
- a workflow run: ``tasks`` keyed by task id, each the same shape plus ``state``,
  ``result``, ``reason`` and ``reused_from``.

Everything comes from the store (already masked when secrets were in use), so the story
printed after a run is the one ``show`` prints later.  While a workflow run's history is
delayed (the store was unreachable at its end), ``workflow run --json`` prints the same
shape built from the journal and the run (``app.story_delayed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from scriptrunner.core.retry import ended_words

if TYPE_CHECKING:
    from scriptrunner.settings import Settings

__all__ = [
    "SUMMARY_KEYS",
    "RunSource",
    "row_story",
    "run_story",
    "run_summary",
    "story_from_store",
    "with_tasks",
]

#: The keys of :func:`run_summary`, in order: the ``runs`` row as the story names it.
SUMMARY_KEYS = (
    "id", "kind", "name", "status", "flaky", "exit_code", "error", "script", "command",
    "cwd", "tags", "started_at", "finished_at", "duration_seconds", "attempt_count",
    "cpu_user_seconds", "cpu_system_seconds", "peak_rss_bytes", "cpu_percent_avg",
    "cpu_percent_max", "cloud_cost_usd", "outputs", "stdout_tail", "stdout_bytes",
    "stderr_tail", "stderr_bytes", "workflow_run_id", "parent_run_id", "hostname", "pid",
)  # fmt: skip
#: Columns copied as they are.
_SAME = (
    "id", "kind", "status", "exit_code", "error", "script", "command", "cwd", "tags",
    "started_at", "finished_at", "duration_seconds", "cpu_user_seconds", "cpu_system_seconds",
    "peak_rss_bytes", "cpu_percent_avg", "cpu_percent_max", "cloud_cost_usd", "outputs",
    "stdout_tail", "stdout_bytes", "stderr_tail", "stderr_bytes", "workflow_run_id",
    "parent_run_id", "hostname", "pid",
)  # fmt: skip
_ATTEMPT = (
    "attempt", "status", "ended", "exit_code", "signal", "started_at", "finished_at",
    "delay_before", "wall_seconds", "cpu_user_seconds", "cpu_system_seconds",
    "peak_rss_bytes", "cpu_percent_avg", "cpu_percent_max",
)  # fmt: skip
#: Where an attempt ran, when that was not its runner's process (``results.Placement``).
_PLACEMENT = ("attempt_id", "host", "pid", "worker", "queued_seconds")
_SCAN = (
    "id",
    "kind",
    "status",
    "blocked",
    "started_at",
    "finished_at",
    "tools",
    "counts",
    "errors",
)
_FINDING = (
    "rule_id", "severity", "title", "message", "path", "start_line", "end_line",
    "confidence", "cwe", "tools", "suppressed", "fingerprint", "properties",
)  # fmt: skip


class RunSource(Protocol):
    """What a story is read from: ``store.reader.HistoryReader`` or, on the run path,
    ``store.reader_sqlite.SqliteRunReader``."""

    def get_run(self, run_id: str) -> dict[str, Any]: ...

    def scans_of(self, run_id: str) -> list[dict[str, Any]]: ...

    def trace_ids_of(self, run_id: str) -> list[str]: ...


def run_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``runs`` row under the story's keys (``history --json`` items).

    A workflow's own row counts its tasks in ``attempts``: its ``attempt_count`` is 0."""
    summary = {key: row.get(key) for key in _SAME}
    attempts = 0 if row.get("kind") == "workflow" else int(row.get("attempts") or 0)
    summary.update(
        name=row.get("task_name"),
        flaky=row.get("status") == "succeeded" and attempts > 1,
        attempt_count=attempts,
    )
    return {key: summary[key] for key in SUMMARY_KEYS}


def _attempt(row: Mapping[str, Any]) -> dict[str, Any]:
    shown = dict(row, ended=ended_words(row["status"], row["exit_code"], row["signal"]))
    attempt = {key: shown.get(key) for key in _ATTEMPT}
    if row.get("attempt_id") is not None:  # run elsewhere: say where
        attempt.update({key: row.get(key) for key in _PLACEMENT})
    return attempt


def _scan(row: Mapping[str, Any], blocked: bool) -> dict[str, Any]:
    scan = {key: row.get(key) for key in _SCAN}
    scan["blocked"] = blocked and row.get("kind") == "gate"
    scan["findings"] = [
        {key: bool(f[key]) if key == "suppressed" else f.get(key) for key in _FINDING}
        for f in row.get("findings", [])
    ]
    return scan


def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "ts": row["ts"], "payload": row["payload"]}


def run_story(source: RunSource, run_id: str) -> dict[str, Any]:
    """The story of run ``run_id`` (a full id), read from ``source``."""
    run = source.get_run(run_id)
    return row_story(source, run)


def row_story(source: RunSource, run: Mapping[str, Any]) -> dict[str, Any]:
    """The story of the run whose row (as ``get_run`` gives it) is ``run``."""
    story = run_summary(run)
    if story["kind"] != "workflow":
        story["attempts"] = [_attempt(a) for a in run["attempt_rows"]]
        story["attempt_count"] = len(story["attempts"])
    else:
        story["attempts"] = []
    traces = source.trace_ids_of(story["id"])
    story["trace_id"] = traces[0] if traces else None
    blocked = story["status"] == "blocked"
    story["scans"] = [_scan(s, blocked) for s in source.scans_of(story["id"])]
    story["events"] = [_event(e) for e in run["events"]]
    if story["kind"] == "workflow":
        with_tasks(story, _tasks(source, run))
    return story


def with_tasks(story: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> None:
    """Give a workflow's ``story`` its ``tasks`` (by task id) and, when its own row has no
    cost, their summed cost."""
    story["tasks"] = tasks
    costs = [t["cloud_cost_usd"] for t in tasks.values()]
    if story["cloud_cost_usd"] is None and any(c is not None for c in costs):
        story["cloud_cost_usd"] = sum(c for c in costs if c is not None)


def _tasks(source: RunSource, workflow: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The workflow's tasks by id, in the order they started, each with how it ended
    (``task.finished``: state, GitHub's result, the reason) and where it was reused from."""
    ended = {
        e["payload"].get("task"): e["payload"]
        for e in workflow["events"]
        if e["type"] == "task.finished"
    }
    tasks: dict[str, dict[str, Any]] = {}
    for row in sorted(workflow.get("tasks", []), key=lambda r: (r["started_at"], r["id"])):
        story = row_story(source, source.get_run(row["id"]))
        end = ended.get(row["task_name"], {})
        story.update(
            state=end.get("state", row["status"]),
            result=end.get("result"),
            reason=end.get("reason", row["error"]),
            reused_from=row["parent_run_id"],
        )
        tasks[str(row["task_name"])] = story
    return tasks


def story_from_store(settings: Settings, run_id: str) -> dict[str, Any]:
    """The story of ``run_id`` from the store ``settings`` name; a SQLite file is read with
    the standard library driver (``run --json`` imports no SQLAlchemy)."""
    from scriptrunner.store import open_reader, sqlite_path

    path = sqlite_path(settings.store_url)
    if path is not None:
        from scriptrunner.store.reader_sqlite import SqliteRunReader

        with SqliteRunReader(path, busy_timeout=settings.busy_timeout) as light:
            return run_story(light, run_id)
    reader = open_reader(settings)
    try:
        return run_story(reader, run_id)
    finally:
        reader.close()
