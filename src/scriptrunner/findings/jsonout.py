"""The JSON report: every field of every finding, stable key order, for machines."""

from __future__ import annotations

import json
from typing import Any

from scriptrunner.findings.model import Finding, Flow, Location, ScanResult

#: Bump when a field is removed or changes meaning (adding fields keeps the version).
JSON_FORMAT_VERSION = 1


def _location(loc: Location) -> dict[str, Any]:
    return {
        "path": loc.path,
        "start_line": loc.start_line,
        "end_line": loc.end_line,
        "start_column": loc.start_column,
        "end_column": loc.end_column,
    }


def _flow(flow: Flow) -> dict[str, Any]:
    return {
        "message": flow.message,
        "steps": [{"location": _location(s.location), "message": s.message} for s in flow.steps],
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "message": f.message,
        "severity": f.severity.name,
        "confidence": f.confidence,
        "tools": list(f.tools),
        "location": _location(f.location),
        "cwe": list(f.cwe),
        "fingerprint": f.fingerprint,
        "help_uri": f.help_uri,
        "properties": dict(f.properties),
        "suppression": (
            None
            if f.suppression is None
            else {"kind": f.suppression.kind, "justification": f.suppression.justification}
        ),
        "flows": [_flow(flow) for flow in f.flows],
    }


def to_dict(result: ScanResult) -> dict[str, Any]:
    return {
        "version": JSON_FORMAT_VERSION,
        "complete": result.complete,
        "root": result.root,
        "targets": list(result.targets),
        "tools": dict(result.tools),
        "counts": result.counts(),
        "findings": [finding_to_dict(f) for f in result.findings],
        "suppressed": [finding_to_dict(f) for f in result.suppressed],
        "skipped": [
            {"target": s.target, "reason": s.reason, "tool": s.tool} for s in result.skipped
        ],
        "failures": [{"tool": e.tool, "message": e.message} for e in result.failures],
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }


def render_json(result: ScanResult) -> str:
    """The scan as one JSON document (newline-terminated).

    Compact: ``indent`` would switch to the pure-Python encoder, 4x slower on big reports.
    """
    return json.dumps(to_dict(result), ensure_ascii=False, separators=(",", ":")) + "\n"


def finding_from_dict(data: dict[str, Any]) -> Finding:
    """The inverse of :func:`finding_to_dict` (for caches and saved reports)."""
    from scriptrunner.findings.model import FlowStep, Severity, Suppression

    why = data.get("suppression")
    return Finding(
        tools=tuple(data["tools"]),
        rule_id=data["rule_id"],
        title=data["title"],
        message=data["message"],
        severity=Severity[data["severity"]],
        confidence=data.get("confidence"),
        location=_location_from(data["location"]),
        cwe=tuple(data.get("cwe", ())),
        fingerprint=data.get("fingerprint", ""),
        help_uri=data.get("help_uri"),
        properties=dict(data.get("properties", {})),
        suppression=Suppression(why["kind"], why["justification"]) if why else None,
        flows=tuple(
            Flow(
                tuple(FlowStep(_location_from(s["location"]), s["message"]) for s in flow["steps"]),
                flow.get("message", ""),
            )
            for flow in data.get("flows", ())
        ),
    )


def _location_from(loc: dict[str, Any]) -> Location:
    return Location(
        path=loc["path"],
        start_line=loc["start_line"],
        end_line=loc.get("end_line"),
        start_column=loc.get("start_column"),
        end_column=loc.get("end_column"),
    )
