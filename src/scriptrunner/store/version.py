"""The schema version this code writes; importable without SQLAlchemy (fast path)."""

from __future__ import annotations

#: Bump together with a new entry in ``scriptrunner.store.migrations.MIGRATIONS``.
SCHEMA_VERSION = 6
SCHEMA_TABLE = "scriptrunner_schema"


def check_version(found: int, where: str) -> None:
    """Refuse a store written by a newer scriptrunner: guessing could damage the user's data."""
    if found > SCHEMA_VERSION:
        from scriptrunner.errors import StoreError

        raise StoreError(
            f"history store {where} has schema version {found}, newer than this scriptrunner "
            f"understands ({SCHEMA_VERSION}); upgrade scriptrunner. The store was not changed."
        )
