"""``scriptrunner workflow eval``: evaluate an expression, from given contexts or against
what a stored workflow run recorded for one task (a helper of ``workflow_cmd``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from
from scriptrunner.errors import ConfigError


def register(wsub: Any) -> None:
    e = wsub.add_parser(
        "eval",
        help="evaluate an expression, for debugging conditions",
        description=(
            "Evaluate an expression and print its value as JSON.  Status "
            "functions (success(), failure(), always(), cancelled()) follow the results in "
            "the needs context.  With --run and --task, evaluate against what a stored run "
            "recorded for that task (default: the task's own if:) and list the values used."
        ),
        epilog=options.examples(
            "scriptrunner workflow eval \"needs.a.outputs.rows != '0'\" "
            """--context 'needs={"a":{"result":"success","outputs":{"rows":"3"}}}'""",
            "scriptrunner workflow eval --run last --task deploy",
            "scriptrunner workflow eval --run 1a2b3c4d --task deploy 'needs.build.result'",
        ),
    )
    e.add_argument(
        "expression",
        metavar="EXPR",
        nargs="?",
        help="the expression, bare or in ${{ }} (with --task: default the task's if:)",
    )
    e.add_argument(
        "--context",
        action="append",
        metavar="NAME=JSON",
        help='a context value, e.g. matrix=\'{"os": "linux"}\' (repeatable)',
    )
    e.add_argument(
        "--run",
        metavar="ID",
        help="a stored workflow run (unique id prefix, or last) to take the contexts from",
    )
    e.add_argument("--task", metavar="TASK", help="the task instance of --run, e.g. build")
    e.set_defaults(handler=handle_eval)


def handle_eval(args: argparse.Namespace) -> int:
    from scriptrunner.workflows.explain import needs_status
    from scriptrunner.workflows.expressions import (
        evaluate_expression,
        parse_context_arg,
    )

    if args.run or args.task:
        return _eval_stored(args)
    if args.expression is None:
        raise ConfigError("give an expression to evaluate (or --run RUN_ID --task TASK)")
    contexts = dict(parse_context_arg(c) for c in args.context or [])
    value = evaluate_expression(args.expression, contexts, status=needs_status(contexts))
    sys.stdout.write(json.dumps(value, indent=2) + "\n")
    return 0


def _eval_stored(args: argparse.Namespace) -> int:
    from scriptrunner.store import open_reader
    from scriptrunner.workflows.explain import effective_condition, used_values
    from scriptrunner.workflows.expressions import evaluate_condition, evaluate_expression
    from scriptrunner.workflows.stored import stored_task

    if not args.run:
        raise ConfigError("--task needs --run: give the workflow run (an id prefix, or last)")
    if not args.task:
        raise ConfigError(f"--run needs --task: which task of run {args.run} to evaluate for")
    if args.context:
        raise ConfigError("--context does not go with --run: the stored run gives the contexts")
    reader = open_reader(settings_from(args))
    try:
        ref = args.run
        if ref == "last":
            rows = reader.list_runs(kind="workflow", limit=1)
            if not rows:
                raise ConfigError("--run last: no workflow run in the history store")
            ref = str(rows[0]["id"])
        task = stored_task(reader, ref, args.task)
    finally:
        reader.close()
    if args.expression is not None:
        expression, condition = args.expression, False
        value: Any = evaluate_expression(expression, task.contexts, status=task.status)
    elif task.spec is None:
        raise ConfigError(f"{task.note}; give the expression to evaluate")
    else:
        expression, condition = task.spec.condition or "success()", True
        value = evaluate_condition(task.spec.condition, task.contexts, status=task.status)
    lines = [json.dumps(value)]
    shown_expr = effective_condition(expression) if condition else expression
    lines.append(f"{'condition' if condition else 'expression'}: {shown_expr}")
    lines.append(f"values used (run {task.run_id[:8]}, task {task.task}):")
    for text, used in used_values(expression, task.contexts, task.status, condition=condition):
        lines.append(f"  {text} = {json.dumps(used)}")
    if task.note:
        lines.append(f"note: {task.note}")
    from scriptrunner.display import shown

    sys.stdout.write(shown("\n".join(lines), lines=True) + "\n")
    return 0
