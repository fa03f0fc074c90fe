"""Fixtures shared by the whole test suite."""

from __future__ import annotations

# Real PostgreSQL server (tests/fixtures/postgres.py): postgres_server, postgres_url,
# postgres_db_url; and an empty store on each backend (tests/fixtures/stores.py).
from fixtures.postgres import postgres_db_url, postgres_server, postgres_url  # noqa: F401
from fixtures.stores import empty_store_url  # noqa: F401
