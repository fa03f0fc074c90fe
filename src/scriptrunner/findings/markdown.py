"""The ``markdown`` format: a scan as GitHub-flavoured Markdown, for job summaries,
pull-request comments and wikis.

One section per scan: a heading, the counts by severity, a warning when a tool failed (an
incomplete scan is never shown as clean), the most severe findings (``top`` of them) with
their rule (linked to the rule's documentation: the finding's ``help_uri``, else its CWE),
``file:line`` and message, then how many were left out, suppressed or not analysed.
:func:`render_overview` is the table of several scans a CI job summary starts with.

Everything a scanner or a user wrote is data: table cells escape Markdown and HTML
(``|``, ``*``, ``[``, ``<`` ... cannot start a link, a tag or a new column), newlines and
control characters are made visible, long messages are cut.  Secret values never get here:
the secrets scanner redacts them in the finding itself, as for every other format.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scriptrunner.display import shown
from scriptrunner.findings.model import Finding, ScanResult, Severity
from scriptrunner.findings.table import flow_text, ordered

#: How many findings a section lists by default (the rest are counted).
TOP = 20
#: The longest message a table cell shows (then ``…``).
MESSAGE_CHARS = 200

_SEVERITIES = sorted(Severity, reverse=True)
# Characters that start Markdown emphasis, code, links or HTML (or end a table cell) in
# GitHub's renderer; `(` only matters after `]`, which is escaped.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LINKABLE = re.compile(r"https?://[^\s<>\"'`]+\Z")


def cell(text: object, *, limit: int | None = None) -> str:
    """``text`` as the content of one table cell: one line, control characters visible,
    Markdown/HTML syntax escaped, ``&`` as an entity, cut at ``limit`` characters."""
    one_line = " ".join(shown(text).split())
    if limit is not None and len(one_line) > limit:
        one_line = one_line[: limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", one_line.replace("&", "&amp;"))


def code(text: object) -> str:
    """``text`` as a code span: literal (no Markdown or HTML inside), fenced with more
    backticks than any run in it; a ``|`` is escaped, as GitHub's tables need."""
    one_line = " ".join(shown(text).split()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", one_line)), default=0) + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def link(text: str, uri: str | None) -> str:
    """``[text](uri)`` for an http(s) ``uri`` (parentheses and spaces percent-encoded),
    else the escaped text alone."""
    if uri is None or not _LINKABLE.match(uri):
        return cell(text)
    target = uri.replace("(", "%28").replace(")", "%29")
    return f"[{cell(text)}]({target})"


def docs_uri(f: Finding) -> str | None:
    """Where the finding's rule is documented: its ``help_uri``, else its first CWE's page."""
    if f.help_uri:
        return f.help_uri
    return f"https://cwe.mitre.org/data/definitions/{f.cwe[0]}.html" if f.cwe else None


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def counts_line(result: ScanResult) -> str:
    """``**3 findings**: 1 CRITICAL, 2 HIGH · 1 suppressed · 2 files not analysed``."""
    by_severity = Counter(f.severity for f in result.findings)
    text = f"**{_count(len(result.findings), 'finding')}**"
    parts = [f"{by_severity[s]} {s.name}" for s in _SEVERITIES if by_severity[s]]
    if parts:
        text += ": " + ", ".join(parts)
    text += f" · {len(result.suppressed)} suppressed"
    if result.skipped:
        text += f" · {_count(len(result.skipped), 'file')} not analysed"
    return text


def _finding_row(f: Finding) -> str:
    message = f"{f.message}; {flow_text(f)}" if f.flows else f.message
    return (
        f"| {f.severity.name} | {link(f.rule_id, docs_uri(f))} | {code(f.location)} "
        f"| {cell(message, limit=MESSAGE_CHARS)} |"
    )


def render_markdown(
    result: ScanResult, *, title: str = "scriptrunner scan", level: int = 2, top: int = TOP
) -> str:
    """One scan as a Markdown section (heading at ``level``), newline-terminated."""
    lines = [f"{'#' * level} {cell(title)}", "", counts_line(result), ""]
    if result.failures:
        lines += ["> [!WARNING]", "> The scan is incomplete: it is not reported as clean."]
        lines += [
            f"> - {cell(e.tool)} failed: {cell(e.message, limit=300)}" for e in result.failures
        ]
        lines.append("")
    findings = ordered(result)
    if findings:
        lines += ["| severity | rule | location | finding |", "|---|---|---|---|"]
        lines += [_finding_row(f) for f in findings[:top]]
        lines.append("")
        if len(findings) > top:
            lines += [
                f"… and {_count(len(findings) - top, 'more finding')} in the full report.",
                "",
            ]
    if result.skipped:
        reasons = Counter(s.reason.split(":", 1)[0] for s in result.skipped)
        listed = ", ".join(f"{cell(reason)} ({n})" for reason, n in sorted(reasons.items()))
        lines += [f"Not analysed: {listed}.", ""]
    tools = ", ".join(f"{name} {version}" for name, version in result.tools.items())
    if tools:
        lines += [f"Tools: {cell(tools)}.", ""]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class OverviewRow:
    """One scan in the overview: its name, its result (None: it wrote no report) and what
    its outcome was, in words (``passed``, ``findings at or above HIGH``, ``failed``)."""

    scan: str
    result: ScanResult | None
    status: str


def render_overview(rows: Sequence[OverviewRow], *, title: str = "scriptrunner") -> str:
    """The table a job summary starts with: per scan its status and counts by severity."""
    head = " | ".join(s.name for s in _SEVERITIES)
    lines = [
        f"## {cell(title)}",
        "",
        f"| scan | status | {head} | suppressed |",
        "|---|---|" + "---:|" * (len(_SEVERITIES) + 1),
    ]
    for row in rows:
        if row.result is None:
            numbers = " | ".join("-" for _ in range(len(_SEVERITIES) + 1))
        else:
            by_severity = Counter(f.severity for f in row.result.findings)
            numbers = " | ".join(
                [*(str(by_severity[s]) for s in _SEVERITIES), str(len(row.result.suppressed))]
            )
        lines.append(f"| {cell(row.scan)} | {cell(row.status)} | {numbers} |")
    return "\n".join(lines) + "\n\n"


__all__ = [
    "MESSAGE_CHARS",
    "TOP",
    "OverviewRow",
    "cell",
    "code",
    "counts_line",
    "docs_uri",
    "link",
    "render_markdown",
    "render_overview",
]
