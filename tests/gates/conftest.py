"""Fixtures for the gate tests (real Bandit and Semgrep)."""

from __future__ import annotations

from fixtures.scanning import scan_cache, semgrep_exe  # noqa: F401
