"""The ``history`` table, fitted to the terminal.

The essential columns (id, started, status, duration, what ran) are kept at any width of
60 columns or more; to fit, the optional ones (CPU, peak RSS, exit code, cost) go first,
then the start time loses its year and seconds, then a flaky run's status says
``succeeded (3 tries)`` instead of ``succeeded after 3 attempts``; only the WHAT column
is ever cut (with ``…``), never an id or a status.  Ids are shown by the 8-character prefix
``show`` accepts.  Off a terminal the lines are plain text, one run per line, and as wide
as they need to be (unless ``COLUMNS`` is set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scriptrunner.cli.common import fmt_bytes, fmt_seconds
from scriptrunner.display import shown

#: How many characters of an id are shown (``show`` accepts any unique prefix of 4+).
ID_CHARS = 8
#: Below this the WHAT column is narrowed before nothing else is left to shrink.
WHAT_MIN = 16
GAP = "  "
STATUS_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "timed_out": "yellow",
    "cancelled": "magenta",
    "blocked": "red",
    "error": "red",
    "running": "cyan",
    "lost": "red",
    "infrastructure": "red",
}


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    cells: tuple[str, ...]
    right: bool = False
    #: Whether cells are coloured by the run's status.
    status: bool = False

    @property
    def width(self) -> int:
        return max([len(self.title), *(len(c) for c in self.cells)])


def status_text(row: dict[str, Any], *, short: bool = False) -> str:
    """A run's status; a flaky one says how many attempts it took."""
    if row.get("flaky"):
        n = row["attempt_count"]
        return f"succeeded ({n} tries)" if short else f"succeeded after {n} attempts"
    return str(row["status"])


def _started(ts: float | None, short: bool) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M:%S")


def _what(row: dict[str, Any]) -> tuple[str, bool]:
    """What ran, and whether it is a path (cut on the left, keeping the file name)."""
    if row.get("name"):  # a task id, a workflow name
        return shown(row["name"]), False
    if row.get("script"):
        return shown(row["script"]), True
    return shown(" ".join(str(c) for c in row.get("command") or [])), False


def cut(text: str, width: int, *, left: bool) -> str:
    """``text`` in at most ``width`` characters, ``…`` marking what was cut."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    return "…" + text[-(width - 1) :] if left else text[: width - 1] + "…"


def _columns(
    rows: Sequence[dict[str, Any]], usd: Callable[[float | None], str], *, short_time: bool,
    short_status: bool, optional: Sequence[str],
) -> list[Column]:  # fmt: skip
    def cpu(r: dict[str, Any]) -> str:
        if r["cpu_user_seconds"] is None:
            return "-"
        return fmt_seconds(r["cpu_user_seconds"] + (r["cpu_system_seconds"] or 0))

    made: dict[str, Callable[[dict[str, Any]], str]] = {
        "EXIT": lambda r: "-" if r["exit_code"] is None else str(r["exit_code"]),
        "CPU": cpu,
        "PEAK RSS": lambda r: fmt_bytes(r["peak_rss_bytes"]),
        "COST": lambda r: usd(r.get("cloud_cost_usd")),
    }
    columns = [
        Column("RUN", tuple(shown(r["id"])[:ID_CHARS] for r in rows)),
        Column("STARTED", tuple(_started(r["started_at"], short_time) for r in rows)),
        Column("STATUS", tuple(status_text(r, short=short_status) for r in rows), status=True),
        Column("DURATION", tuple(fmt_seconds(r["duration_seconds"]) for r in rows), right=True),
    ]
    for title in optional:
        columns.append(Column(title, tuple(made[title](r) for r in rows), right=True))
    return columns


def layout(
    rows: Sequence[dict[str, Any]], width: int, usd: Callable[[float | None], str]
) -> tuple[list[Column], int]:
    """The richest set of columns that fits ``width`` (0: no limit) and the width left for
    WHAT."""
    optional = ["EXIT", "CPU", "PEAK RSS"]
    if any(r.get("cloud_cost_usd") is not None for r in rows):
        optional.append("COST")
    natural = max([4, *(len(_what(r)[0]) for r in rows)])
    candidates = []
    for dropped in range(len(optional) + 1):
        candidates.append((False, False, optional[: len(optional) - dropped]))
    candidates += [(True, False, []), (True, True, [])]
    columns: list[Column] = []
    left = natural
    for short_time, short_status, kept in candidates:
        columns = _columns(
            rows, usd, short_time=short_time, short_status=short_status, optional=kept
        )
        fixed = sum(c.width + len(GAP) for c in columns)
        if not width:
            return columns, natural
        left = width - fixed
        if left >= min(natural, WHAT_MIN):
            break
    return columns, max(0, min(natural, left))


def table_lines(
    rows: Sequence[dict[str, Any]], width: int, usd: Callable[[float | None], str]
) -> list[list[tuple[str, str]]]:
    """The table as lines of (text, style) segments: a header, then one line per run."""
    columns, what_width = layout(rows, width, usd)

    def cell(c: Column, text: str) -> str:
        return text.rjust(c.width) if c.right else text.ljust(c.width)

    header = [(GAP.join(cell(c, c.title) for c in columns) + GAP + "WHAT", "bold")]
    lines = [header]
    for i, row in enumerate(rows):
        segments: list[tuple[str, str]] = []
        for c in columns:
            style = STATUS_STYLE.get(str(row["status"]), "") if c.status else ""
            segments += [(cell(c, c.cells[i]), style), (GAP, "")]
        what, is_path = _what(row)
        segments.append((cut(what, what_width, left=is_path), ""))
        lines.append(segments)
    return lines
