"""Entry point: ``scriptrunner`` and ``python -m scriptrunner``.

The parser is argparse rather than click/typer on purpose: ``scriptrunner run`` pays every
millisecond of start-up on every run, and click alone costs about 20 ms to import, as much
as starting Python itself (measured in ``bench/runner_overhead.py``).  Sub-commands import
their heavy dependencies (SQLAlchemy, rich) only when they run, and a call imports and
builds only the sub-command it names (building them all took ~10 ms, importing every
command module ~1 ms; see :func:`command_of`).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import ModuleType

EXIT_USAGE = 2

#: Every sub-command module (under ``scriptrunner.cli``), in help order.
MODULES = (
    "run_cmd",
    "history_cmd",
    "workflow_cmd",
    "cost_cmd",
    "traces_cmd",
    "scan",
    "secrets_cmd",
    "db_cmd",
    "serve_cmd",
    "completion_cmd",
)
#: Top-level command -> the module that registers it (a test keeps this complete).
COMMANDS = {
    "run": "run_cmd",
    "history": "history_cmd",
    "show": "history_cmd",
    "stats": "history_cmd",
    "workflow": "workflow_cmd",
    "cost": "cost_cmd",
    "traces": "traces_cmd",
    "scan": "scan",
    "secrets": "secrets_cmd",
    "db": "db_cmd",
    "serve": "serve_cmd",
    "token": "serve_cmd",
    "completion": "completion_cmd",
}


def command_module(name: str) -> ModuleType:
    """The module ``scriptrunner.cli.NAME`` (imported only when its command is used)."""
    import importlib

    return importlib.import_module(f"scriptrunner.cli.{name}")


#: Global options that take a value (the value is not the command).
_VALUE_OPTIONS = ("--home", "--database-url")


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names, or None when the full parser is needed (top-level
    ``--help``/``--version``, no command, an unknown one: argparse lists the choices)."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUE_OPTIONS:
            next(args, None)
        elif arg.startswith(tuple(o + "=" for o in _VALUE_OPTIONS)):
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg if arg in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser; with ``command``, only that sub-command is registered."""
    from scriptrunner.cli import options
    from scriptrunner.version import __version__

    parser = options.Parser(
        prog="scriptrunner",
        description="Run Python scripts and workflows safely and observably. "
        "`scriptrunner COMMAND --help` describes each command.",
        epilog=options.examples(
            "scriptrunner run job.py --date 2026-11-27",
            "scriptrunner workflow run nightly.yaml",
            "scriptrunner history --limit 10",
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"scriptrunner {__version__}",
        help="print the version (scriptrunner X.Y.Z) and exit",
    )
    parser.add_argument(
        "--home", metavar="DIR", help="data directory (default: $SCRIPTRUNNER_HOME or per-user)"
    )
    parser.add_argument(
        "--database-url", metavar="URL", help="history store URL (default: embedded SQLite)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in (COMMANDS[command],) if command in COMMANDS else MODULES:
        command_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI (the full path: argparse and ``app.RunSession``); returns the exit code."""
    from scriptrunner.errors import ScriptRunnerError

    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(command_of(words)).parse_args(words)
    try:
        code: int = args.handler(args)
        return code
    except ScriptRunnerError as exc:
        # Messages quote user input (paths, arguments): control characters are escaped.
        from scriptrunner.display import shown  # only on this path: it costs 1 ms at start-up

        print(f"scriptrunner: error: {shown(exc, lines=True)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scriptrunner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `scriptrunner history | head`: the reader left; that is not an error of ours.
        return 0


def fast(argv: Sequence[str]) -> int | None:
    """``scriptrunner run`` on the fast path (``cli.fast_run``) when it handles ``argv``:
    the exit code; None when the full path must run it (nothing was started or recorded)."""
    from scriptrunner.cli import fast_run

    plan = fast_run.plan(argv)
    return fast_run.execute(plan) if plan is not None else None


def entry() -> None:  # pragma: no cover - thin wrapper for console scripts
    """The console script: the fast path, else :func:`main`.  After a fast run the process
    ends at once (``exits.exit_now``) when its output is flushed: no interpreter teardown."""
    argv = sys.argv[1:]
    if argv[:1] == ["run"] or argv[2:3] == ["run"]:
        try:
            code = fast(argv)
        except KeyboardInterrupt:  # Ctrl-C before the fast path's handlers: nothing ran
            print("scriptrunner: interrupted", file=sys.stderr)
            sys.exit(130)
        if code is not None:
            from scriptrunner.exits import exit_now

            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                exit_now(code)
    sys.exit(main(argv))


if __name__ == "__main__":  # pragma: no cover
    entry()
