"""Telling a store that is unreachable (an outage: retry, journal) from one that refuses a
write (a data error: retrying cannot help).

Decided from the class names along the error's chain (``__cause__``, SQLAlchemy's
``orig``), so neither SQLAlchemy nor a driver is imported to ask: DB-API's
``OperationalError`` and ``InterfaceError`` (a lost connection, a server shutting down,
"database is locked", a full disk), SQLAlchemy's ``DisconnectionError`` and pool
``TimeoutError``, and an ``OSError`` are outages; ``IntegrityError``, ``DataError``,
``ProgrammingError`` and ``NotSupportedError`` are refusals.  A ``StoreError`` with no
such cause counts as an outage; anything else (a bug) as a refusal.
"""

from __future__ import annotations

_OUTAGE = frozenset(
    {
        "OperationalError",
        "InterfaceError",
        "DisconnectionError",
        "TimeoutError",
        "InternalError",
        "OSError",
    }
)
_REFUSAL = frozenset({"IntegrityError", "DataError", "ProgrammingError", "NotSupportedError"})


def is_outage(exc: BaseException) -> bool:
    """Is ``exc`` the store being unreachable (worth retrying later) rather than a write
    it refuses?"""
    seen: set[int] = set()
    store_error = False
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        names = {cls.__name__ for cls in type(current).__mro__}
        if names & _REFUSAL:
            return False
        if names & _OUTAGE or getattr(current, "connection_invalidated", False):
            return True
        if "DatabaseError" in names and "StoreError" not in names:
            return True  # SQLite: "file is not a database", "disk image is malformed"
        store_error = store_error or "StoreError" in names
        nxt = getattr(current, "orig", None)
        if not isinstance(nxt, BaseException):
            nxt = current.__cause__ or current.__context__
        current = nxt
    return store_error
