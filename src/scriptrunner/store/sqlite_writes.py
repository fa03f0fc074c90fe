"""The SQL of the runs a SQLite store records, on a ``sqlite3`` connection.

:class:`~scriptrunner.store.sqlite.SqliteHistory` writes through these, and so does the
``run`` fast path (``cli.fast_run``) on a connection of its own: the same statements, the
same values (``store.values.storable``), the same ``BEGIN IMMEDIATE`` transactions.
Standard library only; ``sqlite3`` itself is the caller's import.
"""

from __future__ import annotations

from scriptrunner.store.rows import tag_rows
from scriptrunner.store.values import storable

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any


def insert(conn: sqlite3.Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    # scriptrunner: ignore[sql-injection] - the schema's table and column names (rows.py); values are bound
    conn.executemany(sql, [[storable(r[c]) for c in cols] for r in rows])


def start_run(
    conn: sqlite3.Connection, row: Mapping[str, Any], events: Sequence[Mapping[str, Any]]
) -> None:
    """The ``running`` row, its tags and ``events`` (``store.rows.event_values`` rows)."""
    insert(conn, "runs", [row])
    insert(conn, "run_tags", tag_rows(row["id"], row.get("tags") or {}))
    insert(conn, "events", events)


def finish_run(
    conn: sqlite3.Connection,
    run_id: str,
    values: Mapping[str, Any],
    attempts: Sequence[Mapping[str, Any]],
    samples: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
) -> None:
    """The run's final columns, its attempts, samples and ``events``."""
    update_run(conn, run_id, values)
    insert(conn, "run_attempts", attempts)
    insert(conn, "metric_samples", samples)
    insert(conn, "events", events)


#: The most run ids one statement of :func:`heartbeat` names (SQLite's limit on the number
#: of parameters is 32766 since 3.32, 999 before).
HEARTBEAT_CHUNK = 500


def heartbeat(conn: sqlite3.Connection, run_ids: Sequence[str], now: float) -> None:
    """Renew the lease of the runs ``run_ids`` that are still ``running``."""
    ids = list(run_ids)
    for start in range(0, len(ids), HEARTBEAT_CHUNK):
        chunk = ids[start : start + HEARTBEAT_CHUNK]
        # scriptrunner: ignore[sql-injection] - only the schema's own names and ? placeholders are formatted in
        conn.execute(
            f"UPDATE runs SET heartbeat_at = ? WHERE status = 'running' "
            f"AND id IN ({', '.join('?' * len(chunk))})",
            [now, *chunk],
        )


def update_run(conn: sqlite3.Connection, run_id: str, values: Mapping[str, Any]) -> None:
    """Set the columns ``values`` of run ``run_id``."""
    cols = list(values)
    # scriptrunner: ignore[sql-injection] - the schema's column names (rows.py); values are bound
    conn.execute(
        f"UPDATE runs SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        [*(storable(values[c]) for c in cols), run_id],
    )


def transaction(
    conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], None], where: str
) -> None:
    """``work`` in one ``BEGIN IMMEDIATE`` transaction (concurrent writers queue instead of
    deadlocking): all of it is stored or none.  A database error is a ``StoreError``."""
    import sqlite3

    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        from scriptrunner.errors import StoreError

        raise StoreError(f"cannot write history store {where}: {exc}") from exc
