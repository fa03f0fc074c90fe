"""Code Climate issues, the subset GitLab reads as a Code Quality report.

A JSON array, one object per counted finding (suppressed and baselined ones are left out):
``type`` ``"issue"``, ``check_name`` (the rule id), ``description`` (the finding's message,
secret values already redacted as in every format), ``categories`` ``["Security"]``,
``fingerprint`` (the finding's stable fingerprint, so GitLab tells new issues from old ones
when lines move), ``severity`` (critical -> ``critical``, high -> ``major``, warning ->
``minor``, info -> ``info``; ``blocker`` is not used) and ``location.path`` with
``location.lines.begin`` (and ``end``).  GitLab requires description, check_name,
fingerprint, severity, location.path and location.lines.begin; the rest is Code Climate's
own spec.  It fits every scan kind: a dependency's location is its line in the requirements
file.
"""

from __future__ import annotations

import json
from typing import Any

from scriptrunner.findings.fingerprint import digest
from scriptrunner.findings.model import Finding, ScanResult, Severity

SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "major",
    Severity.WARNING: "minor",
    Severity.INFO: "info",
}


def issue(f: Finding) -> dict[str, Any]:
    """One finding as a Code Climate issue."""
    return {
        "type": "issue",
        "check_name": f.rule_id,
        "description": f.message,
        "categories": ["Security"],
        "severity": SEVERITY[f.severity],
        "fingerprint": f.fingerprint
        or digest(f.rule_id, f.location.path, str(f.location.start_line)),
        "location": {
            "path": f.location.path,
            "lines": {"begin": f.location.start_line, "end": f.location.last_line},
        },
    }


def to_codeclimate(result: ScanResult) -> list[dict[str, Any]]:
    return [issue(f) for f in result.findings]


def render_codeclimate(result: ScanResult) -> str:
    return json.dumps(to_codeclimate(result), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SEVERITY", "issue", "render_codeclimate", "to_codeclimate"]
