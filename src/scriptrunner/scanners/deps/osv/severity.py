"""An advisory's severity: its CVSS vectors scored with the ``cvss`` library, else what the
database declares, else WARNING marked unknown.

Mapping of base scores: CRITICAL >= 9.0, HIGH >= 7.0, WARNING >= 4.0, INFO below (the CVSS
qualitative scale with "medium" as WARNING and "low"/"none" as INFO).  CVSS v3.x and v4 vectors
win over v2 (v2 over-scores many issues and is deprecated); among equals the highest score
is kept, since a scanner should not under-state a risk.  A malformed vector is ignored: one
bad string must not hide the other vectors or crash the scan.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import Advisory, Affected, Cvss, SeverityScore

#: GHSA-style ``database_specific.severity`` words.
DECLARED: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.WARNING,
    "MEDIUM": Severity.WARNING,
    "LOW": Severity.INFO,
}


def from_score(score: float) -> Severity:
    """A CVSS base score on our scale."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.WARNING
    return Severity.INFO


def score_vector(vector: str) -> Cvss | None:
    """The base score of one CVSS v2/v3.x/v4 vector; None when it is not a valid vector."""
    import cvss  # lazy: not needed unless a record has a vector

    text = vector.strip()
    try:
        if text.startswith("CVSS:4."):
            c4 = cvss.CVSS4(text)
            return Cvss("4.0", text, float(c4.base_score))
        if text.startswith("CVSS:3."):
            c3 = cvss.CVSS3(text)
            return Cvss(text[5:8], text, float(c3.base_score))
        c2 = cvss.CVSS2(text.removeprefix("CVSS:2.0/"))
        return Cvss("2.0", text, float(c2.base_score))
    except (cvss.CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None


def best_cvss(entries: tuple[SeverityScore, ...]) -> Cvss | None:
    """The highest-scoring v3/v4 vector, else the highest v2 one."""
    scored = [c for c in (score_vector(e.score) for e in entries) if c is not None]
    modern = [c for c in scored if c.version != "2.0"]
    pool = modern or scored
    return max(pool, key=lambda c: c.score) if pool else None


def score(advisory: Advisory, affected: Affected | None) -> tuple[Severity, Cvss | None, bool]:
    """``(severity, cvss, unknown)`` of ``advisory`` for one affected package.

    The package's own ``affected[].severity`` (the schema allows it instead of the top-level
    one) is used when present.
    """
    entries = affected.severity if affected is not None and affected.severity else ()
    entries = entries or advisory.severity
    cvss = best_cvss(entries)
    if cvss is not None:
        return from_score(cvss.score), cvss, False
    declared = DECLARED.get((advisory.declared_severity or "").upper())
    if declared is not None:
        return declared, None, False
    return Severity.WARNING, None, True
