"""One run read back from a SQLite store with the standard library driver.

``scriptrunner run --json`` prints the run's story from the store after the run, on the
path every run takes, where SQLAlchemy's import (~130 ms) is not paid (see
``store.sqlite``).  It answers the same three questions as
:class:`~scriptrunner.store.reader.HistoryReader` (``get_run`` of a full id, ``scans_of``,
``trace_ids_of``) with the same dicts: JSON columns decoded, every string printable
(``display_value``).  A test compares the two readers on the same store.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from scriptrunner.errors import StoreError
from scriptrunner.store.base import display_value

#: The JSON columns of each table read here (``schema.py``: the columns typed ``JSON``).
JSON_COLUMNS = {
    "runs": ("command", "tags", "outputs"),
    "run_attempts": (),
    "events": ("payload",),
    "scans": ("targets", "tools", "counts", "errors"),
    "findings": ("tools", "cwe", "properties"),
    "spans": ("attributes", "events"),
}


class SqliteRunReader:
    """Read-only access to the runs of one SQLite history file (which must exist)."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.where = str(path)
        try:
            # Not opened read-only: a WAL store may need its -shm file created to be read.
            self._conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read history store {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteRunReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, table: str, sql: str, *params: object) -> list[dict[str, Any]]:
        try:
            found = self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read history store {self.where}: {exc}") from exc
        rows = []
        for raw in found:
            row = dict(raw)
            for column in JSON_COLUMNS[table]:
                if row.get(column) is not None:
                    row[column] = json.loads(row[column])
            rows.append(display_value(row))
        return rows

    def get_run(self, run_id: str) -> dict[str, Any]:
        """The run ``run_id`` (a full id) with its attempts and events, and for a workflow
        run its tasks (``HistoryReader.get_run``'s dict without the metric samples)."""
        found = self._rows("runs", "SELECT * FROM runs WHERE id = ?", run_id)
        if not found:
            raise StoreError(f"no run with id {run_id!r} in {self.where}")
        run = found[0]
        run["attempt_rows"] = self._rows(
            "run_attempts", "SELECT * FROM run_attempts WHERE run_id = ? ORDER BY attempt", run_id
        )
        run["events"] = self._rows(
            "events", "SELECT * FROM events WHERE run_id = ? ORDER BY id", run_id
        )
        if run["kind"] == "workflow":
            run["tasks"] = self._rows(
                "runs",
                "SELECT * FROM runs WHERE workflow_run_id = ? ORDER BY started_at DESC, id",
                run_id,
            )
        return run

    def scans_of(self, run_id: str) -> list[dict[str, Any]]:
        scans = self._rows(
            "scans", "SELECT * FROM scans WHERE run_id = ? ORDER BY started_at", run_id
        )
        for scan in scans:
            scan["findings"] = self._rows(
                "findings", "SELECT * FROM findings WHERE scan_id = ? ORDER BY id", scan["id"]
            )
        return scans

    def trace_ids_of(self, run_id: str) -> list[str]:
        rows = self._rows(
            "spans",
            "SELECT trace_id, min(start_time) AS t FROM spans WHERE run_id = ? "
            "GROUP BY trace_id ORDER BY t",
            run_id,
        )
        return [str(r["trace_id"]) for r in rows]
