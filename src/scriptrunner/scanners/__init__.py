"""Scanners: code analysis now (Bandit + Semgrep); dependency and secret scanning later."""

from __future__ import annotations

from scriptrunner.scanners.base import (
    SCANNERS,
    ScanContext,
    Scanner,
    ScannerFactory,
    get_scanner,
    scanner_kinds,
)

__all__ = ["SCANNERS", "ScanContext", "Scanner", "ScannerFactory", "get_scanner", "scanner_kinds"]
