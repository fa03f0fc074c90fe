"""The one finding model every scanner produces and every renderer reads.

Values are frozen: a finding crosses boundaries (scanner -> merge -> store -> renderers) and
nobody downstream may change what a scanner reported, only wrap it (a suppression, a merge).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from scriptrunner.registry import unknown_name

Confidence = Literal["LOW", "MEDIUM", "HIGH"]
SuppressionKind = Literal["inSource", "external"]
ArtefactT = TypeVar("ArtefactT")

#: Other tools' words for our levels (the CLI's ``--fail-on`` accepts the same).
SEVERITY_ALIASES = {"low": "info", "medium": "warning", "error": "high"}


class Severity(enum.IntEnum):
    """Our one severity scale; every tool's own scale is mapped onto it."""

    INFO = 1
    WARNING = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` -> ``Severity.HIGH``; Bandit's and Semgrep's words ``low``, ``medium``
        and ``error`` are aliases of info, warning and high; an unknown name lists the valid
        ones."""
        word = text.strip().lower()
        try:
            return cls[SEVERITY_ALIASES.get(word, word).upper()]
        except KeyError:
            names = [s.name.lower() for s in cls]
            raise unknown_name("severity", text, names) from None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: a path relative to the scan root, 1-based lines and columns.

    ``end_column`` is exclusive (the column after the last character), as in SARIF.
    """

    path: str
    start_line: int
    end_line: int | None = None
    start_column: int | None = None
    end_column: int | None = None

    @property
    def last_line(self) -> int:
        return self.end_line if self.end_line is not None else self.start_line

    def overlaps(self, other: Location) -> bool:
        """Same file and the line ranges share at least one line."""
        return (
            self.path == other.path
            and self.start_line <= other.last_line
            and other.start_line <= self.last_line
        )

    def __str__(self) -> str:
        return f"{self.path}:{self.start_line}"


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count: a comment in the source, or a baseline entry."""

    kind: SuppressionKind
    justification: str


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of a data flow: where it is and what happens there."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Flow:
    """How untrusted data reaches a finding: its steps (at least one), source first and sink
    last."""

    steps: tuple[FlowStep, ...]
    message: str = ""

    @property
    def source(self) -> FlowStep:
        return self.steps[0]

    @property
    def sink(self) -> FlowStep:
        return self.steps[-1]

    def path_text(self, most: int = 6) -> str:
        """The steps' places in one line, ``api/views.py:12 -> :14 -> helpers.py:30``: a
        place in the file of the one shown before it gives only its line; beyond ``most``
        places the middle ones are counted, not listed."""
        places: list[tuple[str, int]] = []
        for step in self.steps:
            place = (step.location.path, step.location.start_line)
            if not places or places[-1] != place:
                places.append(place)
        shown: list[tuple[str, int] | int] = list(places)
        if len(places) > most:
            head, tail = places[:2], places[-(most - 3) :]
            shown = [*head, len(places) - len(head) - len(tail), *tail]
        parts: list[str] = []
        previous = None
        for item in shown:
            if isinstance(item, int):
                parts.append(f"... {item} more ...")
                previous = None
                continue
            path, line = item
            parts.append(f":{line}" if path == previous else f"{path}:{line}")
            previous = path
        return " -> ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One issue, possibly reported by several tools (``tools``, primary first)."""

    tools: tuple[str, ...]
    rule_id: str
    title: str
    message: str
    severity: Severity
    location: Location
    confidence: Confidence | None = None
    cwe: tuple[int, ...] = ()
    #: Stable across line moves: see ``scriptrunner.findings.fingerprint``.
    fingerprint: str = ""
    help_uri: str | None = None
    #: Tool-specific extras (the tools' own rule ids, ...); JSON-ready values only.
    properties: Mapping[str, Any] = field(default_factory=dict)
    suppression: Suppression | None = None
    #: Source -> sink paths of a data-flow (taint) finding; empty for the others.
    flows: tuple[Flow, ...] = ()

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A target that was not (fully) analysed, and why: never silently counted as clean."""

    target: str
    reason: str
    #: The tool that could not analyse it; None when no tool was given the file.
    tool: str | None = None


@dataclass(frozen=True, slots=True)
class ToolFailure:
    """A scanner that did not run to completion: the scan is incomplete (fail closed)."""

    tool: str
    message: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan produced: counted findings, suppressed ones, skips and failures."""

    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    failures: tuple[ToolFailure, ...] = ()
    #: Tool name -> version, for every tool that took part.
    tools: Mapping[str, str] = field(default_factory=dict)
    #: Phase or tool name -> seconds.
    timings: Mapping[str, float] = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    #: Directory the finding paths are relative to (absolute).
    root: str = ""
    #: Notes that do not make the scan incomplete (a source that skipped a package, ...).
    warnings: tuple[str, ...] = ()
    #: Typed by-products of the scan (the deps scanner's dependency inventory, for the
    #: SBOM); read them with :meth:`artefact`.  Renderers and the store ignore them.
    artefacts: tuple[object, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every tool ran; an incomplete scan must never be reported as clean."""
        return not self.failures

    def artefact(self, kind: type[ArtefactT]) -> ArtefactT | None:
        """The artefact of type ``kind``, or None when the scanner produced none."""
        return next((a for a in self.artefacts if isinstance(a, kind)), None)

    def at_or_above(self, level: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity >= level)

    def counts(self) -> dict[str, Any]:
        """Findings by severity, suppressed findings, skipped files by reason."""
        by_severity = Counter(f.severity.name for f in self.findings)
        return {
            "findings": len(self.findings),
            "by_severity": {s.name: by_severity.get(s.name, 0) for s in Severity},
            "suppressed": len(self.suppressed),
            "skipped": len(self.skipped),
            "skipped_by_reason": dict(Counter(_reason_kind(s.reason) for s in self.skipped)),
        }


def _reason_kind(reason: str) -> str:
    """``"syntax error: line 3: ..."`` -> ``"syntax error"`` (for summaries)."""
    return reason.split(":", 1)[0]
