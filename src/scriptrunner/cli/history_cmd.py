"""``scriptrunner history``, ``show`` and ``stats``: the read side of the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import fmt_seconds, settings_from, whole
from scriptrunner.cli.report_out import write_output
from scriptrunner.display import shown
from scriptrunner.results import STORED_STATUSES

#: What ``--status`` accepts: every status a run, a workflow or a task can have.
STATUSES = STORED_STATUSES
FORMATS = ("table", "json")


def register(sub: Any) -> None:
    h = sub.add_parser(
        "history",
        help="list recorded runs, newest first",
        description="List recorded runs and workflow runs, newest first.",
        epilog=options.examples(
            "scriptrunner history",
            "scriptrunner history --flaky --all",
            "scriptrunner history --status failed --script job.py --json",
        ),
    )
    h.add_argument(
        "--limit", type=whole("--limit"), default=20, metavar="N", help="how many (20; 0 = all)"
    )
    h.add_argument(
        "--status",
        choices=STATUSES,
        metavar="STATUS",
        help=f"only runs with this status: {', '.join(STATUSES)}",
    )
    h.add_argument(
        "--flaky",
        action="store_true",
        help="only runs that succeeded after more than one attempt (with --all: tasks too)",
    )
    h.add_argument("--script", metavar="NAME", help="only runs of this script (path or file name)")
    h.add_argument("--all", action="store_true", help="include workflow tasks")
    options.add_report_format(h, FORMATS, default="table")
    h.set_defaults(handler=handle_history)

    s = sub.add_parser(
        "show",
        help="the whole story of one run or workflow run",
        description="One run or workflow run: status, attempts with exit codes, scans and "
        "their findings, tasks, outputs, cost, trace id, events and the output tails.",
        epilog=options.examples(
            "scriptrunner show", "scriptrunner show 3f2a9c1e", "scriptrunner show last --json"
        ),
    )
    s.add_argument(
        "run_id",
        nargs="?",
        default="last",
        metavar="RUN_ID",
        help="run id or a unique prefix of it (4+ characters); last (the default): the newest run",
    )
    options.add_report_format(s, FORMATS, default="table")
    s.set_defaults(handler=handle_show)

    st = sub.add_parser(
        "stats",
        help="runs, failure rates, flaky runs, p50/p95 duration and trend",
        description="Finished runs: failure rate, first-attempt failure rate and flaky runs "
        "(succeeded after retries), per script and overall; durations and their trend.",
        epilog=options.examples(
            "scriptrunner stats", "scriptrunner stats job.py", "scriptrunner stats --json"
        ),
    )
    st.add_argument(
        "script", nargs="?", metavar="SCRIPT", help="limit to this script (path or file name)"
    )
    options.add_report_format(st, FORMATS, default="table")
    st.set_defaults(handler=handle_stats)


def _usd(usd: float | None) -> str:
    if usd is None:
        return "-"
    from decimal import Decimal

    from scriptrunner.costs.render import fmt_usd

    return fmt_usd(Decimal(repr(usd)))


def _emit(args: argparse.Namespace, lines: list[list[tuple[str, str]]]) -> None:
    """Write lines of (text, style) segments to ``-o FILE`` or stdout: coloured on a
    terminal, plain text elsewhere (one record per line, no boxes)."""
    if args.output is None and sys.stdout.isatty():
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False, emoji=False, soft_wrap=True)
        for line in lines:
            console.print(Text.assemble(*line))  # Text: stored values are never markup
        return
    write_output(args.output, "".join("".join(text for text, _ in line) + "\n" for line in lines))


def _json(args: argparse.Namespace, value: object) -> None:
    import json

    write_output(args.output, json.dumps(value, indent=2, default=str) + "\n")


def _width(args: argparse.Namespace) -> int:
    """The terminal's width (``COLUMNS`` first); 0 (no limit) off a terminal or with -o."""
    import shutil

    if args.output is not None:
        return 0
    return shutil.get_terminal_size((0, 0)).columns


def handle_history(args: argparse.Namespace) -> int:
    from scriptrunner.app.story import run_summary
    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        rows = reader.list_runs(
            limit=args.limit,
            status=args.status,
            script=args.script,
            top_level=not args.all,
            flaky=args.flaky,
        )
        if any(r.get("kind") == "workflow" for r in rows):
            from scriptrunner.costs.report import fill_workflow_costs

            fill_workflow_costs(reader, rows)  # a workflow costs what its tasks cost
    finally:
        reader.close()
    items = [run_summary(r) for r in rows]
    if args.format == "json":
        _json(args, items)
        return 0
    if not items:
        filtered = args.status or args.script or args.flaky
        write_output(
            args.output, ("no matching runs" if filtered else "no runs recorded yet") + "\n"
        )
        return 0
    from scriptrunner.cli.history_table import table_lines

    _emit(args, table_lines(items, _width(args), _usd))
    return 0


def handle_show(args: argparse.Namespace) -> int:
    from scriptrunner.app.story import run_story
    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        wanted = str(args.run_id).strip()
        full = reader.newest_run_id() if wanted == "last" else reader.resolve_id(wanted)
        story = run_story(reader, full)
    finally:
        reader.close()
    if args.format == "json":
        _json(args, story)
        return 0
    from scriptrunner.cli.show_view import story_lines

    _emit(args, story_lines(story, _usd))
    return 0


def handle_stats(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from scriptrunner.store import open_reader

    reader = open_reader(settings_from(args))
    try:
        stats = reader.stats(args.script)
    finally:
        reader.close()
    if args.format == "json":
        _json(args, asdict(stats))
        return 0
    of = f" of {shown(args.script)}" if args.script else ""
    if not stats.runs:
        write_output(args.output, f"no finished runs{of}\n")
        return 0
    trend = "-"
    if stats.trend is not None:
        change = (stats.trend - 1) * 100
        trend = f"{'slower' if change > 0 else 'faster'} by {abs(change):.0f}% (newer half vs older half)"
    rows = [
        ("runs", f"{stats.runs}{of}"),
        ("failures", f"{stats.failures} ({stats.failure_rate:.1%})"),
        (
            "first-attempt failures",
            f"{stats.first_attempt_failures} ({stats.first_attempt_failure_rate:.1%})",
        ),
        ("flaky", f"{stats.flaky} (succeeded after more than one attempt)"),
        ("by status", ", ".join(f"{shown(k)} {v}" for k, v in sorted(stats.by_status.items()))),
        ("p50 duration", fmt_seconds(stats.p50_seconds)),
        ("p95 duration", fmt_seconds(stats.p95_seconds)),
        ("mean duration", fmt_seconds(stats.mean_seconds)),
        ("trend", trend),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    if stats.scripts:
        lines += ["", "RUNS  FAILED  FLAKY  1ST-ATTEMPT FAILED  SCRIPT"]
        lines += [
            f"{s.runs:>4}  {s.failures:>6}  {s.flaky:>5}  {s.first_attempt_failure_rate:>18.1%}  "
            f"{shown(s.script)}"
            for s in stats.scripts
        ]
    write_output(args.output, "\n".join(lines) + "\n")
    return 0
