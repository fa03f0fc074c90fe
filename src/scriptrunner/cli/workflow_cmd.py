"""``scriptrunner workflow run|validate|plan|graph|eval``."""

from __future__ import annotations

import argparse
import io
import json
import signal
import sys
from typing import Any

from scriptrunner.cli import options, workflow_eval
from scriptrunner.cli.common import (
    prepare_cost_and_trace,
    run_id_arg,
    seconds,
    settings_from,
    warn,
    whole,
)
from scriptrunner.cli.report_out import write_output
from scriptrunner.errors import ConfigError

#: ``--format`` of ``workflow plan`` and ``workflow graph``.
PLAN_FORMATS = ("table", "json")
GRAPH_FORMATS = ("mermaid", "dot")


def register(sub: Any) -> None:
    wf = sub.add_parser(
        "workflow",
        help="run and inspect multi-task workflows",
        description="Run and inspect multi-task workflows (docs/workflows.md).",
        epilog=options.examples(
            "scriptrunner workflow run nightly.yaml",
            "scriptrunner workflow plan nightly.yaml",
            "scriptrunner workflow run nightly.yaml --resume last",
        ),
    )
    wsub = wf.add_subparsers(dest="workflow_command", metavar="COMMAND")
    wsub.required = True
    _register_run(wsub)

    v = wsub.add_parser(
        "validate",
        help="check a workflow file without running it",
        description=(
            "Load and check a workflow file: syntax, schema, needs, cycles, "
            "expressions, declared secrets, matrix size.  Exit 0 when it is valid, 2 when not."
        ),
        epilog=options.examples(
            "scriptrunner workflow validate nightly.yaml",
            "scriptrunner workflow validate ci/*.yaml",
        ),
    )
    v.add_argument("file", metavar="FILE", nargs="+", help="workflow file(s) (YAML or JSON)")
    v.set_defaults(handler=handle_validate)

    p = wsub.add_parser(
        "plan",
        help="show the expanded matrix and execution levels",
        description=(
            "The task instances by execution level, with their needs and the "
            "condition each is evaluated with (GitHub's implicit success() && shown)."
        ),
        epilog=options.examples(
            "scriptrunner workflow plan nightly.yaml",
            "scriptrunner workflow plan nightly.yaml --format json -o plan.json",
        ),
    )
    p.add_argument("file", metavar="FILE", help="workflow file (YAML or JSON)")
    options.add_report_format(p, PLAN_FORMATS, default="table")
    p.set_defaults(handler=handle_plan)

    g = wsub.add_parser(
        "graph",
        help="print the task graph as Mermaid or Graphviz dot",
        description=(
            "The task graph: Mermaid (for Markdown, mermaid.live, mmdc) or "
            "Graphviz dot (for dot -Tsvg).  Dashed: tasks with a condition."
        ),
        epilog=options.examples(
            "scriptrunner workflow graph nightly.yaml > graph.mmd",
            "scriptrunner workflow graph nightly.yaml --format dot | dot -Tsvg -o graph.svg",
        ),
    )
    g.add_argument("file", metavar="FILE", help="workflow file (YAML or JSON)")
    options.add_report_format(g, GRAPH_FORMATS, default="mermaid")
    g.set_defaults(handler=handle_graph)

    workflow_eval.register(wsub)


def _register_run(wsub: Any) -> None:
    r = wsub.add_parser(
        "run",
        help="run a workflow file",
        description=("Run a workflow file.  Off a terminal, one line per task state change."),
        epilog="exit codes: 0 every task succeeded (or was skipped by its condition), "
        "1 otherwise, 2 a bad file or option, 128+N interrupted by signal N\n\n"
        + options.examples(
            "scriptrunner workflow run nightly.yaml --max-parallel 4",
            "scriptrunner workflow run nightly.yaml --resume last",
            "scriptrunner workflow run nightly.yaml --rerun-all --json",
        ),
    )
    r.add_argument("file", metavar="FILE", help="workflow file (YAML or JSON)")
    r.add_argument(
        "--max-parallel",
        type=whole("--max-parallel", minimum=1),
        metavar="N",
        help="run at most N tasks at once (default: the file's max_parallel; with --executor "
        "dask and none in the file, the cluster's worker threads)",
    )
    r.add_argument("--fail-fast", action="store_true", help="cancel running tasks on a failure")
    r.add_argument(
        "--executor",
        default="local",
        choices=("local", "dask"),
        metavar="NAME",
        help="where attempts run: local (default) or dask",
    )
    r.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: the scheduler, e.g. tls://HOST:8786 (default: a local "
        "cluster started for the run)",
    )
    _register_dask(r)
    r.add_argument(
        "--resume",
        metavar="RUN_ID",
        help="re-run an earlier run of this workflow (id prefix, or last): what failed, what "
        "is downstream of it and what reads status run again; the rest is reused",
    )
    r.add_argument(
        "--rerun-all",
        action="store_true",
        help="run every task again, as a re-run of this workflow's newest run",
    )
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


