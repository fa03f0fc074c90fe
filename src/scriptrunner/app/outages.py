"""What a session does about history store outages (``store.resilient``).

:func:`open_journaled` opens the store the settings name, first replays what processes
that are gone left in the journal for it (one directory listing when there is nothing),
and wraps it in a :class:`~scriptrunner.store.resilient.JournaledStore`; :func:`settle`
gives the journal its last chance after a run or workflow and says what is left.
Problems are warnings (``warn``), never errors: the work has run.
"""

from __future__ import annotations

from collections.abc import Callable

from scriptrunner.settings import Settings
from scriptrunner.store import journal, open_store
from scriptrunner.store.base import HistoryStore
from scriptrunner.store.resilient import REPLAY_BUSY_TIMEOUT, JournaledStore, journal_for

Warn = Callable[[str], None]


def open_journaled(settings: Settings, warn: Warn) -> JournaledStore:
    """The store ``settings`` name, journals of gone processes replayed, journaled."""
    store = open_store(settings)
    try:
        replay_journals(store, settings, warn)
        wait = min(REPLAY_BUSY_TIMEOUT, settings.busy_timeout)
        return JournaledStore(store, journal_for(settings), busy_timeout=wait)
    except BaseException:
        store.close()
        raise


def replay_journals(store: HistoryStore, settings: Settings, warn: Warn) -> None:
    """Write what processes that are gone journaled for this store; a store that cannot
    take it now gets it later."""
    directory = journal.journal_dir(settings.home)
    if not journal.has_pending(directory):
        return
    from scriptrunner.store.replay import error_line, replay_directory, target_for

    try:
        report = replay_directory(
            target_for(store, busy_timeout=settings.busy_timeout),
            directory,
            journal.store_key(settings.store_url),
        )
    except Exception as exc:
        warn(f"history journal {directory} not replayed yet: {error_line(exc)}")
        return
    for line in (*report.problems, *report.refused):
        warn(line)


def settle(store: JournaledStore, warn: Warn) -> str | None:
    """Replay the journal a last time; warn about writes the store refused or nothing could
    keep; the "history delayed" message (warned too) when writes still wait in it."""
    store.settle()
    for line in store.refused + store.lost:
        warn(line)
    store.refused.clear()
    store.lost.clear()
    delayed = store.delayed()
    if delayed is not None:
        warn(delayed)
    return delayed
