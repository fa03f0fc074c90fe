"""The ``table`` format: findings for people, on a terminal or through a pipe.

- On a terminal (:class:`Terminal`): aligned columns that fit its width
  (:mod:`~scriptrunner.findings.columns`): severity, rule id and ``file:line`` are never cut,
  the tools column is left out when it does not fit, the title is cut with ``…``.  The
  ``deps`` layout is pip-audit's compact table: package, version, advisory id, fix versions
  (then severity and ``file:line`` when they fit).
- Anywhere else (a pipe, a CI log, a file): no colour, no alignment, one finding per line,
  ``path:line: SEVERITY rule-id title``, grep-able and never cut.

A data-flow finding shows where its data comes from, compactly: on a terminal an indented
``from: api/views.py:12 -> :14 -> helpers.py:30`` line under its row, in the plain form the
same text at the end of its line (``; from: ...``).

Both end with the summary line, then what was not analysed and which tools failed.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scriptrunner.display import shown
from scriptrunner.findings.columns import FLEX_MIN, GAP, Cell, Column, layout
from scriptrunner.findings.model import Finding, ScanResult, Severity

Layout = Literal["findings", "deps"]
LAYOUTS: tuple[Layout, ...] = ("findings", "deps")

#: ANSI SGR codes per severity (used only on a terminal with colour).
_STYLE = {
    Severity.CRITICAL: "1;37;41",
    Severity.HIGH: "1;31",
    Severity.WARNING: "33",
    Severity.INFO: "2",
}
_RED = "1;31"


@dataclass(frozen=True, slots=True)
class Terminal:
    """Where the table is shown: a terminal ``width`` columns wide, with or without colour."""

    width: int = 80
    color: bool = False


def summary(result: ScanResult) -> str:
    """One line: findings by severity, suppressed, skipped, tools."""
    by_severity = Counter(f.severity for f in result.findings)
    parts = [f"{by_severity[s]} {s.name}" for s in sorted(Severity, reverse=True) if by_severity[s]]
    text = f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}"
    if parts:
        text += f" ({', '.join(parts)})"
    text += f", {len(result.suppressed)} suppressed"
    if result.skipped:
        text += f", {len(result.skipped)} file(s) not analysed"
    tools = ", ".join(f"{name} {version}" for name, version in result.tools.items())
    if tools:
        text += f" · {tools}"
    return text


def ordered(result: ScanResult) -> list[Finding]:
    """Most severe first, then by file and line."""
    return sorted(
        result.findings, key=lambda f: (-f.severity, f.location.path, f.location.start_line)
    )


def flow_text(f: Finding) -> str:
    """The source -> sink places of ``f``'s first flow (and how many other flows), or ""."""
    if not f.flows:
        return ""
    more = f" (+{len(f.flows) - 1} more)" if len(f.flows) > 1 else ""
    return f"from: {shown(f.flows[0].path_text())}{more}"


def finding_line(f: Finding) -> str:
    """``path:line: SEVERITY rule-id title``: one finding as one grep-able line (a data-flow
    finding adds ``; from: SOURCE -> ... -> SINK``)."""
    line = f"{shown(f.location)}: {f.severity.name} {shown(f.rule_id)} {shown(f.title)}"
    flow = flow_text(f)
    return f"{line}; {flow}" if flow else line


def render_table(
    result: ScanResult,
    *,
    color: bool = False,
    width: int | None = None,
    terminal: Terminal | None = None,
    layout_name: Layout = "findings",
) -> str:
    """The report as text: for ``terminal`` (or, when only ``color`` is given, a terminal
    ``width`` wide, default the current one), else one finding per line."""
    if terminal is None and color:
        from scriptrunner.display import terminal_width

        terminal = Terminal(width or terminal_width(), color=True)
    if terminal is None:
        lines = [finding_line(f) for f in ordered(result)]
    elif layout_name == "deps":
        lines = _deps_rows(result, terminal) if result.findings else []
    else:
        lines = _finding_rows(result, terminal) if result.findings else []
    lines += _footer(result, terminal)
    return "".join(line + "\n" for line in lines)


