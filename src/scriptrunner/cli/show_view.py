"""``scriptrunner show``: the story of one run or workflow run as text (``app.story``).

Lines are (text, style) segments: coloured on a terminal, plain elsewhere; every stored
value goes through ``display.shown`` (control characters escaped, never markup).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from scriptrunner.cli.common import fmt_bytes, fmt_seconds
from scriptrunner.cli.history_table import ID_CHARS, STATUS_STYLE, status_text
from scriptrunner.display import shown

Line = list[tuple[str, str]]


def _when(ts: float | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "-" if ts is None else dt.datetime.fromtimestamp(ts).strftime(fmt)


def _status(story: dict[str, Any]) -> tuple[str, str]:
    return status_text(story), STATUS_STYLE.get(str(story["status"]), "")


def _field(name: str, value: object) -> Line:
    return [("  ", ""), (f"{name:<12}", "bold"), (" " + shown(value), "")]


def _fields(story: dict[str, Any], usd: Callable[[float | None], str]) -> list[Line]:
    cpu_user, cpu_system = story["cpu_user_seconds"], story["cpu_system_seconds"]
    fields: list[tuple[str, object]] = [("kind", story["kind"])]
    if story["name"]:
        fields.append(("task" if story["kind"] == "task" else "name", story["name"]))
    fields += [
        ("command", " ".join(str(c) for c in story["command"] or [])),
        ("script", story["script"] or "-"),
        ("cwd", story["cwd"]),
        ("tags", ", ".join(f"{k}={v}" for k, v in (story["tags"] or {}).items()) or "-"),
        ("started", _when(story["started_at"])),
        ("finished", _when(story["finished_at"])),
        ("duration", fmt_seconds(story["duration_seconds"])),
        (
            "cpu",
            f"{fmt_seconds((cpu_user or 0) + (cpu_system or 0))} (user {fmt_seconds(cpu_user)}, "
            f"system {fmt_seconds(cpu_system)})",
        ),
        ("peak rss", fmt_bytes(story["peak_rss_bytes"])),
    ]
    if story["cloud_cost_usd"] is not None:
        fields.append(("cost", usd(story["cloud_cost_usd"])))
    if story["trace_id"]:
        fields.append(("trace", story["trace_id"]))
    fields.append(("host", f"{story['hostname']} (runner pid {story['pid']})"))
    if story["workflow_run_id"]:
        fields.append(("workflow run", story["workflow_run_id"]))
    if story["parent_run_id"]:  # a resumed or re-run workflow's earlier run; a reused task's
        label = "re-run of" if story["kind"] == "workflow" else "reused from"
        fields.append((label, story["parent_run_id"]))
    if story["error"]:
        fields.append(("error", story["error"]))
    return [_field(name, value) for name, value in fields]


def _placement(a: dict[str, Any]) -> Line:
    """Where an attempt run elsewhere ran: ``on HOST pid P (worker W), queued 0.12 s``."""
    where = f"on {shown(a['host'] or '?')} pid {a['pid'] if a['pid'] is not None else '?'}"
    if a.get("worker"):
        where += f" (worker {shown(a['worker'])})"
    if a.get("queued_seconds") is not None:
        where += f", queued {fmt_seconds(a['queued_seconds'])}"
    return [(f"     {where}", "")]


def _attempts(story: dict[str, Any]) -> list[Line]:
    lines: list[Line] = []
    for a in story["attempts"]:
        lines.append(
            [
                (f"  #{a['attempt']} ", ""),
                (f"{shown(a['status']):<10}", STATUS_STYLE.get(str(a["status"]), "")),
                (
                    f" exit {a['exit_code']!s:<4} {fmt_seconds(a['wall_seconds']):>9}"
                    f"  waited {fmt_seconds(a['delay_before'])}  {a['ended']}",
                    "",
                ),
            ]
        )
        if a.get("attempt_id") is not None:
            lines.append(_placement(a))
    return lines


def _scans(story: dict[str, Any]) -> list[Line]:
    lines: list[Line] = []
    for scan in story["scans"]:
        verdict = "blocked the run" if scan["blocked"] else "did not block"
        tools = ", ".join(sorted(scan["tools"] or {}))
        found = len([f for f in scan["findings"] if not f["suppressed"]])
        lines.append(
            [
                (f"  {shown(scan['kind'])} scan ({shown(tools)}): {found} finding(s), ", ""),
                (verdict, "red" if scan["blocked"] else ""),
            ]  # fmt: skip
        )
        for f in scan["findings"]:
            where = shown(f["path"] or "-") + (f":{f['start_line']}" if f["start_line"] else "")
            note = " (suppressed)" if f["suppressed"] else ""
            lines.append(
                [
                    (f"    {shown(f['severity']):<8} ", "bold"),
                    (f"{shown(f['rule_id'])}  {where}  {shown(f['title'])}{note}", ""),
                ]  # fmt: skip
            )
        for e in scan["errors"] or []:
            lines.append([(f"    error: {shown(e)}", "red")])
    return lines


def _tasks(story: dict[str, Any]) -> list[Line]:
    tasks = story.get("tasks") or {}
    width = max([4, *(len(shown(name)) for name in tasks)])
    lines: list[Line] = []
    for name, t in tasks.items():
        code = "" if t["exit_code"] is None else f"exit {t['exit_code']}"
        tries = f"{t['attempt_count']} attempt" + ("s" if t["attempt_count"] != 1 else "")
        lines.append(
            [
                (f"  {shown(name):<{width}}  ", ""),
                (f"{shown(t['state']):<10}", STATUS_STYLE.get(str(t["state"]), "")),
                (f" {code:<8} {tries:<11} {fmt_seconds(t['duration_seconds']):>9}", ""),
                (
                    f"  {t['id'][:ID_CHARS]}" + (f"  {shown(t['reason'])}" if t["reason"] else ""),
                    "",
                ),
            ]
        )
        for key, value in (t["outputs"] or {}).items():
            lines.append([(f"      {shown(key)} = {shown(value)}", "")])
    return lines


def _events(story: dict[str, Any]) -> list[Line]:
    return [
        [(f"  {_when(e['ts'], '%H:%M:%S')}.{int(e['ts'] % 1 * 1000):03d}  {shown(e['type'])}", "")]
        for e in story["events"]
    ]


def _tail(story: dict[str, Any], stream: str) -> list[Line]:
    text = story[f"{stream}_tail"]
    if not text:
        return []
    total, kept = story[f"{stream}_bytes"] or 0, len(text.encode())
    note = f" (last {kept} of {total} bytes)" if total > kept else ""
    body = shown(text.rstrip("\n"), lines=True)
    return [
        [("", "")],
        [(stream, "bold"), (note, "")],
        *([(line, "")] for line in body.split("\n")),
    ]


def story_lines(story: dict[str, Any], usd: Callable[[float | None], str]) -> list[Line]:
    """The story as text: the header and fields, then attempts, scans, tasks, outputs,
    events and the output tails, each section only when it has something to say."""
    text, style = _status(story)
    what = "workflow run" if story["kind"] == "workflow" else "run"
    lines: list[Line] = [
        [
            (f"{what} {shown(story['id'])}", "bold"),
            ("  ", ""),
            (text, style),
            (f"  exit {story['exit_code']}", ""),
        ]  # fmt: skip
    ]
    lines += _fields(story, usd)
    outputs = story["outputs"] if story["kind"] != "workflow" else {}
    sections = [
        ("attempts", _attempts(story)),
        ("scans", _scans(story)),
        ("tasks", _tasks(story)),
        ("outputs", [[(f"  {shown(k)} = {shown(v)}", "")] for k, v in (outputs or {}).items()]),
        ("events", _events(story)),
    ]
    for title, section in sections:
        if section:
            lines += [[("", "")], [(title, "bold")], *section]
    return lines + _tail(story, "stdout") + _tail(story, "stderr")
