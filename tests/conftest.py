"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fixtures.cli import run_path  # noqa: F401

# Real Dask scheduler and worker processes on loopback (tests/fixtures/dask_cluster.py).
from fixtures.dask_cluster import dask_cluster  # noqa: F401

# Trace receivers on loopback (tests/fixtures/otel.py): OTLP/HTTP, OTLP/gRPC, Zipkin JSON.
from fixtures.otel import otlp_grpc_receiver, otlp_http_receiver, zipkin_receiver  # noqa: F401

# Real PostgreSQL server (tests/fixtures/postgres.py): postgres_server, postgres_url,
# postgres_db_url; and an empty store on each backend (tests/fixtures/stores.py).
from fixtures.postgres import postgres_db_url, postgres_server, postgres_url  # noqa: F401
from fixtures.stores import empty_store_url, sqlite_reader, sqlite_store  # noqa: F401

# -- the docs test's summary line (tests/docs/test_docs_blocks.py) -----------------------------
# Each page's test records its block counts in its report's user_properties, which pytest-xdist
# carries back to the controlling process, so the line is right with `-n 2` too.
_DOCS: dict[str, Counter[str]] = {"counts": Counter(), "skipped": Counter()}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == "docs_blocks":
            data = json.loads(value)
            _DOCS["counts"].update(data["counts"])
            _DOCS["skipped"].update(data["skipped"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts, skipped = _DOCS["counts"], _DOCS["skipped"]
    if not counts and not skipped:
        return
    reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items()))
    line = f"docs: {counts['checked']} blocks checked, {sum(skipped.values())} skipped"
    line += f" ({reasons})" if reasons else ""
    line += f", {counts['failing']} failing, {counts['illustrative']} illustrative (not checked)"
    terminalreporter.write_line(line)
