"""Fenced blocks of a Markdown page, with the annotations written right before them.

A block is a fence (three or more backticks or tildes, possibly indented in a list) with
an info string whose first word is the language.  Annotations are HTML comments on the
lines right before the fence (``<!-- file: NAME -->``, ``<!-- exit: N -->``,
``<!-- skip: REASON -->``); blank lines between them and the fence are allowed, any other
text ends them.  The conventions: ``docs/`` of the repository, and ``tests/docs/README.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ANNOTATION = re.compile(r"^\s*<!--\s*(?P<key>[a-z-]+)\s*:\s*(?P<value>.*?)\s*-->\s*$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced block: where it is, its language, text and annotations."""

    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    annotations: dict[str, str] = field(default_factory=dict)
    #: Comments before the fence that are not ``key: value`` annotations (reported as unknown).
    malformed: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def _annotations(lines: list[str], fence_index: int) -> tuple[dict[str, str], tuple[str, ...]]:
    found: dict[str, str] = {}
    malformed: list[str] = []
    i = fence_index - 1
    while i >= 0 and (not lines[i].strip() or _COMMENT.match(lines[i])):
        line = lines[i]
        i -= 1
        if not line.strip():
            continue
        m = _ANNOTATION.match(line)
        if m is None:
            # A plain comment (e.g. a note to editors) is allowed only if it is not
            # shaped like an annotation with a typo.
            if re.match(r"^\s*<!--\s*[a-z-]+\s*[:=]", line):
                malformed.append(line.strip())
            continue
        found.setdefault(m["key"], m["value"])
    return found, tuple(malformed)


def blocks_of(path: Path, page: str) -> list[Block]:
    """Every fenced block of ``path`` (``page`` names it in messages)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None or (m["fence"][0] == "`" and "`" in m["info"]):
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        lang = (m["info"].strip().split() or [""])[0].lower()
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            # Strip the fence's indentation (a block in a list item).
            text = lines[j]
            body.append(text[indent:] if text[:indent].strip() == "" else text.lstrip())
            j += 1
        annotations, malformed = _annotations(lines, i)
        text = "\n".join(body) + ("\n" if body else "")
        out.append(Block(page, i + 1, lang, text, annotations, malformed))
        i = j + 1
    return out
