"""Writing journaled history writes (``store.journal``) into the store, idempotently.

A journal is replayed in order, in one transaction, each write in a savepoint of its own:
a write the store refuses (a data error) is rolled back alone and kept aside
(``<journal>/rejected/``), an outage rolls the whole replay back and leaves the journal
as it was, to be replayed later.  Replaying twice, or replaying writes the store took
before the outage hit (a batch whose commit was cut off), changes nothing: each write is
matched by its key first --

- a run start by the run's id: a row that exists already is updated, not inserted again
  (its tags were written with it), and only while it is ``running``: a row that has ended
  (or was taken for ``lost`` meanwhile) keeps its end until the run's own end follows;
- a run's end by the run's id (its columns are set again) and each attempt by its number
  (an attempt stored already is not added again; samples likewise, per attempt);
- an event by its run id, type and time (``ts``, as the writer took it);
- a span by its trace and span ids, a scan by its id (with its findings), a cost by the
  run's id (set again).

Standard library only: the ``run`` fast path replays a SQLite store's journals through
``store.replay_sqlite``; ``store.replay_sqla`` is the same for SQLAlchemy stores.
"""

from __future__ import annotations

import contextlib
import os

from scriptrunner.store import journal
from scriptrunner.store.outage import is_outage
from scriptrunner.store.replay_sqlite import SqliteTarget
from scriptrunner.store.rows import tag_rows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Protocol

    class Tx(Protocol):
        """One transaction on the store, with the reads replay needs."""

        def run_status(self, run_id: str) -> str | None: ...
        def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...
        def update_run(self, run_id: str, values: Mapping[str, Any]) -> None: ...
        def attempts_of(self, run_id: str) -> set[int]: ...
        def sampled_attempts(self, run_id: str) -> set[int]: ...
        def event_keys(self, run_ids: Sequence[str]) -> set[tuple[Any, ...]]: ...
        def span_exists(self, trace_id: str, span_id: str) -> bool: ...
        def scan_exists(self, scan_id: str) -> bool: ...
        def savepoint(self) -> contextlib.AbstractContextManager[None]: ...

    class Target(Protocol):
        """A store to replay into."""

        where: str

        def transaction(self) -> contextlib.AbstractContextManager[Tx]: ...


Record = tuple[int, dict]  # type: ignore[type-arg]


def describe(record: Mapping[str, Any]) -> str:
    """A journal record in a few words, for messages (``finish of run 1a2b3c4d``)."""
    kind = record.get("op")
    run_id = record.get("run_id") or (record.get("row") or {}).get("id")
    if kind == "event":
        event = record.get("event") or {}
        run_id = event.get("run_id")
        kind = f"event {event.get('type')}"
    elif kind == "scan":
        run_id = (record.get("scan") or {}).get("run_id")
    return f"{kind} of run {str(run_id)[:8]}" if run_id else str(kind)


def error_line(exc: BaseException) -> str:
    """An error in one line: the driver's own error where there is one (not its
    statement and parameters, which SQLAlchemy's text adds), else ``exc``'s."""
    cause: BaseException = exc
    while True:
        inner = getattr(cause, "orig", None) or cause.__cause__
        if not isinstance(inner, BaseException) or inner is cause:
            break
        cause = inner
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else 'no message'}"


class Applied:
    """What one replay did: writes applied, writes found stored already, writes refused
    (the record, with the store's error)."""

    __slots__ = ("applied", "present", "refused")

    def __init__(self) -> None:
        self.applied = 0
        self.present = 0
        self.refused: list[dict[str, Any]] = []


def apply_records(target: Target, records: Sequence[Record]) -> Applied:
    """Write ``records`` (offset, record) into ``target`` in one transaction; raises the
    store's error on an outage (nothing is then written)."""
    if not records:
        return Applied()
    with target.transaction() as tx:
        return apply_in(tx, records)


def apply_in(tx: Tx, records: Sequence[Record]) -> Applied:
    """Write ``records`` in the transaction ``tx``, each in a savepoint of its own."""
    done = Applied()
    run_ids = sorted({e["run_id"] for _, r in records for e in _event_rows(r)}, key=str)
    keys = tx.event_keys(run_ids)
    for _, record in records:
        try:
            with tx.savepoint():
                fresh = _apply(tx, record, keys)
        except Exception as exc:
            if is_outage(exc):
                raise
            done.refused.append({**record, "error": error_line(exc)})
            continue
        if fresh:
            done.applied += 1
        else:
            done.present += 1
    return done


