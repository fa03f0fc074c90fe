"""The span exporter process of a traced command: ``python -m scriptrunner.tracing.exporter_main``.

Started by :class:`~scriptrunner.tracing.export_process.ExportProcess`, which writes the
job (one JSON line) on its stdin, then ``end`` when the command is over (or closes the pipe
by dying).  The process follows the ``events`` table of the store
(:class:`scriptrunner.store.tail.EventTail`, the dashboard's reader) from the root run's
first event, keeps the events of the root's tree (the workflow, its tasks and their runs),
and feeds them to the usual :class:`~scriptrunner.tracing.session.TracingSession`: the same
:class:`~scriptrunner.tracing.tracer.RunTracer`, samplers and exporters (OTLP, Zipkin,
console, the ``spans`` table) as in process, with the ids :mod:`.ids` derives, exporting
at least every :data:`EXPORT_EVERY` seconds.  It stops
once it has seen the root's final event (``workflow.finished``, or the root run's
``run.finished``), or ``exit_wait`` seconds after the command ended without it, closes the
session (which waits at most ``exit_wait`` for the exports) and writes its verdict, one
JSON line ``{"warnings": [...], "cpu_seconds": ...}`` (its own CPU time), on stdout -- after ``{"ready": true}`` once it has
started (imported OpenTelemetry, opened the store and the exporters).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import resource
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from scriptrunner import events as ev
from scriptrunner.exits import exit_now
from scriptrunner.tracing.config import TracingConfig, config_from_plain
from scriptrunner.tracing.tracer import RunTracer

#: The longest spans wait in this process's queues before they are exported.
EXPORT_EVERY = 0.1
#: How often the root's first event is looked for before the tail starts.
_FIND_EVERY = 0.01


class Follower:
    """Feeds the events of run ``root``'s tree to ``tracer``; ``done`` once the root ended."""

    def __init__(self, tracer: RunTracer, root: str) -> None:
        self.tracer = tracer
        self.root = root
        self.members = {root}
        self.done = threading.Event()

    def deliver(self, items: Sequence[dict[str, Any]]) -> None:
        for item in items:
            run_id, kind = item["run_id"], str(item["type"])
            payload = item["payload"] if isinstance(item["payload"], dict) else {}
            if run_id not in self.members:
                if payload.get("workflow_run_id") not in self.members:
                    continue  # another command's event
                self.members.add(run_id)
            if kind == ev.TASK_STARTED and payload.get("task_run_id"):
                self.members.add(str(payload["task_run_id"]))
            self.tracer(ev.Event(kind, run_id, payload, ts=float(item["ts"])))
            if run_id == self.root and kind in (ev.WORKFLOW_FINISHED, ev.RUN_FINISHED):
                self.done.set()


def _first_event(
    url: str, busy: float, root: str, ended: threading.Event, grace: float
) -> int | None:
    """The id of the root's first event, once it is stored (None: it never was)."""
    from scriptrunner.store import sqlite_path

    path = sqlite_path(url)
    if path is not None:  # the standard library: no SQLAlchemy to import
        import sqlite3

        conn = sqlite3.connect(path, timeout=busy)

        def first() -> Any:
            return conn.execute("SELECT min(id) FROM events WHERE run_id = ?", (root,)).fetchone()[
                0
            ]
    else:
        from sqlalchemy import func, select

        from scriptrunner.store import schema
        from scriptrunner.store.sqla import make_engine

        engine = make_engine(url, busy_timeout=busy)
        query = select(func.min(schema.events.c.id)).where(schema.events.c.run_id == root)

        def first() -> Any:
            with engine.connect() as conn:
                return conn.execute(query).scalar()

    try:
        given_up_at: float | None = None
        while (found := first()) is None:
            if ended.is_set():
                given_up_at = given_up_at or time.monotonic() + grace
                if time.monotonic() >= given_up_at:
                    return None
            time.sleep(_FIND_EVERY)
        return int(found)
    finally:
        conn.close() if path is not None else engine.dispose()


def _tail(url: str, busy: float, deliver: Any, start_after: int) -> Any:
    """An event tail of the store at ``url`` (SQLite without SQLAlchemy)."""
    from scriptrunner.store import sqlite_path
    from scriptrunner.store.tail import EventTail

    path = sqlite_path(url)
    if path is not None:
        return EventTail.for_sqlite_file(path, deliver, start_after=start_after, busy_timeout=busy)
    from scriptrunner.store.sqla import make_engine

    return EventTail(
        make_engine(url, busy_timeout=busy), deliver, start_after=start_after, busy_timeout=busy
    )


def run(job: dict[str, Any], ended: threading.Event) -> list[str]:
    """Export the spans of ``job``'s root; returns the session's warnings."""
    from scriptrunner.store import open_store_url
    from scriptrunner.tracing.session import start_tracing

    config: TracingConfig = config_from_plain(job["config"])
    # Off the runner's path, frequent small exports cost nothing the command waits for,
    # and leave little to export when the command ends (and waits for the verdict).
    config = dataclasses.replace(config, schedule_delay=min(config.schedule_delay, EXPORT_EVERY))
    url, busy, root = str(job["store_url"]), float(job["busy_timeout"]), str(job["root"])
    grace = config.exit_wait
    store = open_store_url(url, busy_timeout=busy)
    try:
        session = start_tracing(config, store=store, environ=dict(job["environ"]))
        follower = Follower(session.tracer, root)
        _say({"ready": True})  # from now on, the runner waits at most exit_wait (+ a margin)
        first = _first_event(url, busy, root, ended, grace)
        if first is not None:
            tail = _tail(url, busy, follower.deliver, first - 1)
            tail.start()
            ended_at: float | None = None
            while not follower.done.wait(0.02):
                if ended.is_set():  # the runner is gone: its last events are stored by now
                    ended_at = ended_at or time.monotonic()
                    if time.monotonic() - ended_at >= grace:
                        break
            tail.close()
        return session.close()
    finally:
        store.close()


def _say(message: dict[str, Any]) -> None:
    """One line to the runner; a runner that stopped listening is not an error."""
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except OSError:
        pass


def _watch_stdin(ended: threading.Event) -> None:
    """``end`` or EOF (the runner died) on stdin: the command is over."""
    sys.stdin.buffer.readline()
    ended.set()


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner's Ctrl-C is the runner's
    # OpenTelemetry's log lines are the session's to capture and summarise; an export
    # thread still running once it closed ("Shutdown in progress...") says nothing.
    otel = logging.getLogger("opentelemetry")
    otel.addHandler(logging.NullHandler())
    otel.propagate = False
    job = json.loads(sys.stdin.buffer.readline())
    ended = threading.Event()
    threading.Thread(target=_watch_stdin, args=(ended,), daemon=True).start()
    try:
        warnings = run(job, ended)
    except Exception as exc:  # telemetry fails open: say it in one line
        warnings = [f"trace export failed ({type(exc).__name__}: {exc}); spans not exported"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _say({"warnings": warnings, "cpu_seconds": usage.ru_utime + usage.ru_stime})
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush = lambda: None  # type: ignore[method-assign] # a closed pipe is fine now
    exit_now(code)  # no interpreter teardown: the daemon threads may be mid-export
