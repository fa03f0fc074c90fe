"""``scriptrunner traces``: traces recorded in the history store, without any collector."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from, whole

#: The shortest id prefix accepted (as for run ids everywhere).
MIN_PREFIX = 4


def register(sub: Any) -> None:
    t = sub.add_parser(
        "traces",
        help="list recorded traces, or show one run's trace as a tree and waterfall",
        description="Traces recorded by `run --trace` and `workflow run --trace` (see "
        "docs/tracing.md). Without --run: the most recent traces; with --run: one trace "
        "(of a workflow run, a task's run, or a plain run) as a tree and a waterfall.",
        epilog=options.examples(
            "scriptrunner traces --run last",
            "scriptrunner traces --run 3f6c      # a run id or a trace id, or a prefix",
            "scriptrunner traces --run 3f6c --json -o trace.json",
        ),
    )
    t.add_argument(
        "--run",
        metavar="ID",
        help="the trace of this run or trace: either id `traces` lists, a unique prefix "
        f"of it ({MIN_PREFIX} characters or more), or `last` for the newest trace",
    )
    t.add_argument(
        "--limit", type=whole("--limit"), default=20, metavar="N", help="how many (20; 0 = all)"
    )
    options.add_report_format(t, ("table", "json"), default="table")
    t.set_defaults(handler=handle)


def resolve_traces(reader: Any, given: str) -> list[str]:
    """The trace ids ``--run ID`` means: ``ID`` is a run id or a trace id (the two columns
    ``traces`` lists), whole or a unique prefix, or ``last`` (the newest trace).  A prefix of both a run and a different
    trace is ambiguous."""
    from scriptrunner.errors import StoreError

    word = given.strip().lower()
    if word == "last":
        return list(reader.recent_traces(1))
    if len(word) < MIN_PREFIX:
        raise StoreError(
            f"--run {given!r} is too short: give at least {MIN_PREFIX} characters of a run "
            "or trace id"
        )
    traces = [tid for tid in reader.recent_traces(0) if tid.startswith(word)]
    try:
        run_id = reader.resolve_id(word)
    except StoreError as exc:
        if len(traces) == 1:
            return traces
        if traces:
            raise StoreError(
                f"--run {given!r} matches {len(traces)} traces; give more characters"
            ) from None
        if "ambiguous" in str(exc):
            raise
        raise StoreError(
            f"no run or trace with id {given!r} in {reader.where}; `scriptrunner traces` lists them"
        ) from None
    of_run = sorted({str(r["trace_id"]) for r in reader.spans(run_id=run_id)})
    if traces and not set(traces) <= set(of_run):
        raise StoreError(
            f"--run {given!r} is the prefix of a run and of another trace; give more characters"
        )
    return of_run


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.cli.report_out import write_output
    from scriptrunner.store import open_reader
    from scriptrunner.tracing.render import group_traces, render_list, render_trace, summarize

    reader = open_reader(settings_from(args))
    try:
        if args.run:
            trace_ids = resolve_traces(reader, args.run)
            if not trace_ids:
                print(
                    f"{args.run.strip()} has no trace: run it with --trace to record one",
                    file=sys.stderr,
                )
                return 1
        else:
            trace_ids = reader.recent_traces(args.limit)
        rows = reader.spans(trace_ids=trace_ids) if trace_ids else []
    finally:
        reader.close()
    traces = group_traces(rows)
    if args.format == "json":
        payload = [{"trace_id": tid, "spans": spans} for tid, spans in traces.items()]
        return write_output(args.output, json.dumps(payload, indent=2, default=str) + "\n")
    if args.run:
        return write_output(args.output, "\n".join(render_trace(s) for s in traces.values()))
    if not traces:
        print("no traces recorded yet: run with --trace (see docs/tracing.md)", file=sys.stderr)
        return 0
    order = {tid: i for i, tid in enumerate(trace_ids)}
    summaries = sorted((summarize(s) for s in traces.values()), key=lambda s: order[s.trace_id])
    return write_output(args.output, render_list(summaries))
