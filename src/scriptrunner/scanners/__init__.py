"""Scanners: code analysis (Bandit + Semgrep), dependency vulnerabilities (OSV advisories,
Safety, OSV-Scanner) and secrets, behind one interface (``base.py``) and one kit: typed
options (``options.py``), one file collector (``files.py``), one external-tool runner
(``tools.py``) and one way to finish a scan (``result.py``)."""

from __future__ import annotations

from scriptrunner.scanners.base import (
    SCANNERS,
    ScanContext,
    Scanner,
    ScannerFactory,
    get_scanner,
    scanner_kinds,
)
from scriptrunner.scanners.options import CodeOptions, DepsOptions, ScanOptions, SecretsOptions
from scriptrunner.scanners.result import finish_scan

__all__ = [
    "SCANNERS",
    "CodeOptions",
    "DepsOptions",
    "ScanContext",
    "ScanOptions",
    "Scanner",
    "ScannerFactory",
    "SecretsOptions",
    "finish_scan",
    "get_scanner",
    "scanner_kinds",
]
