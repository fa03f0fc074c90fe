"""What the engine reports: candidate spans, overlap resolution, and the final matches.

A :class:`Candidate` is a secret span one rule accepted; overlapping candidates keep the most
specific rule (:func:`resolve`); :func:`to_matches` gives the kept ones their line numbers,
columns, pragmas and severity as :class:`RawMatch` values.  The value itself travels as a
:class:`Secret`, which redacts itself in ``repr``/``str``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.allowlist import pragma_on
from scriptrunner.scanners.secrets.entropy import shannon
from scriptrunner.scanners.secrets.redact import redact


class Secret:
    """A secret value that redacts itself in ``repr``/``str``: logs cannot leak it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return redact(self._value)

    def __repr__(self) -> str:
        return f"Secret({redact(self._value)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)


@dataclass(frozen=True, slots=True)
class RawMatch:
    """One secret found in a text; ``secret`` stays in memory (redaction, fingerprints)."""

    rule_id: str
    title: str
    line: int
    #: 1-based, ``end_column`` exclusive (SARIF convention); ``end_line`` is the secret's.
    start_column: int
    end_line: int
    end_column: int
    confidence: Confidence
    severity: Severity
    entropy: float
    secret: Secret = field(repr=False)
    #: The pragma that accepts this secret (``gitleaks:allow``...), None when it counts.
    pragma: str | None = None
    #: How the secret was wrapped where it was found (``base64``, ``url``), None when plain.
    encoding: str | None = None

    @property
    def redacted(self) -> str:
        return str(self.secret)


@dataclass(slots=True)
class Candidate:
    """A secret span one rule accepted, before overlaps are resolved."""

    start: int  # secret span in the text
    end: int
    at: int  # the position that is reported (match or secret start)
    rule_id: str
    title: str
    priority: int
    confidence: Confidence
    severity: Severity
    value: str
    #: ``base64``/``url`` when the value was found by decoding the text at ``start:end``.
    encoding: str | None = None


def resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Overlapping secret spans keep the highest-priority rule (ties: the longer match).  The
    same value found by the same rule directly and by decoding keeps the encoding."""
    candidates.sort(key=lambda c: (c.start, -c.priority, -(c.end - c.start)))
    kept: list[Candidate] = []
    for c in candidates:
        if kept and c.start < kept[-1].end:
            last = kept[-1]
            if (c.priority, c.end - c.start) > (last.priority, last.end - last.start):
                kept[-1], c = c, last
            same = (c.start, c.end, c.rule_id) == (kept[-1].start, kept[-1].end, kept[-1].rule_id)
            if same and kept[-1].encoding is None:
                kept[-1].encoding = c.encoding
            continue
        kept.append(c)
    return kept


def to_matches(text: str, candidates: list[Candidate]) -> list[RawMatch]:
    """Line numbers, columns and pragmas for the kept candidates."""
    out: list[RawMatch] = []
    line, counted = 1, 0
    for c in sorted(candidates, key=lambda c: c.at):
        line += text.count("\n", counted, c.at)
        counted = c.at
        line_start = text.rfind("\n", 0, c.at) + 1
        line_end = text.find("\n", c.at)
        line_end = len(text) if line_end < 0 else line_end
        end_line = line + text.count("\n", c.at, c.end)
        end_line_start = text.rfind("\n", 0, c.end) + 1 if end_line != line else line_start
        previous = None
        if line_start > 0:
            previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
        pragma = pragma_on(text[line_start:line_end], previous)
        if pragma is None and end_line != line:
            secret_line_end = text.find("\n", c.start)
            secret_line_start = text.rfind("\n", 0, c.start) + 1
            pragma = pragma_on(
                text[secret_line_start : len(text) if secret_line_end < 0 else secret_line_end],
                None,
            )
        out.append(
            RawMatch(
                rule_id=c.rule_id,
                title=c.title,
                line=line,
                start_column=c.at - line_start + 1,
                end_line=end_line,
                end_column=c.end - end_line_start + 1,
                confidence=c.confidence,
                severity=_severity(c.severity, c.confidence),
                entropy=round(shannon(c.value), 3),
                secret=Secret(c.value),
                pragma=pragma,
                encoding=c.encoding,
            )
        )
    return out


def _severity(base: Severity, confidence: Confidence) -> Severity:
    """The rule's severity, lowered for weaker evidence: LOW -> WARNING, MEDIUM -> at most
    HIGH (CRITICAL needs a HIGH-confidence match)."""
    if confidence == "LOW":
        return Severity.WARNING
    if confidence == "MEDIUM":
        return min(base, Severity.HIGH)
    return base


__all__ = ["Candidate", "RawMatch", "Secret", "resolve", "to_matches"]
