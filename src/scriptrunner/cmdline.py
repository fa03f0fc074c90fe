"""Masking secrets in command lines before they are stored or become span attributes.

History rows, events and spans outlive the run (and spans leave the machine, to a collector
or Jaeger), so arguments are masked where they look secret: ``--password=hunter2`` and ``API_TOKEN=abc`` (also inside one shell string),
``--token abc`` (the value after a secret-looking flag), and ``https://user:pw@host`` URLs.
Over-masking (``--keyboard=us``) is the accepted cost of never leaking a credential.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scriptrunner.errors import mask_url_passwords

MASK = "***"
_WORD = r"(?:password|passwd|pwd|secret|token|key|credential|auth)"
# NAME=VALUE where NAME contains a secret word.  A whole argument that is one is masked to
# its end (a value may hold spaces); inside a shell string, to whitespace or a quote.
_LEADING = re.compile(rf"(?is)^(-{{0,2}}[\w.-]*{_WORD}[\w.-]*=).+$")
_ASSIGNMENT = re.compile(rf"(?i)([\w.-]*{_WORD}[\w.-]*=)([^\s'\"]+)")
# A flag whose *next* argument is its value: --password VALUE, -api-key VALUE.
_FLAG = re.compile(rf"(?i)^--?[\w.-]*{_WORD}[\w.-]*$")


def mask_text(text: str) -> str:
    """``text`` with secret-looking assignments and URL passwords masked."""
    text = _LEADING.sub(lambda m: m.group(1) + MASK, text)
    text = _ASSIGNMENT.sub(lambda m: m.group(1) + MASK, text)
    return mask_url_passwords(text)


def mask_args(args: Sequence[str]) -> list[str]:
    """Arguments with secret values masked (see the module docstring)."""
    result: list[str] = []
    mask_next = False
    for arg in args:
        if mask_next and not arg.startswith("-"):
            result.append(MASK)
            mask_next = False
            continue
        mask_next = bool(_FLAG.match(arg))
        result.append(mask_text(arg))
    return result
