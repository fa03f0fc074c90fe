"""Text from scripts, commands, tags, tasks and findings, made safe to show.

Whatever a user or a script wrote is data, never instructions to the terminal or to rich:

- :func:`shown` escapes terminal control characters (C0 except tab and newline, DEL, C1,
  and the bidirectional overrides that make text read differently than it is) and lone
  surrogates (the undecodable bytes ``surrogateescape`` keeps, which cannot be encoded for
  the terminal) as visible ``\\x1b``-style escapes.  A one-line field (a table cell, a
  command, a tag) escapes newlines too.
- :func:`markup` is :func:`shown` escaped for rich markup, for the few places that compose
  markup strings around user data (``[/tmp]`` and ``[a-z]`` are text, not tags).

Every renderer that shows user data goes through one of these (or builds a ``rich.text.Text``
from :func:`shown`, which rich never parses as markup).
"""

from __future__ import annotations

import re

# C0 controls but tab (and newline, handled per call), DEL, C1 controls, the bidirectional
# embeddings/overrides/isolates (U+202A-202E, U+2066-2069) and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_OR_NEWLINE = re.compile(_UNSAFE.pattern[:-1] + "\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not valid UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, *, lines: bool = False) -> str:
    """``text`` (``None`` as ``-``) with every control character visibly escaped; with
    ``lines``, newlines (and ``\\r\\n`` line ends) are kept."""
    if text is None:
        return "-"
    value = str(text)
    if lines:
        return _UNSAFE.sub(_escape, value.replace("\r\n", "\n"))
    return _UNSAFE_OR_NEWLINE.sub(_escape, value)


def terminal_width(default: int = 80) -> int:
    """The terminal's width in columns: ``COLUMNS`` when set, else the size of the terminal
    on stdout (or stderr), else ``default``."""
    import os
    import shutil

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for fd in (1, 2):
        try:
            return os.get_terminal_size(fd).columns or default
        except OSError:
            continue
    return shutil.get_terminal_size((default, 24)).columns


def markup(text: object, *, lines: bool = False) -> str:
    """:func:`shown`, escaped for rich markup."""
    from rich.markup import escape

    return escape(shown(text, lines=lines))


__all__ = ["markup", "shown", "terminal_width"]
