"""Redaction: the only form of a secret value that leaves the engine.

``redact`` keeps the first four characters (enough to recognise *which* key leaked, e.g.
``AKIA***`` or ``ghp_***``) of values of at least 12 characters; shorter values, mostly
passwords, are shown as ``***`` so that no more than a third of one is ever revealed.
"""

from __future__ import annotations

import hashlib

#: What replaces the hidden part of a value.
REDACTED = "***"
#: Values shorter than this are redacted entirely.
MIN_PARTIAL = 12


def redact(value: str) -> str:
    """``"AKIAIOSFODNN7EXAMPLE"`` -> ``"AKIA***"``; ``"hunter22"`` -> ``"***"``."""
    if len(value) < MIN_PARTIAL:
        return REDACTED
    return value[:4] + REDACTED


def secret_digest(value: str) -> str:
    """SHA-256 of the value: what fingerprints are built from (never the value itself)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


__all__ = ["MIN_PARTIAL", "REDACTED", "redact", "secret_digest"]
