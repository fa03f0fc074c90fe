"""Findings from the sources that reached sinks: one per sink call and class, with up to
``MAX_FLOWS`` flows (one per source), its severity and confidence from the sources.

The confidence is the highest of the sources' (HTTP request data HIGH; command-line
arguments, standard input and sockets MEDIUM; environment variables, files and HTTP
responses LOW).  The severity is the class's (``catalogue.RULES``: HIGH or CRITICAL), but
WARNING when every source is LOW: such data is usually the operator's, so it is reported
without blocking a gate at its default level (HIGH); WARNING too for a path whose every
source is the user running the program (arguments, standard input): they can open any file
they may open anyway, unless the program runs with rights they lack.  The quoted source expressions in flow steps are redacted like
every tool message (a secret in the code never reaches a report).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scriptrunner.findings.model import Finding, Flow, FlowStep, Location, Severity
from scriptrunner.scanners.code.taint.catalogue import RULES, SOURCE_KINDS
from scriptrunner.scanners.code.taint.state import Reached
from scriptrunner.scanners.code.taint.values import Fact, Source, Step, fact_from_json, fact_to_json
from scriptrunner.scanners.secrets.scrub import redact_text

MAX_FLOWS = 3
_RANK = {"HIGH": 3, "MEDIUM": 2, "LOW": 1}


def reached_to_json(r: Reached) -> list[Any]:
    return [r.cls, r.callee, fact_to_json(r.fact)]


def reached_from_json(d: list[Any]) -> Reached:
    return Reached(str(d[0]), str(d[1]), fact_from_json(d[2]))


def _location(step: Step) -> Location:
    end_line = step.end_line or step.line
    return Location(
        step.path,
        step.line,
        end_line,
        step.col + 1,
        step.end_col + 1 if end_line == step.line and step.end_col else None,
    )


def _source(fact: Fact) -> Source:
    assert isinstance(fact.origin, Source)
    return fact.origin


def _flow(reached: Reached) -> Flow:
    kind = SOURCE_KINDS[_source(reached.fact).kind]
    steps = [FlowStep(_location(s), s.message) for s in reached.fact.steps]
    steps[0] = FlowStep(steps[0].location, redact_text(steps[0].message))
    return Flow(tuple(steps), f"{kind.label} reaches {reached.callee}")


def build(found: Iterable[Reached]) -> list[Finding]:
    """One finding per (sink class, sink call), sorted by location."""
    groups: dict[tuple[str, str, int, int], list[Reached]] = {}
    for r in found:
        sink = r.fact.steps[-1]
        groups.setdefault((r.cls, sink.path, sink.line, sink.col), []).append(r)
    return sorted(
        (_finding(items) for items in groups.values()),
        key=lambda f: (f.location.path, f.location.start_line, f.rule_id),
    )


def _finding(items: list[Reached]) -> Finding:
    by_source: dict[Source, Reached] = {}
    for r in items:
        by_source.setdefault(_source(r.fact), r)
    ordered = sorted(
        by_source.values(),
        key=lambda r: (
            -_RANK[SOURCE_KINDS[_source(r.fact).kind].confidence],
            len(r.fact.steps),
            _source(r.fact).path,
            _source(r.fact).line,
        ),
    )
    first = ordered[0]
    rule = RULES[first.cls]
    label = SOURCE_KINDS[_source(first.fact).kind].label
    confidence = SOURCE_KINDS[_source(first.fact).kind].confidence
    kinds_of = [SOURCE_KINDS[_source(r.fact).kind] for r in ordered]
    local_path = first.cls == "path" and all(kind.local for kind in kinds_of)
    severity = Severity.WARNING if confidence == "LOW" or local_path else rule.severity
    message = f"{label[0].upper()}{label[1:]} reaches {first.callee}: {rule.what}"
    if len(ordered) > 1:
        message += f" (and {len(ordered) - 1} more source{'s' if len(ordered) > 2 else ''})"
    kinds = sorted({_source(r.fact).kind for r in ordered})
    return Finding(
        tools=("taint",),
        rule_id=rule.rule_id,
        title=rule.title,
        message=message,
        severity=severity,
        confidence=confidence,  # type: ignore[arg-type]
        location=_location(first.fact.steps[-1]),
        cwe=rule.cwe,
        help_uri=f"https://cwe.mitre.org/data/definitions/{rule.cwe[0]}.html",
        properties={"sources": kinds},
        flows=tuple(_flow(r) for r in ordered[:MAX_FLOWS]),
    )
