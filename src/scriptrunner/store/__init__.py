"""The run history store: SQLite embedded by default, any SQLAlchemy URL (PostgreSQL) by choice."""

from __future__ import annotations

from scriptrunner.store.version import SCHEMA_VERSION

# ``typing``, ``pathlib`` and ``store.base`` (the event dataclass) stay out of the ``run``
# fast path, which imports ``store.rows`` and so this package; mypy understands this spelling.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from scriptrunner.settings import Settings
    from scriptrunner.store.base import HistoryStore
    from scriptrunner.store.reader import HistoryReader

__all__ = [
    "SCHEMA_VERSION",
    "HistoryStore",
    "open_reader",
    "open_store",
    "open_store_url",
    "sqlite_path",
]


def __getattr__(name: str) -> object:
    if name == "HistoryStore":
        from scriptrunner.store.base import HistoryStore

        return HistoryStore
    raise AttributeError(f"module 'scriptrunner.store' has no attribute {name!r}")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL, None for other URLs (and in-memory SQLite)."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        from pathlib import Path

        return Path(url[len("sqlite:///") :])
    return None


def open_store(settings: Settings) -> HistoryStore:
    """Open (creating or upgrading if needed) the store the settings point at."""
    return open_store_url(settings.store_url, busy_timeout=settings.busy_timeout)


def open_store_url(url: str, *, busy_timeout: float = 30.0) -> HistoryStore:
    """Open the store at ``url``: the fast SQLite writer for a SQLite file, else SQLAlchemy."""
    path = sqlite_path(url)
    if path is not None:
        from scriptrunner.store.sqlite import SqliteHistory

        return SqliteHistory(path, busy_timeout=busy_timeout)
    from scriptrunner.store.sqla import SqlAlchemyHistory

    return SqlAlchemyHistory(url, busy_timeout=busy_timeout)


def open_reader(settings: Settings) -> HistoryReader:
    """Open the store for queries (history, show, stats, the dashboard)."""
    from scriptrunner.store.reader import HistoryReader

    return HistoryReader(
        settings.store_url,
        busy_timeout=settings.busy_timeout,
        lease_timeout=settings.lease_timeout,
    )
