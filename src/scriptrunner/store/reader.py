"""Queries over the history: the read side used by ``history``, ``show``, ``stats``, dashboard."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from scriptrunner import limits
from scriptrunner.errors import StoreError
from scriptrunner.results import LOST_STATUS
from scriptrunner.store import schema, sqlite_path
from scriptrunner.store.base import db_error, display_value
from scriptrunner.store.filters import is_flaky, script_is
from scriptrunner.store.liveness import (
    lease_expired,
    lease_message,
    lost_message,
    runner_alive,
)
from scriptrunner.store.sqla import make_engine, migrated_engine, safe_url

if TYPE_CHECKING:
    from scriptrunner.store.reader_stats import ScriptStats

__all__ = ["HistoryReader", "is_flaky", "script_is"]


class HistoryReader:
    """Read-only queries on a history store (which is created or upgraded on open);
    ``lease_timeout``: the age at which a running row's lease has expired (``lost``)."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = 30.0,
        lease_timeout: float = limits.DEFAULT_LEASE_TIMEOUT,
    ) -> None:
        self.where = safe_url(url)
        self.lease_timeout = lease_timeout
        path = sqlite_path(url)
        if path is not None:
            # The SQLite store prepares itself (creating an empty one is harmless and makes
            # "no runs yet" an answer, not an error) on a throw-away engine: ``migrate`` makes
            # an engine's transactions BEGIN IMMEDIATE, and reads holding the write lock would
            # wait for (and fail behind) every running writer, which WAL exists to avoid.
            from scriptrunner.store.sqlite import SqliteHistory

            SqliteHistory(path, busy_timeout=busy_timeout).close()
            self.engine = make_engine(url, busy_timeout=busy_timeout)
        else:
            self.engine = migrated_engine(url, busy_timeout=busy_timeout)
        #: Runs found ``running`` whose runner is gone (shown as ``lost`` even when the
        #: store cannot be written).
        self._lost: set[str] = set()
        self.settle_lost()

    def settle_lost(self) -> list[str]:
        """Store as ``lost`` every ``running`` run whose runner is gone (see
        ``store.liveness``): on this host, its runner's pid is gone; on any other, its lease
        has expired.  Returns their ids.  Called on open; a long-lived reader (the
        dashboard) calls it again before it lists runs."""
        r = schema.runs
        host = os.uname().nodename
        now = time.time()
        query = select(r.c.id, r.c.hostname, r.c.pid, r.c.pid_started, r.c.heartbeat_at).where(
            r.c.status == "running",
            or_(r.c.hostname == host, r.c.heartbeat_at < now - self.lease_timeout),
        )
        found: list[tuple[dict[str, Any], str]] = []
        for row in self._all(query):
            if row["hostname"] == host:
                if not runner_alive(row["pid"], row["pid_started"]):
                    found.append((row, lost_message(row["pid"], host)))
            elif lease_expired(row["heartbeat_at"], now, self.lease_timeout):
                message = lease_message(
                    row["heartbeat_at"], self.lease_timeout, row["pid"], row["hostname"]
                )
                found.append((row, message))
        self._lost.update(str(row["id"]) for row, _ in found)
        try:
            with self.engine.begin() as conn:
                for row, message in found:
                    still = [r.c.id == row["id"], r.c.status == "running"]
                    if row["hostname"] != host:  # not if the lease was renewed meanwhile
                        still.append(r.c.heartbeat_at == row["heartbeat_at"])
                    conn.execute(update(r).where(*still).values(status=LOST_STATUS, error=message))
        except SQLAlchemyError:
            pass  # a read-only store: still shown as lost (``_all``), stored by a later reader
        return [str(row["id"]) for row, _ in found]

    def close(self) -> None:
        self.engine.dispose()

    def select_rows(self, query: Select[Any]) -> list[dict[str, Any]]:
        """The rows of ``query`` as printable dicts (a run left by a dead runner: ``lost``)."""
        return self._all(query)

    def _all(self, query: Select[Any]) -> list[dict[str, Any]]:
        try:
            with self.engine.connect() as conn:
                # Stored values keep non-UTF-8 bytes exactly (JSON \\uDCxx escapes); what is
                # read for display gets them as printable \\xNN escapes.
                rows = [display_value(dict(r._mapping)) for r in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read history store {self.where}: {db_error(exc)}") from exc
        for row in rows:
            if row.get("status") == "running" and row.get("id") in self._lost:
                row["status"] = LOST_STATUS
        return rows

    def list_runs(
        self,
        *,
        limit: int = 20,
        status: str | None = None,
        script: str | None = None,
        kind: str | None = None,
        workflow_run_id: str | None = None,
        top_level: bool = False,
        flaky: bool = False,
    ) -> list[dict[str, Any]]:
        """Newest first; ``top_level`` leaves out workflow tasks (their workflow is listed);
        ``flaky``: only runs and tasks that succeeded after more than one attempt."""
        r = schema.runs
        q = select(r).order_by(r.c.started_at.desc(), r.c.id)
        if status:
            q = q.where(r.c.status == status)
        if flaky:
            q = q.where(is_flaky(r))
        if script:
            q = q.where(script_is(r.c.script, script))
        if kind:
            q = q.where(r.c.kind == kind)
        if top_level:
            q = q.where(r.c.kind != "task")
        if workflow_run_id:
            q = q.where(r.c.workflow_run_id == workflow_run_id)
        if limit > 0:
            q = q.limit(limit)
        return self._all(q)

    def count_runs(self) -> int:
        try:
            with self.engine.connect() as conn:
                return int(
                    conn.execute(select(func.count()).select_from(schema.runs)).scalar() or 0
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read history store {self.where}: {db_error(exc)}") from exc

    def resolve_id(self, prefix: str) -> str:
        """The full run id for a unique prefix (like git's abbreviated hashes)."""
        prefix = prefix.strip().lower()
        if len(prefix) < 4:
            raise StoreError(f"run id {prefix!r} is too short: give at least 4 characters")
        r = schema.runs
        # autoescape: "_" and "%" typed by the user are characters, not LIKE wildcards.
        matches = self._all(
            select(r.c.id).where(r.c.id.startswith(prefix, autoescape=True)).limit(3)
        )
        if not matches:
            raise StoreError(
                f"no run with id {prefix!r} in {self.where}; see `scriptrunner history`"
            )
        if len(matches) > 1:
            raise StoreError(f"run id {prefix!r} is ambiguous; give more characters")
        return str(matches[0]["id"])

    def get_run(self, run_id: str) -> dict[str, Any]:
        """One run with its attempts, samples and events."""
        full = self.resolve_id(run_id)
        rows = self._all(select(schema.runs).where(schema.runs.c.id == full))
        run = rows[0]
        a, s, e = schema.run_attempts, schema.metric_samples, schema.events
        run["attempt_rows"] = self._all(select(a).where(a.c.run_id == full).order_by(a.c.attempt))
        run["samples"] = self._all(select(s).where(s.c.run_id == full).order_by(s.c.attempt, s.c.t))
        run["events"] = self._all(select(e).where(e.c.run_id == full).order_by(e.c.id))
        if run["kind"] == "workflow":
            run["tasks"] = self.list_runs(limit=0, workflow_run_id=full)
        return run

    def newest_run_id(self) -> str:
        """The id of the newest run or workflow run (not a task): ``show last``."""
        rows = self.list_runs(limit=1, top_level=True)
        if not rows:
            raise StoreError(f"no runs recorded yet in {self.where}; see `scriptrunner run --help`")
        return str(rows[0]["id"])

    def scans_of(self, run_id: str) -> list[dict[str, Any]]:
        """The scans recorded under a run (a pre-execution gate's), each with its
        ``findings`` rows, in the order they were made."""
        sc, f = schema.scans, schema.findings
        scans = self._all(select(sc).where(sc.c.run_id == run_id).order_by(sc.c.started_at))
        for scan in scans:
            scan["findings"] = self._all(
                select(f).where(f.c.scan_id == scan["id"]).order_by(f.c.id)
            )
        return scans

    def trace_ids_of(self, run_id: str) -> list[str]:
        """The ids of the traces that hold spans of this run (``--trace``), first first."""
        s = schema.spans
        started = func.min(s.c.start_time)
        q = select(s.c.trace_id, started.label("t")).where(s.c.run_id == run_id)
        return [str(r["trace_id"]) for r in self._all(q.group_by(s.c.trace_id).order_by(started))]

    def events(self, *, after_id: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        e = schema.events
        return self._all(select(e).where(e.c.id > after_id).order_by(e.c.id).limit(limit))

    def recent_traces(self, limit: int = 20) -> list[str]:
        """Ids of the traces in the ``spans`` table, the most recently started first."""
        s = schema.spans
        started = func.min(s.c.start_time)
        q = select(s.c.trace_id, started.label("t")).group_by(s.c.trace_id)
        q = q.order_by(started.desc())
        return [str(r["trace_id"]) for r in self._all(q.limit(limit) if limit > 0 else q)]

    def spans(
        self, *, trace_ids: Sequence[str] = (), run_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Spans of these traces, or of one run, in start order."""
        s = schema.spans
        q = select(s).order_by(s.c.start_time, s.c.id)
        if trace_ids:
            q = q.where(s.c.trace_id.in_(list(trace_ids)))
        if run_id:
            q = q.where(s.c.run_id == run_id)
        return self._all(q)

    def stats(self, script: str | None = None) -> ScriptStats:
        """Aggregates over finished runs (``scriptrunner stats``): see ``reader_stats``."""
        from scriptrunner.store.reader_stats import script_stats

        return script_stats(self.select_rows, script)
