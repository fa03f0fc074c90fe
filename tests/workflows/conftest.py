"""Fixtures for the workflow tests: the real Semgrep of the security-gate tests."""

from __future__ import annotations

from fixtures.scanning import scan_cache, semgrep_exe  # noqa: F401
