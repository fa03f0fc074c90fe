"""From engine matches to findings: message, severity, properties, fingerprint.

The secret value is used here for the last time: the finding gets its redacted form
(``properties["redacted"]``, the message) and a fingerprint; nothing else.  A secret found by
decoding its surroundings says so: ``properties["encoding"]`` (``base64``, ``url``) and
"(base64-encoded)" in the message.

Fingerprint = SHA-256 of (recipe tag, rule id, path, SHA-256 of the value, occurrence): it
does not contain the line number, so a baseline survives lines moving; the occurrence index
tells apart the same secret twice in one file (numbered in line order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scriptrunner.findings.fingerprint import digest as fingerprint_digest
from scriptrunner.findings.model import Finding, Location, Suppression
from scriptrunner.scanners.options import CONFIDENCE_LEVELS
from scriptrunner.scanners.secrets.engine import RawMatch
from scriptrunner.scanners.secrets.redact import secret_digest

TOOL = "scriptrunner-secrets"
FINGERPRINT_TAG = "scriptrunner-secrets/v1"
#: CWE-798: Use of Hard-coded Credentials.
CWE = (798,)
#: Rank of a finding's confidence (``Finding.confidence`` spelling).
CONFIDENCE_RANK = {name.upper(): CONFIDENCE_LEVELS.get(name) for name in CONFIDENCE_LEVELS}


def fingerprint(rule_id: str, path: str, digest: str, occurrence: int) -> str:
    return fingerprint_digest(FINGERPRINT_TAG, rule_id, path, digest, str(occurrence))


def to_findings(
    path: str,
    matches: Iterable[RawMatch],
    *,
    properties: Mapping[str, Any] | None = None,
    seen: dict[tuple[str, str, str], int] | None = None,
    line_offset: int = 0,
) -> list[Finding]:
    """Findings for the matches of one file (``seen`` numbers occurrences across calls,
    e.g. the hunks of one file in a git history scan)."""
    counts = seen if seen is not None else {}
    out: list[Finding] = []
    for m in matches:
        digest = secret_digest(m.secret.reveal())
        key = (m.rule_id, path, digest)
        n = counts.get(key, 0)
        counts[key] = n + 1
        redacted = m.redacted
        props: dict[str, Any] = {
            "redacted": redacted,
            "entropy": m.entropy,
            **(properties or {}),
        }
        wrapped = ""
        if m.encoding:
            props["encoding"] = m.encoding
            wrapped = f" ({m.encoding}-encoded)"
        out.append(
            Finding(
                tools=(TOOL,),
                rule_id=m.rule_id,
                title=m.title,
                message=f"{m.title} {redacted}{wrapped} in {path}",
                severity=m.severity,
                location=Location(
                    path,
                    m.line + line_offset,
                    m.end_line + line_offset,
                    m.start_column,
                    m.end_column,
                ),
                confidence=m.confidence,
                cwe=CWE,
                fingerprint=fingerprint(m.rule_id, path, digest, n),
                properties=props,
                suppression=Suppression("inSource", m.pragma) if m.pragma else None,
            )
        )
    return out


__all__ = [
    "CONFIDENCE_LEVELS",
    "CONFIDENCE_RANK",
    "CWE",
    "FINGERPRINT_TAG",
    "TOOL",
    "fingerprint",
    "to_findings",
]
