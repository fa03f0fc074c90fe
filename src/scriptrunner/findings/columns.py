"""Plain aligned columns that fit a terminal's width (pip-audit's layout: no boxes).

Each column is one of three kinds:

- ``keep``: never truncated nor dropped (severity, rule id, ``file:line``, package, version);
- ``drop``: shown when it fits (leaving the flex column :data:`FLEX_WANTED` columns), else
  left out whole, last first (tools);
- ``flex``: the one column (the last) that takes the remaining width and is cut with ``…``
  (titles, summaries).  When fewer than :data:`FLEX_MIN` columns remain for it, each row's
  flex text goes on its own indented line under the row instead.

A cell is ``(text, style)``; ``style`` is an ANSI SGR code used only when colour is on.
Cell texts must already be safe to show (:func:`scriptrunner.display.shown`).

With ``groups`` (one label per row, e.g. the file), a label is printed on its own line
before its first row and the rows are indented under it, without a header: ESLint's
``stylish`` layout, for when a file path and the other columns do not fit on one line.
With ``notes`` (one text per row, maybe empty), a row's note follows it on its own indented
line, cut with ``…`` to the width (a data flow's places).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["keep", "drop", "flex"]
Cell = tuple[str, str]

GAP = "  "
#: The narrowest flex column worth showing beside the others.
FLEX_MIN = 16
#: The flex width worth dropping ``drop`` columns for.
FLEX_WANTED = 40
#: Indentation of a flex text on its own line.
INDENT = "    "


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: ColumnKind = "keep"


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if color and style and text else text


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters (``…`` marks a cut)."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…" if width > 0 else ""


def layout(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    width: int,
    *,
    color: bool,
    groups: Sequence[str] | None = None,
    notes: Sequence[str] | None = None,
) -> list[str]:
    """The header (or, with ``groups``, the group labels) and the rows as lines at most
    ``width`` wide (unless a ``keep`` cell or a label alone is wider: it is never cut)."""
    lead = INDENT[:2] if groups is not None else ""
    width -= len(lead)
    widths = [
        max([len(c.header)] + [len(row[i][0]) for row in rows]) for i, c in enumerate(columns)
    ]
    shown = [i for i, c in enumerate(columns) if c.kind != "flex"]
    flex = next((i for i, c in enumerate(columns) if c.kind == "flex"), None)

    def used(indexes: Sequence[int]) -> int:
        return sum(widths[i] for i in indexes) + len(GAP) * len(indexes)

    # Drop columns (last first) to make room for the flex column beside the others; when
    # even the kept ones leave no room for it, only until the row fits.
    droppable = [i for i in shown if columns[i].kind == "drop"]
    kept = [i for i in shown if columns[i].kind == "keep"]
    wanted = min(widths[flex], FLEX_WANTED) if flex is not None else 0
    room = width - max(FLEX_MIN, wanted) if used(kept) + FLEX_MIN <= width else width
    while droppable and used(shown) > room:
        shown.remove(droppable.pop())
    flex_width = width - used(shown) if flex is not None else 0
    inline = flex is not None and flex_width >= FLEX_MIN
    if inline and flex is not None:
        flex_width = min(flex_width, widths[flex])
        order = [*shown, flex]
    else:
        order = shown

    def line(cells: Sequence[Cell], header: bool = False) -> str:
        parts = []
        for n, i in enumerate(order):
            text, style = cells[i]
            last = n == len(order) - 1
            if i == flex:
                text = cut(text, flex_width)
            pad = "" if last else " " * (widths[i] - len(text))
            parts.append(_paint(text, "1" if header else style, color) + pad)
        return GAP.join(parts).rstrip()

    out = [] if groups is not None else [line([(c.header, "1") for c in columns], header=True)]
    label = None
    for n, row in enumerate(rows):
        if groups is not None and groups[n] != label:
            label = groups[n]
            out.append(_paint(label, "1", color))
        out.append(lead + line(row))
        if not inline and flex is not None and row[flex][0]:
            out.append(lead + INDENT + cut(row[flex][0], max(FLEX_MIN, width - len(INDENT))))
        if notes is not None and notes[n]:
            out.append(lead + INDENT + cut(notes[n], max(FLEX_MIN, width - len(INDENT))))
    return out


__all__ = ["FLEX_MIN", "GAP", "Column", "cut", "layout"]