def _register_dask(r: Any) -> None:
    """The options of the Dask executor (docs/distributed.md)."""
    d = r.add_argument_group("Dask executor (--executor dask)")
    d.add_argument(
        "--cluster-timeout",
        type=seconds("--cluster-timeout", positive=True),
        metavar="SECONDS",
        help="end attempts as infrastructure once the cluster has had no scheduler or no "
        "workers this long (default: the cluster_timeout setting, 30)",
    )
    for flag, what in (
        ("--tls-ca-file", "the CA certificate(s) that signed the cluster's certificates"),
        ("--tls-cert", "this client's certificate"),
        ("--tls-key", "this client's private key"),
    ):
        d.add_argument(flag, metavar="FILE", help=f"for a tls:// scheduler: {what} (PEM)")
    d.add_argument(
        "--forward-env",
        action="append",
        default=[],
        metavar="NAME",
        help="also send this variable of this environment to the workers (repeatable, or "
        "comma-separated); by default a task gets the worker's environment under the "
        "workflow's env",
    )
    d.add_argument(
        "--allow-plaintext-secrets",
        action="store_true",
        help="send the workflow's secrets to a scheduler off this host over plain tcp:// "
        "(refused by default: use tls://)",
    )
    d.add_argument(
        "--local-always",
        action="store_true",
        help="once the cluster is lost, run tasks whose condition uses always() here instead",
    )


def _plan(path: str) -> Any:
    from scriptrunner.workflows.dag import expand
    from scriptrunner.workflows.loader import load_workflow

    return expand(load_workflow(path))


def handle_validate(args: argparse.Namespace) -> int:
    for file in args.file:
        plan = _plan(file)
        for message in plan.workflow.warnings:
            warn(message)
        print(
            f"{file}: ok — workflow {plan.workflow.name!r}, {len(plan.workflow.tasks)} tasks, "
            f"{len(plan.instances)} instances in {len(plan.levels)} levels"
        )
    return 0


def handle_plan(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.render import plan_table_rows

    plan = _plan(args.file)
    rows = plan_table_rows(plan)
    if args.format == "json":
        write_output(
            args.output, json.dumps([r._asdict() for r in rows], indent=2, default=list) + "\n"
        )
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from scriptrunner.display import shown

    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in rows[0]._fields if rows else ("level", "instance", "needs", "condition"):
        table.add_column(name.upper())
    for row in rows:
        # Ids carry matrix values, conditions are the file's text: shown, never markup.
        table.add_row(*(Text(shown(_cell(v))) for v in row))
    if not args.output and sys.stdout.isatty():
        Console().print(table)
        return 0
    buffer = io.StringIO()  # a file or a pipe: one row per line, no colour, no padding
    Console(file=buffer, width=_WIDE).print(table)
    write_output(args.output, _trimmed(buffer.getvalue()))
    return 0


#: Width of tables that do not go to a terminal: wide enough that a row stays one line.
_WIDE = 1000


def _trimmed(text: str) -> str:
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def handle_graph(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.render import render_dot, render_mermaid

    plan = _plan(args.file)
    write_output(args.output, (render_mermaid if args.format == "mermaid" else render_dot)(plan))
    return 0


def handle_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from scriptrunner.app import RunSession, WorkflowRequest
    from scriptrunner.workflows.progress import LiveProgress, PlainProgress, print_summary

    if args.rerun_all and args.resume:
        raise ConfigError(
            "--rerun-all runs every task again and --resume reuses what succeeded: give one of them"
        )
    plan = _plan(args.file)
    settings = settings_from(args)
    coster, trace = prepare_cost_and_trace(args, settings)
    request = WorkflowRequest(
        max_parallel=args.max_parallel,
        fail_fast=args.fail_fast,
        executor=args.executor,
        scheduler=args.scheduler,
        cluster_timeout=args.cluster_timeout or settings.cluster_timeout,
        tls_ca_file=args.tls_ca_file,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        forward_env=tuple(
            name.strip() for item in args.forward_env for name in item.split(",") if name.strip()
        ),
        allow_plaintext_secrets=args.allow_plaintext_secrets,
        local_always=args.local_always,
        resume=args.resume,
        rerun_all=args.rerun_all,
        run_id=args.run_id,
        trace=trace,
        coster=coster,
    )
    console = Console(stderr=True, highlight=False)
    show_progress = not args.quiet and not args.json
    with RunSession(settings, signals=(signal.SIGINT, signal.SIGTERM), warn=warn) as session:
        if show_progress and console.is_terminal:
            with LiveProgress(console, len(plan.instances), plan) as progress:
                session.bus.subscribe(progress)
                result = session.run_workflow(plan, request)
        else:
            if show_progress:
                session.bus.subscribe(PlainProgress(sys.stderr, plan))
            result = session.run_workflow(plan, request)
    if args.json:  # the workflow run's story, as `show --json` prints it (app.story)
        from scriptrunner.app.story_delayed import workflow_run_story

        story = workflow_run_story(settings, plan, result, delayed=session.history_delayed)
        sys.stdout.write(json.dumps(story, indent=2) + "\n")
    elif not args.quiet and console.is_terminal:
        print_summary(console, result)
    elif not args.quiet:  # one row per line, no colour, no trailing padding
        buffer = io.StringIO()
        print_summary(Console(file=buffer, width=_WIDE, highlight=False), result)
        sys.stderr.write(_trimmed(buffer.getvalue()))
    if result.cancelled and session.token.signal is not None:
        return 128 + session.token.signal
    return result.exit_code
