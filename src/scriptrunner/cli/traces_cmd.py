"""``scriptrunner traces``: traces recorded in the history store, without any collector."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scriptrunner.cli.common import settings_from, whole


def register(sub: Any) -> None:
    t = sub.add_parser(
        "traces",
        help="list recorded traces, or show one run's trace as a tree and waterfall",
        description="Traces recorded by `run --trace` and `workflow run --trace` (see "
        "docs/tracing.md). Without --run: the most recent traces; with --run: the trace of "
        "that run (a workflow run, a task's run, or a plain run) as a tree and a waterfall.",
    )
    t.add_argument("--run", metavar="RUN_ID", help="run id or a unique prefix of it")
    t.add_argument(
        "--limit", type=whole("--limit"), default=20, metavar="N", help="how many (20; 0 = all)"
    )
    t.add_argument("--json", action="store_true", help="print the spans as JSON")
    t.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.store import open_reader
    from scriptrunner.tracing.render import group_traces, render_list, render_trace, summarize

    reader = open_reader(settings_from(args))
    try:
        if args.run:
            run_id = reader.resolve_id(args.run)
            trace_ids = sorted({str(r["trace_id"]) for r in reader.spans(run_id=run_id)})
            if not trace_ids:
                print(
                    f"run {run_id[:12]} has no trace: run it with --trace to record one",
                    file=sys.stderr,
                )
                return 1
        else:
            trace_ids = reader.recent_traces(args.limit)
        rows = reader.spans(trace_ids=trace_ids) if trace_ids else []
    finally:
        reader.close()
    traces = group_traces(rows)
    if args.json:
        payload = [{"trace_id": tid, "spans": spans} for tid, spans in traces.items()]
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return 0
    if args.run:
        sys.stdout.write("\n".join(render_trace(spans) for spans in traces.values()))
        return 0
    if not traces:
        print("no traces recorded yet: run with --trace (see docs/tracing.md)", file=sys.stderr)
        return 0
    order = {tid: i for i, tid in enumerate(trace_ids)}
    summaries = sorted((summarize(s) for s in traces.values()), key=lambda s: order[s.trace_id])
    sys.stdout.write(render_list(summaries))
    return 0
