"""A history store that survives outages: what it cannot write now goes to the journal.

:class:`JournaledStore` wraps the store a session opened.  Which writes may be journaled:

- a run start written directly (:meth:`JournaledStore.start_run`: the ``running`` row of
  ``scriptrunner run``, the row of a workflow) is never journaled: a store that cannot
  take it refuses the run before anything starts ("fail closed");
- every other write is: a run's end, its attempts, samples and events (a retry's
  ``run.attempt.finished``), its cost, scans and spans, and everything a workflow writes
  after its own row through the background writer (:meth:`JournaledStore.commit`),
  task starts included.

When the store is unreachable (``store.outage``) the writes are appended to this
process's journal file (``store.journal``), in order, and from then on every later write
goes there too, behind them, until the journal has been replayed (``store.replay``, which
skips what the store took already).  A replay is tried at once (a dropped connection
reconnects), then with a growing delay (0.5 s doubling to 5 s) whenever there is
something to write or the background writer asks (:meth:`JournaledStore.recover`), and
a last time at :meth:`JournaledStore.settle`.  A write the store refuses (a data error)
is not retried: it is kept in ``<journal>/rejected/`` and reported.  A journal that is
full or cannot be written raises :class:`~scriptrunner.store.journal.JournalFull` from
:meth:`JournaledStore.commit` (the background writer treats it as fatal); a direct write
keeps the message in :attr:`JournaledStore.lost` instead, for the caller to report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.store import journal, ops
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.outage import is_outage

if TYPE_CHECKING:
    from scriptrunner.settings import Settings
    from scriptrunner.store.replay import Target

#: The first delay before replaying again after a failed replay; it doubles up to the cap.
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
#: How long a replay waits for a locked SQLite store: a failed one is tried again later.
REPLAY_BUSY_TIMEOUT = 2.0


class JournaledStore:
    """A :class:`HistoryStore` over ``inner`` that journals what ``inner`` cannot take."""

    def __init__(
        self,
        inner: HistoryStore,
        writer: JournalWriter,
        *,
        first_backoff: float = FIRST_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        target: Target | None = None,
        busy_timeout: float = REPLAY_BUSY_TIMEOUT,
    ) -> None:
        """``target``: where replays write (default: the store's own, through a connection
        of its own that waits at most ``busy_timeout`` for a locked SQLite file)."""
        self.inner = inner
        self.where = inner.where
        self.journal = writer
        self._lock = threading.RLock()
        self._target = target
        self._busy_timeout = busy_timeout
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._delay = first_backoff
        self._next_try = 0.0
        #: Writes in the journal, not in the store yet.
        self.pending = 0
        #: When the store became unreachable (epoch seconds), and why (one line).
        self.since: float | None = None
        self.last_error = ""
        #: Writes the store refused (one line each) and the files keeping them.
        self.refused: list[str] = []
        self.rejected_files: list[str] = []
        #: Writes neither the store nor the journal could take (direct writes only).
        self.lost: list[str] = []
        #: Writes replayed from the journal after an outage.
        self.replayed = 0

    # -- the HistoryStore protocol -------------------------------------------------------

    def start_run(self, row: Mapping[str, Any], events: Sequence[Event] = ()) -> None:
        """Written now or not at all (fail closed): behind what the journal holds, which is
        replayed first; ``StoreError`` when the store cannot take it."""
        with self._lock:
            if self.pending and not self._recover(force=True):
                raise StoreError(
                    f"cannot record a run in history store {self.where}: it is unreachable "
                    f"({self.last_error}) and {self.pending} earlier writes wait in the "
                    f"journal {self.journal.path}; nothing was started"
                )
            self.inner.start_run(row, events)

    def finish_run(
        self,
        run_id: str,
        values: Mapping[str, Any],
        attempts: Sequence[Mapping[str, Any]],
        samples: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._direct(
            (ops.FINISH, run_id, dict(values), list(attempts), list(samples), list(events))
        )

    def append_event(self, event: Event) -> None:
        self._direct((ops.EVENT, event))

    def append_spans(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._direct((ops.SPANS, [dict(r) for r in rows]))

    def set_run_cost(self, run_id: str, usd: float, events: Sequence[Event] = ()) -> None:
        self._direct((ops.COST, run_id, usd, list(events)))

    def record_scan(
        self,
        scan: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        events: Sequence[Event] = (),
    ) -> None:
        self._direct((ops.SCAN, dict(scan), [dict(f) for f in findings], list(events)))

    def run_exists(self, run_id: str) -> bool:
        return self.inner.run_exists(run_id)

    def __getattr__(self, name: str) -> Any:
        """Any other attribute is the wrapped store's (its ``path`` or ``engine``, and
        methods beyond the protocol), used as it is: not journaled."""
        if name == "inner":  # not set yet (during construction)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def close(self) -> None:
        """Release the journal (kept on disk if it holds writes) and close the store."""
        with self._lock:
            try:
                self.journal.close()
            finally:
                self.inner.close()

    # -- writing ---------------------------------------------------------------------------

    def _direct(self, op: ops.Op) -> None:
        try:
            self.commit([op])
        except journal.JournalFull as exc:
            from scriptrunner.store.replay import describe

            self.lost.append(f"{describe(ops.op_record(op))}: {exc}")

    def commit(self, batch: Sequence[ops.Op]) -> None:
        """Write ``batch`` in order (one transaction where the store offers one), or
        journal it behind what the journal holds; ``JournalFull`` if that is not possible."""
        with self._lock:
            if self.pending and not self._recover():
                self._journal(batch)
                return
            self._write(list(batch))

    def _write(self, batch: list[ops.Op]) -> None:
        inner = self.inner
        if hasattr(inner, "transaction"):
            try:
                ops.write_ops(inner, batch)
                return
            except Exception as exc:
                if is_outage(exc):
                    self._outage(batch, exc)
                    return
            # A write the store refuses fails the whole batch: write them one by one.
            for i, op in enumerate(batch):
                try:
                    ops.write_ops(inner, [op])
                except Exception as exc:
                    if is_outage(exc):
                        self._outage(batch[i:], exc)
                        return
                    self._refuse(op, exc)
            return
        for i, op in enumerate(batch):  # no transaction: each write is one of its own
            try:
                ops.apply_op(inner, op)
            except Exception as exc:
                if is_outage(exc):
                    self._outage(batch[i:], exc)  # the first one may be stored: replay knows
                    return
                self._refuse(op, exc)

    def _outage(self, batch: Sequence[ops.Op], exc: BaseException) -> None:
        """The store failed with ``batch`` unwritten (or its first write in doubt):
        journal it, then try at once to replay (a dropped connection reconnects)."""
        from scriptrunner.store.replay import error_line

        self.last_error = error_line(exc)
        if self.since is None:
            self.since = time.time()
        self._journal(batch)
        self._recover(force=True)

    def _journal(self, batch: Sequence[ops.Op]) -> None:
        self.journal.append([ops.op_record(op) for op in batch])
        self.pending += len(batch)

    def _refuse(self, op: ops.Op, exc: BaseException) -> None:
        from scriptrunner.store.replay import error_line

        record = {**ops.op_record(op), "error": error_line(exc)}
        self._keep_refused([record])

    def _keep_refused(self, records: Sequence[Mapping[str, Any]]) -> None:
        from scriptrunner.store.replay import describe

        writer = self.journal
        try:
            kept = journal.reject(writer.directory, writer.name, writer.store, records)
        except journal.JournalFull as exc:
            self.lost.extend(f"{describe(r)}: {exc}" for r in records)
            kept = ""
        if kept and kept not in self.rejected_files:
            self.rejected_files.append(kept)
        where = f" (kept in {kept})" if kept else ""
        self.refused.extend(f"{describe(r)}: refused: {r['error']}{where}" for r in records)

    # -- getting back --------------------------------------------------------------------

    def _replay_target(self) -> Target:
        if self._target is None:
            from scriptrunner.store.replay import target_for

            self._target = target_for(self.inner, busy_timeout=self._busy_timeout)
        return self._target

    def retry_in(self) -> float | None:
        """Seconds until the next replay is due; None with nothing journaled."""
        if not self.pending:
            return None
        return max(0.0, self._next_try - time.monotonic())

    def recover(self) -> bool:
        """Replay the journal if a replay is due; True when nothing is left in it."""
        with self._lock:
            return self._recover()

    def settle(self) -> bool:
        """Replay the journal now (the last chance before the process ends); True when
        nothing is left in it."""
        with self._lock:
            return self._recover(force=True)

    def _recover(self, *, force: bool = False) -> bool:
        if not self.pending:
            return True
        now = time.monotonic()
        if not force and now < self._next_try:
            return False
        from scriptrunner.store.replay import apply_in, error_line

        try:
            with self._replay_target().transaction() as tx:  # reachable before reading
                contents = self.journal.read()
                applied = apply_in(tx, contents.records)
        except Exception as exc:  # still unreachable (or the replay failed): later
            self.last_error = error_line(exc)
            self._next_try = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, self._max_backoff)
            return False
        if applied.refused:
            self._keep_refused(applied.refused)
        self.refused.extend(contents.problems)
        self.journal.clear()
        self.replayed += self.pending
        self.pending = 0
        self.since = None
        self._delay, self._next_try = self._first_backoff, 0.0
        return True

    def delayed(self) -> str | None:
        """What to tell the user while writes wait in the journal (None: nothing waits)."""
        if not self.pending:
            return None
        since = time.strftime("%H:%M:%S", time.localtime(self.since or time.time()))
        return (
            f"history delayed: history store {self.where} has been unreachable since "
            f"{since} ({self.last_error}); {self.pending} writes are kept in the journal "
            f"{self.journal.path} and will be written when the store is back (by the next "
            "scriptrunner command that writes history, or `scriptrunner db replay`)"
        )


def journal_for(settings: Settings) -> JournalWriter:
    """This process's journal for the store ``settings`` name, under its home."""
    return JournalWriter(journal.journal_dir(settings.home), journal.store_key(settings.store_url))