def _event_rows(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if record.get("op") == "event":
        return [record["event"]]
    return list(record.get("events") or ())


def _apply(tx: Tx, record: Mapping[str, Any], keys: set[tuple[Any, ...]]) -> bool:
    """Write one record, skipping what the store has already; False when it had all."""
    kind = record["op"]
    fresh = False
    if kind == "start":
        row = record["row"]
        status = tx.run_status(row["id"])
        if status == "running":
            tx.update_run(row["id"], {k: v for k, v in row.items() if k != "id"})
        elif status is None:
            tx.insert("runs", [row])
            tx.insert("run_tags", tag_rows(row["id"], row.get("tags") or {}))
            fresh = True
    elif kind == "finish":
        run_id = record["run_id"]
        tx.update_run(run_id, record["values"])
        stored = tx.attempts_of(run_id)
        attempts = [a for a in record["attempts"] if a["attempt"] not in stored]
        tx.insert("run_attempts", attempts)
        sampled = tx.sampled_attempts(run_id)
        tx.insert("metric_samples", [s for s in record["samples"] if s["attempt"] not in sampled])
        fresh = bool(attempts) or not record["attempts"]
    elif kind == "spans":
        rows = [r for r in record["rows"] if not tx.span_exists(r["trace_id"], r["span_id"])]
        tx.insert("spans", rows)
        fresh = bool(rows)
    elif kind == "cost":
        tx.update_run(record["run_id"], {"cloud_cost_usd": record["usd"]})
    elif kind == "scan":
        scan = record["scan"]
        if not tx.scan_exists(scan["id"]):
            tx.insert("scans", [scan])
            tx.insert("findings", record["findings"])
            fresh = True
    elif kind != "event":
        raise ValueError(f"unknown journal record {kind!r}")
    events = []
    for event in _event_rows(record):
        key = (event["run_id"], event["type"], event["ts"])
        if key not in keys:
            keys.add(key)
            events.append(event)
    tx.insert("events", events)
    return fresh or bool(events)


def target_for(store: Any, *, busy_timeout: float = 30.0) -> Target:
    """The replay target of a history store (its own connection: a SQLite file by path,
    waiting at most ``busy_timeout`` for its lock; a SQLAlchemy store through its
    engine)."""
    inner = getattr(store, "inner", None)
    if inner is not None and not hasattr(store, "engine") and not hasattr(store, "path"):
        return target_for(inner, busy_timeout=busy_timeout)
    engine = getattr(store, "engine", None)
    if engine is not None:
        from scriptrunner.store.replay_sqla import SqlaTarget

        return SqlaTarget(engine, store.where)
    return SqliteTarget(str(store.path), busy_timeout=busy_timeout)


# -- journals of processes that are gone -------------------------------------------------------


class Report:
    """What replaying a journal directory did, for ``db replay`` and warnings."""

    __slots__ = (
        "files", "applied", "present", "refused", "problems", "busy", "elsewhere", "kept", "lines"
    )  # fmt: skip

    def __init__(self) -> None:
        self.files = 0  # journal files replayed (and removed)
        self.applied = 0
        self.present = 0
        self.refused: list[str] = []  # one line per refused write
        self.problems: list[str] = []  # damaged records, unreadable files
        self.busy = 0  # files still held by a live writer
        self.elsewhere = 0  # files for another store
        self.kept: list[str] = []  # where refused writes were put
        self.lines: list[str] = []  # one per replayed file: what it held


def replay_directory(target: Target, directory: str, key: str) -> Report:
    """Replay every journal file in ``directory`` that is for the store ``key`` and whose
    writer is gone, in age order; each replayed file is removed.  Raises the store's error
    on an outage (the file being replayed, and the ones after it, are kept)."""
    report = Report()
    for path in journal.pending_files(directory):
        fd = journal.claim(path)
        if fd is None:
            if os.path.exists(path):
                report.busy += 1
            continue
        try:
            try:
                store = journal.peek_store(fd, path)
                if store is not None and store != key:
                    report.elsewhere += 1
                    os.close(fd)
                    continue
                contents = journal.read_fd(fd, path)
            except OSError as exc:
                report.problems.append(f"{path}: cannot be read: {exc.strerror}")
                os.close(fd)
                continue
            report.problems.extend(contents.problems)
            header = contents.header
            if header is None and contents.records:
                report.problems.append(
                    f"{path}: its header cannot be read, so the store it was written for is "
                    "unknown: not replayed (move it out of the journal directory to stop "
                    "this warning)"
                )
                os.close(fd)
                continue
            if header is not None and header.get("store") != key:
                report.elsewhere += 1
                os.close(fd)
                continue
            version = header.get("journal") if header is not None else None
            if isinstance(version, int) and version > journal.VERSION:
                report.problems.append(
                    f"{path}: written in journal format {version} by a newer "
                    f"scriptrunner (this one reads format {journal.VERSION}): not replayed"
                )
                os.close(fd)
                continue
            applied = apply_records(target, contents.records)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        if applied.refused:
            report.kept.append(journal.reject(directory, path, key, applied.refused))
            report.refused.extend(
                f"{describe(r)}: refused by the store: {r['error']}" for r in applied.refused
            )
        journal.discard(fd, path)
        report.lines.append(
            f"{path}: {applied.applied} write(s) written, {applied.present} already in the "
            f"store, {len(applied.refused)} refused"
        )
        report.files += 1
        report.applied += applied.applied
        report.present += applied.present
    return report


def replay_sqlite_home(store_path: str) -> Report | None:
    """The ``run`` fast path: replay what gone processes journaled for the SQLite store
    ``store_path`` (its journal is ``journal/`` beside it); None when there is nothing."""
    directory = os.path.join(os.path.dirname(store_path), journal.DIRECTORY)
    if not journal.has_pending(directory):
        return None
    target = SqliteTarget(store_path)
    return replay_directory(target, directory, journal.store_key("sqlite:///" + store_path))
