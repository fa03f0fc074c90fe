"""A terminal table of findings (rich), followed by what was suppressed, skipped or failed."""

from __future__ import annotations

import io
from collections import Counter

from scriptrunner.display import shown
from scriptrunner.findings.model import ScanResult, Severity

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "dim",
}


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


def render_table(result: ScanResult, *, color: bool = False, width: int = 120) -> str:
    """The report as text; ``color`` adds ANSI styles (for a terminal).

    The table shows each finding's title; the full message is in the other formats.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    findings = sorted(
        result.findings,
        key=lambda f: (-f.severity, f.location.path, f.location.start_line),
    )
    if findings:
        table = Table(show_lines=False, expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("location", overflow="fold")
        table.add_column("tools", no_wrap=True)
        table.add_column("issue")
        for f in findings:
            # Paths, rule ids and titles come from files and tools: shown, as Text (never markup).
            table.add_row(
                Text(f.severity.name, style=_STYLE[f.severity]),
                Text(shown(f.rule_id)),
                Text(shown(f.location)),
                Text(shown("+".join(f.tools))),
                Text(shown(f.title)),
            )
        console.print(table)
    console.print(Text(shown(summary(result))))
    if result.skipped:
        reasons = Counter(s.reason.split(":", 1)[0] for s in result.skipped)
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        console.print(Text(shown(f"{len(result.skipped)} file(s) not analysed: {detail}")))
        for s in result.skipped:
            who = f" ({s.tool})" if s.tool else ""
            console.print(Text(shown(f"  {s.target}: {s.reason}{who}")))
    for e in result.failures:
        console.print(
            Text.assemble((f"{shown(e.tool)} failed: ", "bold red"), shown(e.message, lines=True))
        )
    if result.failures:
        console.print(Text("scan incomplete: tools failed, so no result is clean", "bold red"))
    return out.getvalue()
