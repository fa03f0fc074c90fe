"""Bandit, run as ``python -m bandit -f json`` in a subprocess (a crash stays contained).

Severity: the calibration table (``severity.py``, printed in docs/code-analysis.md) gives
each Bandit test our severity; a finding Bandit itself rates LOW (a literal command, a
checked ``members=`` argument, an informational test) is INFO.  Tests that match a name or
a string without seeing its use (any ``"0.0.0.0"``, any stdlib XML parser, any
``exec_command``, any Jinja ``Environment``) are INFO there: the bundled Semgrep rules for
the same issues look at the use, and a merged finding takes the higher severity.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Confidence, Finding, Location, Severity, Skipped
from scriptrunner.scanners.code.files import SourceFile
from scriptrunner.scanners.code.severity import bandit_severity, digest
from scriptrunner.scanners.code.tool import BATCH, ToolOutput, rel_of
from scriptrunner.scanners.tools import ExternalTool, run_tool, tail

BANDIT = ExternalTool(
    "bandit", "install it with: pip install 'scriptrunner[scan]' (or pip install bandit)"
)


def map_severity(test_id: str, severity: str, confidence: str) -> Severity:
    """Our severity of a Bandit finding: the calibration table's (``severity.py``)."""
    return bandit_severity(test_id, severity, confidence)


class BanditTool:
    """Bandit from this interpreter's environment (the ``scan`` extra installs it)."""

    name = "bandit"

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._version: str | None = None

    def version(self) -> str:
        if self._version is None:
            from importlib import metadata

            try:
                self._version = metadata.version("bandit")
            except metadata.PackageNotFoundError:
                raise ScannerError(
                    f"bandit not found in this Python environment: {BANDIT.fix}"
                ) from None
        return self._version

    def config_digest(self) -> str:
        # Our command line decides Bandit's results besides the file: hash it, and the
        # severity calibration, so changing either invalidates cached results.
        recipe = json.dumps([self.argv(()), digest("bandit")])
        return hashlib.sha256(recipe.encode()).hexdigest()

    def argv(self, paths: Sequence[str]) -> list[str]:
        return [self.python, "-m", "bandit", "-f", "json", "-q", "--ignore-nosec", *paths]

    def analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        output = ToolOutput()
        for i in range(0, len(files), BATCH):
            batch = files[i : i + BATCH]
            part = self._analyse(batch, root)
            output = ToolOutput(
                [*output.findings, *part.findings],
                [*output.skipped, *part.skipped],
                output.failed_files | part.failed_files,
            )
        return output

    def _analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        by_abs = {str(f.path): f for f in files}
        proc = run_tool(BANDIT, self.argv([str(f.path) for f in files]), cwd=root)
        try:
            report: dict[str, Any] = json.loads(proc.stdout)
        except ValueError:
            raise ScannerError(
                f"bandit failed (exit {proc.returncode}) without a report: {tail(proc.stderr)}"
            ) from None
        skipped, failed = [], set()
        for error in report.get("errors", []):
            src = rel_of(str(error.get("filename", "")), root, by_abs)
            rel = src.rel if src else str(error.get("filename"))
            skipped.append(Skipped(rel, f"bandit: {error.get('reason', 'error')}", "bandit"))
            failed.add(rel)
        findings = []
        for item in report.get("results", []):
            src = rel_of(str(item["filename"]), root, by_abs)
            if src is not None:
                findings.append(to_finding(item, src.rel))
        return ToolOutput(findings, skipped, frozenset(failed))


def to_finding(item: dict[str, Any], rel: str) -> Finding:
    """One Bandit result as a single-tool finding (rule id = the Bandit test id)."""
    test_id = str(item["test_id"])
    severity = str(item.get("issue_severity", "LOW"))
    confidence = str(item.get("issue_confidence", "LOW")).upper()
    line = int(item["line_number"])
    line_range = [int(n) for n in item.get("line_range") or [line]]
    col = item.get("col_offset")
    end_col = item.get("end_col_offset")
    last = max(line_range)
    cwe = item.get("issue_cwe") or {}
    conf: Confidence | None = (
        confidence if confidence in ("LOW", "MEDIUM", "HIGH") else None  # type: ignore[assignment]
    )
    return Finding(
        tools=("bandit",),
        rule_id=test_id,
        title=str(item.get("test_name", test_id)).replace("_", " "),
        message=str(item.get("issue_text", "")),
        severity=map_severity(test_id, severity, confidence),
        confidence=conf,
        location=Location(
            path=rel,
            start_line=line,
            end_line=last,
            start_column=int(col) + 1 if col is not None else None,
            end_column=int(end_col) + 1 if end_col is not None and last == line else None,
        ),
        cwe=(int(cwe["id"]),) if cwe.get("id") else (),
        help_uri=item.get("more_info"),
        properties={"bandit_severity": severity.upper(), "bandit_confidence": confidence},
    )
