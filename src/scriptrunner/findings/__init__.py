"""The shared findings model, its renderers and baselines (used by every scanner).

``Finding``/``Location``/``ScanResult``/``Skipped`` are frozen values; renderers turn a
``ScanResult`` into SARIF 2.1.0, JSON, a terminal table or GitHub annotation lines.
"""

from __future__ import annotations

from scriptrunner.findings.baseline import apply_baseline, load_baseline, write_baseline
from scriptrunner.findings.fingerprint import FINGERPRINT_KEY, fingerprint
from scriptrunner.findings.github import render_github
from scriptrunner.findings.jsonout import render_json
from scriptrunner.findings.model import (
    Confidence,
    Finding,
    Location,
    ScanResult,
    Severity,
    Skipped,
    Suppression,
    ToolFailure,
)
from scriptrunner.findings.sarif import render_sarif, to_sarif
from scriptrunner.findings.table import render_table

__all__ = [
    "FINGERPRINT_KEY",
    "Confidence",
    "Finding",
    "Location",
    "ScanResult",
    "Severity",
    "Skipped",
    "Suppression",
    "ToolFailure",
    "apply_baseline",
    "fingerprint",
    "load_baseline",
    "render",
    "render_github",
    "render_json",
    "render_sarif",
    "render_table",
    "to_sarif",
    "write_baseline",
]

FORMATS = ("table", "json", "sarif", "github")


def render(result: ScanResult, fmt: str, *, color: bool = False) -> str:
    """``result`` in one of ``FORMATS``."""
    if fmt == "json":
        return render_json(result)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "github":
        return render_github(result)
    if fmt == "table":
        return render_table(result, color=color)
    from scriptrunner.errors import ConfigError

    raise ConfigError(f"unknown format {fmt!r} (choose one of: {', '.join(FORMATS)})")
