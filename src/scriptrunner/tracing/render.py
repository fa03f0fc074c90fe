"""Stored spans as text: a list of traces, and one trace as a tree with a waterfall.

Works on ``spans`` rows (dicts from the history reader), without OpenTelemetry installed::

    trace 3e7a…36c1 · 6 spans · 28 ms · error
    workflow demo       28 ms  error  |██████████████████████████████|
    ├─ task a           19 ms         |████████████████████          |
    └─ task b            8 ms  error  |                    ████████  |  failed, exit 1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scriptrunner.display import shown

Row = Mapping[str, Any]


@dataclass(slots=True)
class Node:
    """A span with its children, in start order."""

    row: Row
    children: list[Node] = field(default_factory=list)

    @property
    def start(self) -> float:
        return float(self.row["start_time"])

    @property
    def end(self) -> float:
        end = self.row.get("end_time")
        return float(end) if end is not None else self.start


def group_traces(rows: Iterable[Row]) -> dict[str, list[Row]]:
    """Rows by trace id, traces in order of first appearance."""
    traces: dict[str, list[Row]] = {}
    for row in rows:
        traces.setdefault(str(row["trace_id"]), []).append(row)
    return traces


def build_tree(rows: Sequence[Row]) -> list[Node]:
    """The roots of one trace: spans whose parent is not among its stored spans (the
    parent may be remote: a CI job's span, exported somewhere else)."""
    nodes = {str(r["span_id"]): Node(r) for r in rows}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(str(node.row.get("parent_span_id") or ""))
        (parent.children if parent is not None else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.start, str(n.row["name"])))
    return sorted(roots, key=lambda n: n.start)


def fmt_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f}m{rest:02.0f}s"


def _walk(nodes: list[Node], prefix: str = "") -> Iterable[tuple[str, Node]]:
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        yield prefix + ("└─ " if last else "├─ "), node
        yield from _walk(node.children, prefix + ("   " if last else "│  "))


def _lines(roots: list[Node]) -> list[tuple[str, Node]]:
    lines: list[tuple[str, Node]] = []
    for root in roots:
        lines.append(("", root))
        lines.extend(_walk(root.children))
    return lines


def _bar(node: Node, t0: float, total: float, width: int) -> str:
    if total <= 0:
        return "█".ljust(width)
    offset = min(width - 1, int((node.start - t0) / total * width))
    length = max(1, round((node.end - node.start) / total * width))
    return (" " * offset + "█" * min(length, width - offset)).ljust(width)


def _note(row: Row) -> str:
    if row.get("status") == "error":
        return shown(row.get("status_message") or "")
    return ""


def render_trace(rows: Sequence[Row], *, width: int = 30) -> str:
    """One trace: a header line, then one line per span (tree, duration, status, bar)."""
    roots = build_tree(rows)
    lines = _lines(roots)
    t0 = min(n.start for _, n in lines)
    t1 = max(n.end for _, n in lines)
    errors = sum(1 for _, n in lines if n.row.get("status") == "error")
    trace_id = shown(rows[0]["trace_id"])
    head = f"trace {trace_id} · {len(rows)} spans · {fmt_duration(t1 - t0)}"
    out = [head + (f" · {errors} error{'s' * (errors != 1)}" if errors else "")]
    # Span names carry task names and commands: shown (control characters escaped).
    labels = [prefix + shown(node.row["name"]) for prefix, node in lines]
    name_width = min(60, max(len(label) for label in labels))
    for label, (_, node) in zip(labels, lines, strict=True):
        status = "error" if node.row.get("status") == "error" else ""
        status = "open" if node.row.get("end_time") is None else status  # never ended
        line = (
            f"{label[:name_width]:<{name_width}}  {fmt_duration(node.end - node.start):>8}  "
            f"{status:<5}  |{_bar(node, t0, t1 - t0, width)}|"
        )
        note = _note(node.row)
        out.append(f"{line}  {note}" if note else line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One line of ``scriptrunner traces``."""

    trace_id: str
    root: str
    run_id: str | None
    started_at: float
    duration: float
    spans: int
    errors: int


def summarize(rows: Sequence[Row]) -> TraceSummary:
    roots = build_tree(rows)
    root = roots[0]
    end = max(float(r.get("end_time") or r["start_time"]) for r in rows)
    return TraceSummary(
        trace_id=str(rows[0]["trace_id"]),
        root=str(root.row["name"]),
        run_id=root.row.get("run_id"),
        started_at=root.start,
        duration=end - min(float(r["start_time"]) for r in rows),
        spans=len(rows),
        errors=sum(1 for r in rows if r.get("status") == "error"),
    )


def render_list(summaries: Sequence[TraceSummary]) -> str:
    """A table of traces, newest first (times in local time)."""
    import datetime as dt

    out = [f"{'TRACE':<32}  {'STARTED':<19}  {'DURATION':>8}  {'SPANS':>5}  ERR  RUN  ROOT"]
    for s in summaries:
        started = dt.datetime.fromtimestamp(s.started_at).strftime("%Y-%m-%d %H:%M:%S")
        out.append(
            f"{s.trace_id:<32}  {started}  {fmt_duration(s.duration):>8}  {s.spans:>5}  "
            f"{s.errors:>3}  {shown(s.run_id or '-')[:12]:<12}  {shown(s.root)}"
        )
    return "\n".join(out) + "\n"
