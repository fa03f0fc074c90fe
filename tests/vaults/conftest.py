"""Real secret stores on loopback for the vault tests (tests/fixtures/vaults.py)."""

from __future__ import annotations

from fixtures.vaults import aws_sm_fixture, azure_kv_fixture, openbao_fixture  # noqa: F401
