"""The shared findings model, its renderers and baselines (used by every scanner).

``Finding``/``Location``/``ScanResult``/``Skipped`` are frozen values; renderers turn a
``ScanResult`` into SARIF 2.1.0, JSON, a terminal table or GitHub annotation lines.
"""

from __future__ import annotations

from collections.abc import Callable

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
from scriptrunner.registry import Registry

__all__ = [
    "FINGERPRINT_KEY",
    "FORMATS",
    "RENDERERS",
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

#: A renderer: the result and whether to colour the output (only the table uses it).
Renderer = Callable[[ScanResult, bool], str]

#: Report format -> renderer.
RENDERERS: Registry[Renderer] = Registry(
    "format",
    {
        "table": lambda result, color: render_table(result, color=color),
        "json": lambda result, color: render_json(result),
        "sarif": lambda result, color: render_sarif(result),
        "github": lambda result, color: render_github(result),
    },
)
FORMATS = RENDERERS.names()


def render(result: ScanResult, fmt: str, *, color: bool = False) -> str:
    """``result`` in one of ``FORMATS``."""
    return RENDERERS.get(fmt)(result, color)
