"""Stable finding fingerprints: the same issue keeps its fingerprint when code moves.

A fingerprint hashes the rule, the file and the *text* of the finding's first line (comments
and whitespace removed), never its line number, plus an occurrence index that tells apart
identical lines in one file.  So inserting lines above a finding, re-indenting it or adding a
comment to it keeps the fingerprint; editing the flagged code itself makes a new one, which is
what a baseline should do.  The hash is what baselines and the store keep: no source text.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable

from scriptrunner.findings.model import Finding

#: Version tag in SARIF ``partialFingerprints``; bump when the recipe changes.
FINGERPRINT_KEY = "scriptrunner/v1"


def normalise_line(text: str) -> str:
    """The code of one line without its comment and without any whitespace."""
    quote: str | None = None
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif quote is not None:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            text = text[:i]
            break
    return "".join(text.split())


def fingerprint(rule_id: str, path: str, line_text: str, occurrence: int = 0) -> str:
    """The hex SHA-256 of rule, path, normalised line text and occurrence index."""
    return _digest(rule_id, path, normalise_line(line_text), occurrence)


def _digest(rule_id: str, path: str, normalised: str, occurrence: int) -> str:
    return digest(rule_id, path, normalised, str(occurrence))


def digest(*parts: str) -> str:
    """The hex SHA-256 of ``parts`` joined by NUL: every scanner's fingerprint recipe."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def assign(findings: Iterable[Finding], line_of: Callable[[str, int], str]) -> list[Finding]:
    """Fingerprint ``findings``; ``line_of(path, line)`` returns that source line's text.

    Identical (rule, path, text) triples are numbered in line order, so two equal calls in
    one file get different fingerprints that do not depend on where the file begins.
    """
    ordered = sorted(findings, key=lambda f: (f.location.path, f.location.start_line))
    seen: dict[tuple[str, str, str], int] = {}
    out: list[Finding] = []
    for f in ordered:
        text = normalise_line(line_of(f.location.path, f.location.start_line))
        key = (f.rule_id, f.location.path, text)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out.append(dataclasses.replace(f, fingerprint=_digest(*key, n)))
    return out
