"""``scriptrunner history``, ``show`` and ``stats``: the read side of the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scriptrunner.cli.common import fmt_bytes, fmt_seconds, settings_from, whole
from scriptrunner.display import shown
from scriptrunner.results import STORED_STATUSES

#: What ``--status`` accepts: every status a run, a workflow or a task can have.
STATUSES = STORED_STATUSES
STATUS_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "timed_out": "yellow",
    "cancelled": "magenta",
    "blocked": "red",
    "error": "red",
    "running": "cyan",
    "lost": "red",
}


def register(sub: Any) -> None:
    h = sub.add_parser("history", help="list recorded runs, newest first")
    h.add_argument(
        "--limit", type=whole("--limit"), default=20, metavar="N", help="how many (20; 0 = all)"
    )
    h.add_argument(
        "--status",
        choices=STATUSES,
        metavar="STATUS",
        help=f"only runs with this status: {', '.join(STATUSES)}",
    )
    h.add_argument("--script", help="only runs of this script (path or file name)")
    h.add_argument("--all", action="store_true", help="include workflow tasks")
    h.add_argument("--json", action="store_true", help="print JSON")
    h.set_defaults(handler=handle_history)

    s = sub.add_parser("show", help="show one run with its attempts, metrics and output")
    s.add_argument("run_id", metavar="RUN_ID", help="run id or a unique prefix of it")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(handler=handle_show)

    st = sub.add_parser("stats", help="runs, failure rate, p50/p95 duration and trend")
    st.add_argument("script", nargs="?", help="limit to this script (path or file name)")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(handler=handle_stats)


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    import datetime as dt

    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _what(row: dict[str, Any]) -> str:
    if row.get("task_name"):
        return shown(row["task_name"])
    if row.get("script"):
        return shown(row["script"])
    return shown(" ".join(str(c) for c in row.get("command") or []))


def _text(value: object, style: str = "") -> Any:
    """Stored text as a rich ``Text``: shown (control characters escaped), never parsed as
    markup (``[/tmp]`` in a command is text)."""
    from rich.text import Text

    return Text(shown(value), style=style)


def _status(status: object) -> Any:
    return _text(status, STATUS_STYLE.get(str(status), ""))


def _cost(usd: float | None) -> str:
    if usd is None:
        return "-"
    from decimal import Decimal

    from scriptrunner.costs.render import fmt_usd

    return fmt_usd(Decimal(repr(usd)))


def _console() -> Any:
    from rich.console import Console

    # Piped output (CI logs, `| less`) gets a wide fixed width instead of rich's 80 columns.
    # User data is printed as Text (see _text); emoji codes like :x: stay text too.
    return Console(
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else 160,
    )


def handle_history(args: argparse.Namespace) -> int:
    import json

    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        rows = reader.list_runs(
            limit=args.limit, status=args.status, script=args.script, top_level=not args.all
        )
        if any(r.get("kind") == "workflow" for r in rows):
            from scriptrunner.costs.report import fill_workflow_costs

            fill_workflow_costs(reader, rows)  # a workflow costs what its tasks cost
    finally:
        reader.close()
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return 0
    if not rows:
        print("no runs recorded yet" if not (args.status or args.script) else "no matching runs")
        return 0
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    costs = any(r.get("cloud_cost_usd") is not None for r in rows)
    columns = ["RUN", "STARTED", "STATUS", "EXIT", "DURATION", "CPU", "PEAK RSS", "TRIES", "WHAT"]
    if costs:
        columns.insert(-1, "COST")
    for col in columns:
        table.add_column(
            col,
            no_wrap=col != "WHAT",
            justify="right" if col in ("EXIT", "TRIES", "COST") else "left",
        )
    for r in rows:
        cpu = None
        if r["cpu_user_seconds"] is not None:
            cpu = r["cpu_user_seconds"] + (r["cpu_system_seconds"] or 0)
        extra = [_cost(r.get("cloud_cost_usd"))] if costs else []
        table.add_row(
            _text(str(r["id"])[:12]),
            _when(r["started_at"]),
            _status(r["status"]),
            "-" if r["exit_code"] is None else str(r["exit_code"]),
            fmt_seconds(r["duration_seconds"]),
            fmt_seconds(cpu),
            fmt_bytes(r["peak_rss_bytes"]),
            str(r["attempts"]),
            *extra,
            _text(_what(r)),
        )
    _console().print(table)
    return 0


def handle_show(args: argparse.Namespace) -> int:
    import json

    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        run = reader.get_run(args.run_id)
    finally:
        reader.close()
    if args.json:
        sys.stdout.write(json.dumps(run, indent=2, default=str) + "\n")
        return 0
    from rich.text import Text

    console = _console()
    console.print(
        Text.assemble(
            (f"run {shown(run['id'])}", "bold"),
            "  ",
            _status(run["status"]),
            f"  exit {run['exit_code']}",
        )
    )
    cpu = (run["cpu_user_seconds"] or 0) + (run["cpu_system_seconds"] or 0)
    fields = [
        ("command", " ".join(run["command"] or [])),
        ("script", run["script"] or "-"),
        ("cwd", run["cwd"]),
        ("tags", ", ".join(f"{k}={v}" for k, v in (run["tags"] or {}).items()) or "-"),
        ("started", _when(run["started_at"])),
        ("finished", _when(run["finished_at"])),
        ("duration", fmt_seconds(run["duration_seconds"])),
        (
            "cpu",
            f"{fmt_seconds(cpu)} (user {fmt_seconds(run['cpu_user_seconds'])}, "
            f"system {fmt_seconds(run['cpu_system_seconds'])})",
        ),
        ("cpu %", f"avg {run['cpu_percent_avg'] or 0:.0f}, max {run['cpu_percent_max'] or 0:.0f}"),
        ("peak rss", fmt_bytes(run["peak_rss_bytes"])),
        ("host", f"{run['hostname']} (runner pid {run['pid']})"),
    ]
    if run.get("workflow_run_id"):
        fields.append(("workflow run", run["workflow_run_id"]))
    if run.get("error"):
        fields.append(("error", run["error"]))
    for name, value in fields:
        console.print(Text.assemble("  ", (f"{name:<12}", "bold"), " ", _text(value)))
    if run["attempt_rows"]:
        console.print("\n[bold]attempts[/]")
        for a in run["attempt_rows"]:
            console.print(
                _text(
                    f"  #{a['attempt']} {a['status']:<10} exit {a['exit_code']!s:<4} "
                    f"{fmt_seconds(a['wall_seconds']):>9}  waited {fmt_seconds(a['delay_before'])}"
                )
            )
    if run["samples"]:
        peak = max(s["rss_bytes"] for s in run["samples"])
        console.print(
            f"\n[bold]samples[/] {len(run['samples'])} points, tree RSS peak {fmt_bytes(peak)}"
        )
    if run.get("tasks"):
        console.print("\n[bold]tasks[/]")
        for t in run["tasks"]:
            console.print(
                _text(
                    f"  {shown(t['task_name']):<30} {shown(t['status']):<10} "
                    f"{fmt_seconds(t['duration_seconds'])}"
                )
            )
    for stream in ("stdout", "stderr"):
        text = run[f"{stream}_tail"]
        if text:
            total = run[f"{stream}_bytes"] or 0
            note = (
                f" (last {len(text.encode())} of {total} bytes)"
                if total > len(text.encode())
                else ""
            )
            console.print(f"\n[bold]{stream}[/]{note}")
            console.print(Text(shown(text.rstrip("\n"), lines=True)))
    return 0


def handle_stats(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        stats = reader.stats(args.script)
    finally:
        reader.close()
    if args.json:
        sys.stdout.write(json.dumps(asdict(stats), indent=2) + "\n")
        return 0
    if not stats.runs:
        print("no finished runs" + (f" of {shown(args.script)}" if args.script else ""))
        return 0
    trend = "-"
    if stats.trend is not None:
        change = (stats.trend - 1) * 100
        trend = f"{'slower' if change > 0 else 'faster'} by {abs(change):.0f}% (newer half vs older half)"
    print(f"runs          {stats.runs}" + (f" of {shown(args.script)}" if args.script else ""))
    print(f"failures      {stats.failures} ({stats.failure_rate:.1%})")
    print(
        "by status     " + ", ".join(f"{shown(k)} {v}" for k, v in sorted(stats.by_status.items()))
    )
    print(f"p50 duration  {fmt_seconds(stats.p50_seconds)}")
    print(f"p95 duration  {fmt_seconds(stats.p95_seconds)}")
    print(f"mean duration {fmt_seconds(stats.mean_seconds)}")
    print(f"trend         {trend}")
    return 0
