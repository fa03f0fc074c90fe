"""SARIF 2.1.0: one run per tool, with rule metadata, fingerprints and suppressions.

A finding reported by several tools is written once, in the run of its primary tool (the
first of ``Finding.tools``); its ``properties.tools`` lists all of them.  Files a tool could
not analyse and tool failures become ``toolExecutionNotifications`` of the run's invocation,
and a failed tool's invocation has ``executionSuccessful: false``, so a consumer cannot
mistake an incomplete scan for a clean one.  A data-flow finding's flows are its
``codeFlows``: one ``threadFlow`` each, its ``locations`` the steps from source to sink.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scriptrunner.findings.fingerprint import FINGERPRINT_KEY
from scriptrunner.findings.model import (
    Finding,
    Flow,
    Location,
    ScanResult,
    Severity,
    Skipped,
    ToolFailure,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}
# GitHub code scanning reads ``security-severity`` (0-10) to rank security alerts.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.WARNING: "5.5",
    Severity.INFO: "2.0",
}
_TOOL_URIS = {
    "bandit": "https://bandit.readthedocs.io/",
    "semgrep": "https://semgrep.dev/",
}


def _uri(path: str) -> dict[str, str]:
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix()), "uriBaseId": "SRCROOT"}


def _region(loc: Location) -> dict[str, int]:
    region = {"startLine": loc.start_line}
    if loc.end_line is not None:
        region["endLine"] = loc.end_line
    if loc.start_column is not None:
        region["startColumn"] = loc.start_column
    if loc.end_column is not None:
        region["endColumn"] = loc.end_column
    return region


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security", *(f"external/cwe/cwe-{c}" for c in f.cwe)]
    rule: dict[str, Any] = {
        "id": f.rule_id,
        "name": f.rule_id,
        "shortDescription": {"text": f.title},
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "properties": {"tags": tags, "security-severity": _SECURITY_SEVERITY[f.severity]},
    }
    if f.help_uri:
        rule["helpUri"] = f.help_uri
    return rule


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _uri(f.location.path),
                    "region": _region(f.location),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "severity": f.severity.name,
            "confidence": f.confidence,
            "tools": list(f.tools),
            "cwe": [f"CWE-{c}" for c in f.cwe],
            **dict(f.properties),
        },
    }
    if f.flows:
        result["codeFlows"] = [_code_flow(flow) for flow in f.flows]
    if f.suppression is not None:
        result["suppressions"] = [
            {"kind": f.suppression.kind, "justification": f.suppression.justification}
        ]
    return result


def _code_flow(flow: Flow) -> dict[str, Any]:
    steps = [
        {
            "location": {
                "physicalLocation": {
                    "artifactLocation": _uri(step.location.path),
                    "region": _region(step.location),
                },
                "message": {"text": step.message},
            }
        }
        for step in flow.steps
    ]
    code_flow: dict[str, Any] = {"threadFlows": [{"locations": steps}]}
    if flow.message:
        code_flow["message"] = {"text": flow.message}
    return code_flow


def _notifications(skipped: Iterable[Skipped], failures: Iterable[ToolFailure]) -> list[Any]:
    notes: list[dict[str, Any]] = [
        {
            "level": "warning",
            "message": {"text": f"not analysed: {s.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": _uri(s.target)}}],
        }
        for s in skipped
    ]
    notes += [{"level": "error", "message": {"text": e.message}} for e in failures]
    return notes


def _run(tool: str, version: str | None, result: ScanResult, findings: Sequence[Finding]) -> Any:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for f in findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule(f))
        results.append(_result(f, index[f.rule_id]))
    failures = [e for e in result.failures if e.tool == tool]
    skipped = [s for s in result.skipped if s.tool in (None, tool)]
    driver: dict[str, Any] = {"name": tool, "rules": rules}
    if version:
        driver["version"] = version
    if tool in _TOOL_URIS:
        driver["informationUri"] = _TOOL_URIS[tool]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": not failures,
                "toolExecutionNotifications": _notifications(skipped, failures),
            }
        ],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if result.root:
        run["originalUriBaseIds"] = {"SRCROOT": {"uri": Path(result.root).as_uri() + "/"}}
    return run


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """The scan as a SARIF 2.1.0 log (a JSON-ready dict)."""
    tools: dict[str, str | None] = dict(result.tools)
    for f in (*result.findings, *result.suppressed):
        tools.setdefault(f.tools[0], None)
    for e in result.failures:
        tools.setdefault(e.tool, None)
    if not tools:
        tools["scriptrunner"] = None
    everything = sorted(
        (*result.findings, *result.suppressed),
        key=lambda f: (f.location.path, f.location.start_line, f.rule_id),
    )
    runs = [
        _run(tool, version, result, [f for f in everything if f.tools[0] == tool])
        for tool, version in tools.items()
    ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def render_sarif(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"
