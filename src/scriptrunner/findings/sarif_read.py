"""A SARIF 2.1.0 log read back into the findings model: the inverse of
:func:`scriptrunner.findings.sarif.to_sarif`.

What reads it: a CI job summary (the GitHub Action) is written from the very SARIF files it
uploads, so the counts it shows are the uploaded ones.  A log this package wrote comes back
whole (severity, confidence, tools, CWE, fingerprint, rule title and documentation link,
suppressions, flows, files not analysed, failed tools).  Another tool's log is read too:
its ``level`` gives the severity (``error`` HIGH, ``warning`` WARNING, else INFO) and the
driver's name the tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from scriptrunner.errors import ConfigError
from scriptrunner.findings.fingerprint import FINGERPRINT_KEY
from scriptrunner.findings.model import (
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

_LEVELS = {"error": Severity.HIGH, "warning": Severity.WARNING}
_OWN_PROPERTIES = ("severity", "confidence", "tools", "cwe")
_SKIPPED_PREFIX = "not analysed: "


def _path(uri: str, based: bool) -> str:
    if based:
        return unquote(uri)
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _location(physical: Mapping[str, Any]) -> Location:
    artifact = physical.get("artifactLocation", {})
    region = physical.get("region", {})
    return Location(
        path=_path(str(artifact.get("uri", "")), "uriBaseId" in artifact),
        start_line=int(region.get("startLine", 1)),
        end_line=region.get("endLine"),
        start_column=region.get("startColumn"),
        end_column=region.get("endColumn"),
    )


def _flows(result: Mapping[str, Any]) -> tuple[Flow, ...]:
    flows = []
    for code_flow in result.get("codeFlows", ()):
        for thread in code_flow.get("threadFlows", ()):
            steps = tuple(
                FlowStep(
                    _location(step["location"]["physicalLocation"]),
                    step["location"].get("message", {}).get("text", ""),
                )
                for step in thread.get("locations", ())
            )
            if steps:
                flows.append(Flow(steps, code_flow.get("message", {}).get("text", "")))
    return tuple(flows)


def _severity(result: Mapping[str, Any], properties: Mapping[str, Any]) -> Severity:
    if isinstance(properties.get("severity"), str):
        try:
            return Severity.parse(properties["severity"])
        except ConfigError:  # another tool's word: fall back on the SARIF level
            pass
    return _LEVELS.get(str(result.get("level", "warning")), Severity.INFO)


def _cwe(values: Any) -> tuple[int, ...]:
    numbers = []
    for value in values or ():
        digits = str(value).upper().removeprefix("CWE-")
        if digits.isdigit():
            numbers.append(int(digits))
    return tuple(numbers)


def _finding(
    result: Mapping[str, Any], tool: str, rules: Mapping[str, Mapping[str, Any]]
) -> Finding:
    rule_id = str(result.get("ruleId", ""))
    rule = rules.get(rule_id, {})
    properties = dict(result.get("properties", {}))
    locations = result.get("locations") or [{"physicalLocation": {}}]
    suppressions = result.get("suppressions") or ()
    return Finding(
        tools=tuple(properties.get("tools") or (tool,)),
        rule_id=rule_id,
        title=str(rule.get("shortDescription", {}).get("text", rule_id)),
        message=str(result.get("message", {}).get("text", "")),
        severity=_severity(result, properties),
        location=_location(locations[0].get("physicalLocation", {})),
        confidence=properties.get("confidence"),
        cwe=_cwe(properties.get("cwe")),
        fingerprint=str(result.get("partialFingerprints", {}).get(FINGERPRINT_KEY, "")),
        help_uri=rule.get("helpUri"),
        properties={k: v for k, v in properties.items() if k not in _OWN_PROPERTIES},
        suppression=(
            Suppression(
                suppressions[0].get("kind", "external"), suppressions[0].get("justification", "")
            )
            if suppressions
            else None
        ),
        flows=_flows(result),
    )


def from_sarif(log: Mapping[str, Any]) -> ScanResult:
    """The findings, suppressed findings, skipped files, failed tools, tool versions and
    root of a SARIF log (a parsed document)."""
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    skipped: list[Skipped] = []
    failures: list[ToolFailure] = []
    tools: dict[str, str] = {}
    root = ""
    for run in log.get("runs", ()):
        driver = run.get("tool", {}).get("driver", {})
        tool = str(driver.get("name", "unknown"))
        if driver.get("version"):
            tools[tool] = str(driver["version"])
        rules = {str(r.get("id")): r for r in driver.get("rules", ())}
        for item in run.get("results", ()):
            f = _finding(item, tool, rules)
            (suppressed if f.suppressed else findings).append(f)
        for invocation in run.get("invocations", ()):
            errors = 0
            for note in invocation.get("toolExecutionNotifications", ()):
                text = str(note.get("message", {}).get("text", ""))
                if note.get("level") == "error":
                    failures.append(ToolFailure(tool, text))
                    errors += 1
                elif text.startswith(_SKIPPED_PREFIX):
                    where = note.get("locations") or [{"physicalLocation": {}}]
                    target = _location(where[0].get("physicalLocation", {})).path
                    skipped.append(Skipped(target, text.removeprefix(_SKIPPED_PREFIX), tool))
            if invocation.get("executionSuccessful") is False and not errors:
                failures.append(ToolFailure(tool, "the tool did not run to completion"))
        base = run.get("originalUriBaseIds", {}).get("SRCROOT", {}).get("uri", "")
        if base and not root:
            root = str(Path(_path(base, False)))
    return ScanResult(
        findings=tuple(findings),
        suppressed=tuple(suppressed),
        skipped=_once(skipped),
        failures=tuple(failures),
        tools=tools,
        root=root,
    )


def _once(skipped: list[Skipped]) -> tuple[Skipped, ...]:
    """A file no one tool was given (``tool`` None) is written in every run: it comes back
    once, without a tool, when more than one run lists it."""
    tools_of: dict[tuple[str, str], set[str | None]] = {}
    for s in skipped:
        tools_of.setdefault((s.target, s.reason), set()).add(s.tool)
    kept: dict[Skipped, None] = {}
    for s in skipped:
        shared = len(tools_of[(s.target, s.reason)]) > 1
        kept[Skipped(s.target, s.reason, None) if shared else s] = None
    return tuple(kept)


__all__ = ["from_sarif"]
