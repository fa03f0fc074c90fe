"""Masking secrets in command lines before they are stored or become span attributes.

History rows, events and spans outlive the run (and spans leave the machine, to a collector
or Jaeger), so arguments are masked where they look secret: ``--password=hunter2`` and ``API_TOKEN=abc`` (also inside one shell string),
``--token abc`` (the value after a secret-looking flag), and ``https://user:pw@host`` URLs.
Over-masking (``--keyboard=us``) is the accepted cost of never leaking a credential.
"""

from __future__ import annotations

from scriptrunner.errors import mask_url_passwords

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

MASK = "***"
_WORDS = ("password", "passwd", "pwd", "secret", "token", "key", "credential", "auth")
_WORD = rf"(?:{'|'.join(_WORDS)})"
# NAME=VALUE where NAME contains a secret word.  A whole argument that is one is masked to
# its end (a value may hold spaces); inside a shell string, to whitespace or a quote.
_LEADING = rf"(?is)^(-{{0,2}}[\w.-]*{_WORD}[\w.-]*=).+$"
_ASSIGNMENT = rf"(?i)([\w.-]*{_WORD}[\w.-]*=)([^\s'\"]+)"
# A flag whose *next* argument is its value: --password VALUE, -api-key VALUE.
_FLAG = rf"(?i)^--?[\w.-]*{_WORD}[\w.-]*$"
_patterns: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None = None


def _compiled() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The three patterns, compiled on first use (``re`` costs as much to import as a
    hello-world script takes to run: it stays off the ``run`` fast path)."""
    global _patterns
    if _patterns is None:
        import re

        _patterns = (re.compile(_LEADING), re.compile(_ASSIGNMENT), re.compile(_FLAG))
    return _patterns


def _plain(text: str) -> bool:
    """True when no pattern can match ``text``: ASCII without a secret word (every pattern
    needs one, in any case).  Other text is left to the patterns, whose case-insensitive
    matching knows Unicode's case rules (``K``, the Kelvin sign, is a ``k``)."""
    if not text.isascii():
        return False
    lower = text.lower()
    return not any(word in lower for word in _WORDS)


def mask_text(text: str) -> str:
    """``text`` with secret-looking assignments and URL passwords masked."""
    if not _plain(text):
        leading, assignment, _ = _compiled()
        text = leading.sub(lambda m: m.group(1) + MASK, text)
        text = assignment.sub(lambda m: m.group(1) + MASK, text)
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
        mask_next = not _plain(arg) and bool(_compiled()[2].match(arg))
        result.append(mask_text(arg))
    return result
