"""One way every scanner ends a scan: order the findings, split off the suppressed ones,
order the skips, and build the :class:`ScanResult`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scriptrunner.findings.model import Finding, ScanResult, Skipped, ToolFailure

#: How a finding is ordered in a result.
FindingOrder = Callable[[Finding], Any]


def by_location(finding: Finding) -> tuple[str, int, str]:
    """Path, line, rule id: the order of ``scan code`` and ``scan secrets`` reports."""
    return (finding.location.path, finding.location.start_line, finding.rule_id)


def finish_scan(
    findings: Iterable[Finding],
    *,
    root: Path,
    targets: Sequence[object],
    tools: Mapping[str, str],
    timings: Mapping[str, float],
    skipped: Iterable[Skipped] = (),
    failures: Iterable[ToolFailure] = (),
    warnings: Iterable[str] = (),
    artefacts: Iterable[object] = (),
    order: FindingOrder = by_location,
) -> ScanResult:
    """The :class:`ScanResult` of a scan: ``findings`` sorted by ``order`` (stable) and split
    into counted and suppressed ones, skips sorted by target and tool."""
    ordered = sorted(findings, key=order)
    return ScanResult(
        findings=tuple(f for f in ordered if not f.suppressed),
        suppressed=tuple(f for f in ordered if f.suppressed),
        skipped=tuple(sorted(skipped, key=lambda s: (s.target, s.tool or ""))),
        failures=tuple(failures),
        tools=dict(tools),
        timings=dict(timings),
        targets=tuple(str(t) for t in targets),
        root=str(root),
        warnings=tuple(warnings),
        artefacts=tuple(artefacts),
    )


__all__ = ["FindingOrder", "by_location", "finish_scan"]
