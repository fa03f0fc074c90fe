"""The ``runs`` rows the launcher acts on: finding one, the file of a workflow run, and
signalling the runner of a run started elsewhere on this host."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from scriptrunner.server.confine import LaunchError
from scriptrunner.store import schema
from scriptrunner.store.base import db_error
from scriptrunner.store.liveness import process_started
from scriptrunner.store.reader import HistoryReader

_HEX = frozenset("0123456789abcdef")


def find_run(reader: HistoryReader, run_id: Any, *, kind: str | None = None) -> dict[str, Any]:
    """The row of run ``run_id`` (full id or a unique prefix of at least 4 hex digits), of
    ``kind`` when given; ``LaunchError`` 404 when there is none."""
    what = "workflow run" if kind == "workflow" else "run"
    text = run_id if isinstance(run_id, str) else ""
    if not 4 <= len(text) <= 32 or not _HEX.issuperset(text):
        raise LaunchError(f"no {what} with id {str(run_id)[:40]!r}", 404)
    r = schema.runs
    query = (
        select(
            r.c.id,
            r.c.kind,
            r.c.status,
            r.c.script,
            r.c.cwd,
            r.c.hostname,
            r.c.pid,
            r.c.pid_started,
            r.c.workflow_run_id,
        )
        .where(r.c.id.startswith(text, autoescape=True))
        .limit(2)
    )
    try:
        with reader.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise LaunchError(f"cannot read the history store: {db_error(exc)}", 503) from exc
    if len(rows) > 1:
        raise LaunchError(f"run id {text!r} is ambiguous; give more characters", 400)
    if not rows or (kind is not None and rows[0]["kind"] != kind):
        raise LaunchError(f"no {what} with id {text!r}", 404)
    return rows[0]


def workflow_file(row: dict[str, Any]) -> Path | None:
    """The file a workflow run was started from: its ``script`` column, made absolute with
    the run's ``cwd`` (the file's directory) when it was recorded relative."""
    script = row.get("script")
    if not script:
        return None
    path = Path(script)
    return path if path.is_absolute() else Path(row["cwd"]) / path.name


def stop_foreign_runner(row: dict[str, Any]) -> None:
    """SIGTERM the runner of a running run started elsewhere on this host: only when its
    row's host is this one and the process with its pid started when the row says (a
    reused pid is never signalled; with a pidfd, not even in a race).  ``LaunchError`` 409
    otherwise."""
    rid, host, pid, started = row["id"], row["hostname"], row["pid"], row["pid_started"]
    if host != os.uname().nodename:
        raise LaunchError(
            f"run {rid} runs on host {host}, not on this server's host: cancel it there", 409
        )
    if not isinstance(pid, int) or started is None:
        raise LaunchError(f"run {rid} has no runner process recorded that can be checked", 409)
    gone = LaunchError(f"run {rid} is recorded as running, but its runner (pid {pid}) is gone", 409)
    pidfd = None
    try:
        if hasattr(os, "pidfd_open"):
            pidfd = os.pidfd_open(pid)
        if process_started(pid) != started:
            raise gone
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        raise gone from None
    except PermissionError:
        raise LaunchError(
            f"run {rid}: this server may not signal its runner (pid {pid}, another user?)", 409
        ) from None
    finally:
        if pidfd is not None:
            os.close(pidfd)
