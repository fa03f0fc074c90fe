"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

A data-flow finding's message ends with where its data comes from (``from: api/views.py:12
-> helpers.py:30``).  Escaping follows the runner's rules: in the message ``%``, CR and LF are percent-encoded; in
property values ``:`` and ``,`` are too, or the runner would cut the value there.
"""

from __future__ import annotations

from scriptrunner.findings.model import Finding, ScanResult, Severity
from scriptrunner.findings.table import flow_text

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def command_data(text: str) -> str:
    """``text`` as the data of one workflow command (after ``::``): ``%``, CR and LF
    percent-encoded, so no text can end the line and start a command of its own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    loc = f.location
    props = [f"file={_prop(loc.path)}", f"line={loc.start_line}"]
    if loc.end_line is not None:
        props.append(f"endLine={loc.end_line}")
    # Columns only make sense to GitHub on a single line.
    if loc.start_column is not None and loc.last_line == loc.start_line:
        props.append(f"col={loc.start_column}")
        if loc.end_column is not None:
            props.append(f"endColumn={loc.end_column}")
    props.append(f"title={_prop(f'{f.rule_id} ({f.severity.name})')}")
    tools = "+".join(f.tools)
    message = f"{f.message} ({flow_text(f)})" if f.flows else f.message
    return f"::{_LEVEL[f.severity]} {','.join(props)}::{command_data(f'{message} [{tools}]')}"


def render_github(result: ScanResult) -> str:
    """Annotation lines for counted findings, then one per skipped file and tool failure."""
    lines = [annotation(f) for f in result.findings]
    lines += [
        f"::warning file={_prop(s.target)},title=not analysed::{command_data(s.reason)}"
        for s in result.skipped
    ]
    lines += [
        f"::error title={_prop(e.tool + ' failed')}::{command_data(e.message)}"
        for e in result.failures
    ]
    return "".join(line + "\n" for line in lines)
