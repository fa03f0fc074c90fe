"""Redacting text that is not a secret scan's own: other tools' messages and errors.

Bandit's hard-coded password tests quote the value (``Possible hardcoded password:
'hunter2'``) and a Semgrep rule may interpolate source text into its message; both would
otherwise reach every report, the history store and the scan cache.  :func:`redact_text`
replaces every secret-like value in a text by :func:`~.redact.redact` -- the one redaction of
the secret scanner, so a value looks the same in every report:

* every value the secret engine finds in the text (provider keys, tokens, private keys,
  URLs with a password, ``password = ...`` assignments);
* every ``literal`` the caller names (e.g. the string literals on the lines of a hard-coded
  credential finding), wherever it occurs;
* with ``quoted=True``, every quoted part of the text (a credential finding's message quotes
  nothing but the value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scriptrunner.scanners.secrets.redact import REDACTED, redact

#: A single- or double-quoted part of a message (no nesting: messages are one line).
_QUOTED = re.compile(r"'([^'\n]+)'|\"([^\"\n]+)\"")
#: Literals shorter than this are too common to replace everywhere (``"a"``, ``"id"``).
MIN_LITERAL = 4


def _engine_values(text: str) -> set[str]:
    from scriptrunner.scanners.secrets.engine import scan_text

    return {m.secret.reveal() for m in scan_text(text)}


def redact_text(text: str, literals: Iterable[str] = (), *, quoted: bool = False) -> str:
    """``text`` with every secret-like value replaced by its redaction (see the module)."""
    if not text:
        return text
    values = {v for v in literals if len(v) >= MIN_LITERAL and v in text}
    if quoted:
        values |= {m.group(1) or m.group(2) for m in _QUOTED.finditer(text)}
    values |= _engine_values(text)
    values.discard("")
    for value in sorted(values, key=len, reverse=True):  # longest first: no partial leftovers
        if REDACTED not in value:
            text = text.replace(value, redact(value))
    return text


def string_literals(lines: Iterable[str]) -> set[str]:
    """The contents of the quoted strings on ``lines`` (source lines of a finding)."""
    found: set[str] = set()
    for line in lines:
        found |= {m.group(1) or m.group(2) for m in _QUOTED.finditer(line)}
    return found


__all__ = ["MIN_LITERAL", "redact_text", "string_literals"]
