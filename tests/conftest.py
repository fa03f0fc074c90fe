"""Fixtures shared by the whole test suite."""

from __future__ import annotations

# Trace receivers on loopback (tests/fixtures/otel.py): OTLP/HTTP, OTLP/gRPC, Zipkin JSON.
from fixtures.otel import otlp_grpc_receiver, otlp_http_receiver, zipkin_receiver  # noqa: F401

# Real PostgreSQL server (tests/fixtures/postgres.py): postgres_server, postgres_url,
# postgres_db_url; and an empty store on each backend (tests/fixtures/stores.py).
from fixtures.postgres import postgres_db_url, postgres_server, postgres_url  # noqa: F401
from fixtures.stores import empty_store_url, sqlite_reader, sqlite_store  # noqa: F401
