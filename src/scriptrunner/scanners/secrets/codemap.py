"""Where an unquoted value is code (an expression) rather than text.

In code files an unquoted value is code, except on comment lines (commented-out configuration
is configuration); in Jupyter notebooks, only the source lines of code cells are code (outputs
and Markdown cells are text); every other file is text.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from scriptrunner.scanners.secrets.rules.names import is_code_file

_COMMENT_STARTS = ("#", "//", "/*", "*", "--", ";")
_NB_MARK = re.compile(r'(?m)^[ \t]*"(cell_type|source)"[ \t]*:[ \t]*(?:"(\w*)"|"|(\[))')
_NB_ARRAY_END = re.compile(r"\n[ \t]*\]")


class CodeMap:
    """Where in a text an unquoted value is code: ``code_map(pos) -> bool``."""

    __slots__ = ("_code", "_line", "_notebook", "_ranges", "_starts", "_text")

    def __init__(self, text: str, path: str) -> None:
        self._text = text
        self._code = is_code_file(path)
        self._notebook = path.lower().endswith(".ipynb")
        self._ranges: list[tuple[int, int]] = []
        if self._notebook:
            self._ranges = _notebook_code(text)
        self._starts = [r[0] for r in self._ranges]
        self._line: tuple[int, int, bool] = (0, 0, False)

    def __call__(self, pos: int) -> bool:
        if not self._code:
            return False
        if self._notebook:
            i = bisect_right(self._starts, pos) - 1
            if i < 0 or pos >= self._ranges[i][1]:
                return False  # a Markdown cell or an output: text
        return not self._comment(pos)

    def _comment(self, pos: int) -> bool:
        line = self._line
        if line[0] <= pos < line[1]:
            return line[2]  # the same line as the last pair (one long line: many pairs)
        text = self._text
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        i = start
        while i < pos and text[i] in " \t":
            i += 1
        if self._notebook and text.startswith('"', i):
            i += 1
            while i < pos and text[i] in " \t":
                i += 1
        comment = text.startswith(_COMMENT_STARTS, i)
        self._line = (start, len(text) if end < 0 else end, comment)
        return comment


def _notebook_code(text: str) -> list[tuple[int, int]]:
    """The spans of code cells' ``source`` lines in a notebook written one line per element
    (``nbformat``'s layout; keys sorted, so ``cell_type`` comes before ``source``)."""
    out: list[tuple[int, int]] = []
    cell: str | None = None
    close = -1
    for m in _NB_MARK.finditer(text):
        if m.group(1) == "cell_type":
            cell = m.group(2)
            continue
        if cell not in (None, "code"):
            continue
        start = m.end()
        if text.startswith("]", start):
            continue  # "source": []
        if m.group(3) is None:  # "source": "one string"
            end = text.find("\n", start)
            out.append((start, len(text) if end < 0 else end))
            continue
        if close < start:  # (one search per array: a broken file stays linear)
            found = _NB_ARRAY_END.search(text, start)
            close = found.start() if found else len(text)
        out.append((start, close))
    return out


__all__ = ["CodeMap"]
