"""What a fast-path ``scriptrunner run`` writes to the store (``cli.fast_attempt`` runs it).

The rows and events are built by the functions the full path's ``core.session.RunSession``
uses (``store.rows``, ``payloads``) and written by the same SQL (``store.sqlite_writes``),
on a connection of this process's own: ``sqlite3`` is imported only after the child is
running.  ``tests/cli/test_fast_parity.py`` compares what both paths store.

Outages: the start row is written before anything else or the run is refused (the child is
killed: fail closed).  Before it, journals that processes which are gone left for this
store are replayed (``store.replay``; one ``listdir`` when there are none).  The end is
never allowed to turn the script's exit code into a failure: when the store cannot take
it, it is appended to a journal (``store.journal``, ``<home>/journal/``) and a line on
stderr says that the history is delayed and where it is kept.
"""

from __future__ import annotations

import time

from scriptrunner import limits

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from scriptrunner.core.monitor import Monitor

#: ``events.RUN_STARTED`` and the others (``events`` defines the event dataclass: costly).
RUN_STARTED = "run.started"
RUN_ATTEMPT_FINISHED = "run.attempt.finished"
RUN_FINISHED = "run.finished"


class Recording:
    """One run's rows in the SQLite file ``store``."""

    def __init__(
        self, store: str, run_id: str, *, busy_timeout: float = limits.DEFAULT_BUSY_TIMEOUT
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.busy_timeout = busy_timeout
        self.conn: sqlite3.Connection | None = None

    def start(
        self, *, command: list[str], script: str | None, cwd: str, tags: dict[str, str], t0: float
    ) -> None:
        """The ``running`` row and ``run.started``, in one transaction."""
        from scriptrunner.store import rows, sqlite_writes

        row = rows.run_start_row(
            run_id=self.run_id,
            kind="run",
            script=script,
            command=command,
            cwd=cwd,
            tags=tags,
            started_at=t0,
        )
        started = rows.event_values(RUN_STARTED, self.run_id, t0, rows.started_payload(row))
        self.conn = self._connect()
        if self._journals():
            self._replay()
        sqlite_writes.transaction(
            self.conn, lambda conn: self._start(conn, row, started), self.store
        )

    def _connect(self) -> sqlite3.Connection:
        """The store, configured as ``store.sqlite.SqliteHistory`` does, and with its WAL
        bounded: this process ends without the checkpoint a last close would make."""
        import sqlite3

        try:
            conn = sqlite3.connect(self.store, timeout=self.busy_timeout, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # scriptrunner: ignore[sql-injection] - an integer constant of this package
            conn.execute(f"PRAGMA wal_autocheckpoint={limits.WAL_CHECKPOINT_PAGES}")
            # scriptrunner: ignore[sql-injection] - an integer constant of this package
            conn.execute(f"PRAGMA journal_size_limit={limits.WAL_SIZE_LIMIT}")
        except sqlite3.Error as exc:
            from pathlib import Path

            from scriptrunner.store.sqlite import open_error

            raise open_error("configure", Path(self.store), exc) from exc
        return conn

    def _journal_dir(self) -> str:
        import os

        return os.path.dirname(self.store) + "/journal"  # store.journal.journal_dir

    def _journals(self) -> bool:
        """Are there journal files (of this process's store or another's) to look at?"""
        import os

        try:
            names = os.listdir(self._journal_dir())
        except OSError:
            return False
        return any(name.endswith(".jnl") for name in names)

    def _replay(self) -> None:
        """Write what gone processes journaled for this store (problems are warnings; a
        store that cannot take them now gets them later)."""
        from scriptrunner.store.replay import replay_sqlite_home

        try:
            report = replay_sqlite_home(self.store)
        except Exception:
            return
        for line in (*report.problems, *report.refused) if report is not None else ():
            _warn(line)

    def _start(self, conn: sqlite3.Connection, row: Any, started: Any) -> None:
        """The start row, after a check that the store is still the one the header showed
        (a newer scriptrunner may have upgraded it since its header was last written)."""
        from scriptrunner.store import sqlite_writes
        from scriptrunner.store.version import SCHEMA_TABLE, SCHEMA_VERSION, check_version

        found = conn.execute(f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchone()[0]
        if found != SCHEMA_VERSION:
            from scriptrunner.errors import StoreError

            check_version(int(found or 0), self.store)
            raise StoreError(
                f"history store {self.store} has schema version {found}, not "
                f"{SCHEMA_VERSION}; run `scriptrunner db upgrade`"
            )
        sqlite_writes.start_run(conn, row, [started])

    def finish(
        self,
        *,
        t0: float,
        wall: float,
        wait_status: int,
        usage: Any,
        parent_hwm: int,
        monitor: Monitor | None,
        cancelled: bool,
        kept: tuple[bytes, bytes],
        totals: tuple[int, int],
    ) -> dict[str, Any]:
        """The finish row, the attempt row, samples and events in one transaction; the
        finish values (with the metrics), for the summary line."""
        import os

        from scriptrunner.payloads import attempt_payload, measured, tail_text
        from scriptrunner.store import rows, sqlite_writes

        returncode = os.waitstatus_to_exitcode(wait_status)
        signal = -returncode if returncode < 0 else None
        code = 128 + signal if signal is not None else returncode
        samples = monitor.samples if monitor is not None else []
        metrics = measured(
            wall=wall,
            user=usage.ru_utime,
            system=usage.ru_stime,
            kernel_peak=usage.ru_maxrss * 1024,
            sampled_peak=monitor.peak_rss if monitor is not None else 0,
            sampled_cpu_max=max((s.cpu_percent for s in samples), default=0.0),
            parent_hwm=parent_hwm,
        )
        if cancelled:
            status = "cancelled"
        else:
            status = "succeeded" if returncode == 0 else "failed"
        attempt: dict[str, Any] = {
            "attempt": 1,
            "status": status,
            "exit_code": code,
            "signal": signal,
            "started_at": t0,
            "finished_at": t0 + wall,
            "delay_before": 0.0,
        }
        finished = time.time()
        # A run of one attempt: its metrics are the attempt's (``core.outcome.run_result``).
        values = rows.finish_values(
            status=status,
            exit_code=code,
            attempts=1,
            finished_at=finished,
            duration=finished - t0,
            metrics=metrics,
            stdout=(tail_text(kept[0], totals[0]), totals[0]),
            stderr=(tail_text(kept[1], totals[1]), totals[1]),
            error=None,
        )
        rid = self.run_id
        payload = attempt_payload(**attempt, metrics=metrics)
        events = [
            rows.event_values(RUN_ATTEMPT_FINISHED, rid, time.time(), payload),
            rows.event_values(RUN_FINISHED, rid, finished, rows.finished_payload(values, metrics)),
        ]
        attempts = [rows.attempt_values(rid, **attempt, metrics=metrics)]
        samples_rows = rows.sample_rows(rid, 1, samples)
        assert self.conn is not None
        try:
            sqlite_writes.transaction(
                self.conn,
                lambda conn: sqlite_writes.finish_run(
                    conn, rid, values, attempts, samples_rows, events
                ),
                self.store,
            )
        except Exception as exc:  # the script's exit code stands: the end is journaled
            record = {
                "op": "finish",
                "run_id": rid,
                "values": values,
                "attempts": attempts,
                "samples": samples_rows,
                "events": events,
            }
            self._keep(record, exc)
        return {**values, **metrics}

    def _keep(self, record: dict[str, Any], exc: Exception) -> None:
        """Journal the run's end the store could not take, and say so on stderr."""
        from scriptrunner.store import journal
        from scriptrunner.store.journal_writer import JournalWriter
        from scriptrunner.store.replay import error_line

        writer = JournalWriter(self._journal_dir(), journal.store_key("sqlite:///" + self.store))
        why = error_line(exc)
        try:
            writer.append([record])
            _warn(
                f"history delayed: history store {self.store} could not take the end of run "
                f"{self.run_id[:8]} ({why}); it is kept in the journal {writer.path} and will "
                "be written when the store is back (by the next scriptrunner command that "
                "writes history, or `scriptrunner db replay`)"
            )
        except journal.JournalFull as full:
            _warn(f"history of run {self.run_id[:8]} not recorded: {why}; {full}")
        finally:
            writer.close()


def _warn(message: str) -> None:
    """One warning line on stderr (``cli.common.warn``, without its imports)."""
    import os

    from scriptrunner.display import shown

    try:
        os.write(
            2,
            f"scriptrunner: warning: {shown(message, lines=True)}\n".encode(
                "utf-8", "backslashreplace"
            ),
        )
    except OSError:
        pass