def _finding_rows(result: ScanResult, term: Terminal) -> list[str]:
    """One row per finding when severity, rule id and ``file:line`` fit beside a title;
    else grouped by file, the path on its own line (never cut)."""
    findings = ordered(result)
    essential = [
        len("SEVERITY"),
        max(len("RULE"), *(len(shown(f.rule_id)) for f in findings)),
        max(len("LOCATION"), *(len(shown(f.location)) for f in findings)),
    ]
    if sum(essential) + len(GAP) * 3 + FLEX_MIN > term.width:
        return _grouped_rows(findings, term)
    columns = [
        Column("SEVERITY"),
        Column("RULE"),
        Column("LOCATION"),
        Column("TOOLS", "drop"),
        Column("ISSUE", "flex"),
    ]
    rows: list[Sequence[Cell]] = [
        (
            (f.severity.name, _STYLE[f.severity]),
            (shown(f.rule_id), ""),
            (shown(f.location), ""),
            (shown("+".join(f.tools)), ""),
            (shown(f.title), ""),
        )
        for f in findings
    ]
    notes = [flow_text(f) for f in findings]
    return layout(columns, rows, term.width, color=term.color, notes=notes)


def _grouped_rows(findings: Sequence[Finding], term: Terminal) -> list[str]:
    worst: dict[str, int] = {}
    for f in findings:
        worst[f.location.path] = max(worst.get(f.location.path, 0), f.severity)
    findings = sorted(
        findings,
        key=lambda f: (
            -worst[f.location.path],
            f.location.path,
            -f.severity,
            f.location.start_line,
        ),
    )
    columns = [
        Column("LINE"),
        Column("SEVERITY"),
        Column("RULE"),
        Column("TOOLS", "drop"),
        Column("ISSUE", "flex"),
    ]
    rows: list[Sequence[Cell]] = [
        (
            (f":{f.location.start_line}", ""),
            (f.severity.name, _STYLE[f.severity]),
            (shown(f.rule_id), ""),
            (shown("+".join(f.tools)), ""),
            (shown(f.title), ""),
        )
        for f in findings
    ]
    groups = [shown(f.location.path) for f in findings]
    notes = [flow_text(f) for f in findings]
    return layout(columns, rows, term.width, color=term.color, groups=groups, notes=notes)


def _deps_rows(result: ScanResult, term: Terminal) -> list[str]:
    """pip-audit's columns (package, version, id, fix versions), then severity and
    ``file:line`` when they fit (``path:line`` of every finding is in the other formats)."""
    columns = [
        Column("PACKAGE"),
        Column("VERSION"),
        Column("ID"),
        Column("FIX VERSIONS"),
        Column("SEVERITY", "drop"),
        Column("LOCATION", "drop"),
        Column("SUMMARY", "flex"),
    ]
    rows: list[Sequence[Cell]] = []
    for f in ordered(result):
        props = f.properties
        fixes = props.get("fixed_versions") or ([props["fix"]] if props.get("fix") else [])
        rows.append(
            (
                (shown(props.get("package") or "-"), ""),
                (shown(props.get("version") or "-"), ""),
                (shown(f.rule_id), ""),
                (shown(",".join(str(v) for v in fixes) or "-"), ""),
                (f.severity.name, _STYLE[f.severity]),
                (shown(f.location), ""),
                (shown(_after_colon(f.title)), ""),
            )
        )
    return layout(columns, rows, term.width, color=term.color)


def _after_colon(title: str) -> str:
    """A deps title is ``pkg version (fix: X): summary``: the table has its own columns."""
    head, sep, tail = title.partition("): ")
    return tail if sep and "(" in head else title


def _footer(result: ScanResult, term: Terminal | None) -> list[str]:
    color = term is not None and term.color

    def para(text: str, style: str = "") -> list[str]:
        wrapped = (
            textwrap.wrap(text, term.width, break_long_words=False, break_on_hyphens=False)
            if term is not None
            else [text]
        )
        return [f"\x1b[{style}m{w}\x1b[0m" if color and style else w for w in wrapped or [""]]

    out = para(shown(summary(result)))
    if result.skipped:
        reasons = Counter(s.reason.split(":", 1)[0] for s in result.skipped)
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        out += para(shown(f"{len(result.skipped)} file(s) not analysed: {detail}"))
        for s in result.skipped:
            who = f" ({s.tool})" if s.tool else ""
            out += para(shown(f"  {s.target}: {s.reason}{who}"))
    for e in result.failures:
        first, *more = shown(e.message, lines=True).splitlines() or [""]
        out += para(f"{shown(e.tool)} failed: {first}", _RED)
        for extra in more:
            out += para(extra)
    if result.failures:
        out += para("scan incomplete: tools failed, so no result is clean", _RED)
    return out


__all__ = [
    "LAYOUTS",
    "Layout",
    "Terminal",
    "finding_line",
    "flow_text",
    "render_table",
    "summary",
]
