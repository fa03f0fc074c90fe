"""The shared findings model, its renderers and baselines (used by every scanner).

``Finding``/``Location``/``ScanResult``/``Skipped`` are frozen values (a data-flow finding
carries its flows, each a tuple of steps from source to sink); renderers turn a
``ScanResult`` into SARIF 2.1.0, JSON, a terminal table, GitHub annotation lines, Markdown,
GitLab's security reports (SAST, secret detection, dependency scanning) or a Code Climate
(GitLab Code Quality) report (``from_sarif`` reads a SARIF log back).
"""

from __future__ import annotations

from collections.abc import Callable

from scriptrunner.findings.baseline import apply_baseline, load_baseline, write_baseline
from scriptrunner.findings.codeclimate import render_codeclimate
from scriptrunner.findings.fingerprint import FINGERPRINT_KEY, fingerprint
from scriptrunner.findings.github import render_github
from scriptrunner.findings.gitlab import check_scan_kind, render_gitlab
from scriptrunner.findings.jsonout import render_json
from scriptrunner.findings.markdown import render_markdown
from scriptrunner.findings.model import (
    Confidence,
    Finding,
    Flow,
    FlowStep,
    Location,
    ScanResult,
    Severity,
    Skipped,
    Suppression,
    ToolFailure,
)
from scriptrunner.findings.sarif import render_sarif, to_sarif
from scriptrunner.findings.sarif_read import from_sarif
from scriptrunner.findings.table import Layout, Terminal, render_table
from scriptrunner.registry import Registry

__all__ = [
    "FINGERPRINT_KEY",
    "FORMATS",
    "RENDERERS",
    "Confidence",
    "Finding",
    "Flow",
    "FlowStep",
    "Location",
    "ScanResult",
    "Severity",
    "Skipped",
    "Suppression",
    "Terminal",
    "ToolFailure",
    "apply_baseline",
    "check_scan_kind",
    "fingerprint",
    "from_sarif",
    "load_baseline",
    "render",
    "render_github",
    "render_json",
    "render_markdown",
    "render_sarif",
    "render_table",
    "to_sarif",
    "write_baseline",
]

#: A renderer: the result, the terminal it is shown on (None: a pipe or a file) and the
#: table layout (``findings``, or ``deps`` for the compact dependency table).  Only the
#: table reads the last two.
Renderer = Callable[[ScanResult, "Terminal | None", Layout], str]

#: Report format -> renderer.
RENDERERS: Registry[Renderer] = Registry(
    "format",
    {
        "table": lambda result, term, how: render_table(result, terminal=term, layout_name=how),
        "json": lambda result, term, how: render_json(result),
        "sarif": lambda result, term, how: render_sarif(result),
        "github": lambda result, term, how: render_github(result),
        "markdown": lambda result, term, how: render_markdown(result),
        "gitlab-sast": lambda result, term, how: render_gitlab(result, "gitlab-sast"),
        "gitlab-secrets": lambda result, term, how: render_gitlab(result, "gitlab-secrets"),
        "gitlab-deps": lambda result, term, how: render_gitlab(result, "gitlab-deps"),
        "codeclimate": lambda result, term, how: render_codeclimate(result),
    },
)
FORMATS = RENDERERS.names()


def render(
    result: ScanResult,
    fmt: str,
    *,
    terminal: Terminal | None = None,
    layout: Layout = "findings",
) -> str:
    """``result`` in one of ``FORMATS``; ``terminal`` is where it is shown (None: not a
    terminal: no colour, one finding per line)."""
    return RENDERERS.get(fmt)(result, terminal, layout)
