"""``scriptrunner workflow run|validate|plan|graph|eval``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any

from scriptrunner.cli.common import prepare_cost_and_trace, run_id_arg, settings_from, warn, whole
from scriptrunner.errors import ConfigError


def register(sub: Any) -> None:
    wf = sub.add_parser("workflow", help="run and inspect multi-task workflows")
    wsub = wf.add_subparsers(dest="workflow_command", metavar="COMMAND")
    wsub.required = True

    r = wsub.add_parser("run", help="run a workflow file")
    r.add_argument("file", metavar="FILE")
    r.add_argument(
        "--max-parallel",
        type=whole("--max-parallel", minimum=1),
        metavar="N",
        help="override max_parallel",
    )
    r.add_argument("--fail-fast", action="store_true", help="cancel running tasks on a failure")
    r.add_argument("--executor", default="local", help="local (default) or dask")
    r.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786")
    r.add_argument("--resume", metavar="RUN_ID", help="rerun only what did not succeed")
    r.add_argument(
        "--run-id",
        type=run_id_arg(),
        metavar="ID",
        help="the workflow run's id (32 lowercase hex digits, new to the store); used by the "
        "dashboard: lets a caller know the id before the run starts",
    )
    r.add_argument(
        "--cost-profile",
        metavar="PROFILE",
        help="attribute a cloud cost to every task run, e.g. aws:m5.large (docs/costs.md)",
    )
    r.add_argument("--json", action="store_true", help="print a JSON summary")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress or summary table")
    r.add_argument(
        "--trace", action="store_true", help="record an OpenTelemetry trace (docs/tracing.md)"
    )
    r.set_defaults(handler=handle_run)

    v = wsub.add_parser("validate", help="check a workflow file without running it")
    v.add_argument("file", metavar="FILE")
    v.set_defaults(handler=handle_validate)

    p = wsub.add_parser("plan", help="show the expanded matrix and execution levels")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=handle_plan)

    g = wsub.add_parser("graph", help="print the task graph as Mermaid or Graphviz dot")
    g.add_argument("file", metavar="FILE")
    g.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    g.set_defaults(handler=handle_graph)

    e = wsub.add_parser("eval", help="evaluate an expression, for debugging conditions")
    e.add_argument("expression", metavar="EXPR")
    e.add_argument("--context", action="append", metavar="NAME=JSON", help="a context value")
    e.set_defaults(handler=handle_eval)


def _plan(path: str) -> Any:
    from scriptrunner.workflows.dag import expand
    from scriptrunner.workflows.loader import load_workflow

    return expand(load_workflow(path))


def handle_validate(args: argparse.Namespace) -> int:
    plan = _plan(args.file)
    for message in plan.workflow.warnings:
        warn(message)
    print(
        f"{args.file}: ok — workflow {plan.workflow.name!r}, {len(plan.workflow.tasks)} tasks, "
        f"{len(plan.instances)} instances in {len(plan.levels)} levels"
    )
    return 0


def handle_plan(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.render import plan_table_rows

    plan = _plan(args.file)
    rows = plan_table_rows(plan)
    if args.json:
        sys.stdout.write(json.dumps([r._asdict() for r in rows], indent=2, default=list) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scriptrunner.display import shown

    table = Table(box=None, header_style="bold")
    for name in rows[0]._fields if rows else ("level", "id", "needs", "condition"):
        table.add_column(name.upper())
    for row in rows:
        # Ids carry matrix values, conditions are the file's text: shown, never markup.
        table.add_row(*(Text(shown(_cell(v))) for v in row))
    Console(width=None if sys.stdout.isatty() else 160).print(table)
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def handle_graph(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.render import render_dot, render_mermaid

    plan = _plan(args.file)
    sys.stdout.write((render_mermaid if args.format == "mermaid" else render_dot)(plan))
    return 0


def handle_eval(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.expressions import (
        TaskStatus,
        evaluate_expression,
        parse_context_arg,
    )

    contexts = dict(parse_context_arg(c) for c in args.context or [])
    value = evaluate_expression(args.expression, contexts, status=TaskStatus())
    sys.stdout.write(json.dumps(value, indent=2) + "\n")
    return 0


def handle_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from scriptrunner.app import RunSession, WorkflowRequest
    from scriptrunner.workflows.progress import LiveProgress, print_summary

    if args.max_parallel is not None and args.max_parallel < 1:
        raise ConfigError(f"--max-parallel must be >= 1, got {args.max_parallel}")
    plan = _plan(args.file)
    settings = settings_from(args)
    coster, trace = prepare_cost_and_trace(args, settings)
    request = WorkflowRequest(
        max_parallel=args.max_parallel,
        fail_fast=args.fail_fast,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume,
        run_id=args.run_id,
        trace=trace,
        coster=coster,
    )
    console = Console(stderr=True, highlight=False)
    live = not args.quiet and not args.json and console.is_terminal
    with RunSession(settings, signals=(signal.SIGINT, signal.SIGTERM), warn=warn) as session:
        if live:
            with LiveProgress(console, len(plan.instances)) as progress:
                session.bus.subscribe(progress)
                result = session.run_workflow(plan, request)
        else:
            result = session.run_workflow(plan, request)
    if args.json:  # the workflow run's story, as `show --json` prints it (app.story)
        from scriptrunner.app.story import story_from_store

        story = story_from_store(settings, result.run_id)
        sys.stdout.write(json.dumps(story, indent=2) + "\n")
    elif not args.quiet:
        width = None if console.is_terminal else 160
        print_summary(Console(stderr=True, highlight=False, width=width), result)
    if result.cancelled and session.token.signal is not None:
        return 128 + session.token.signal
    return result.exit_code
