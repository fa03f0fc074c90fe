"""Entry point: ``scriptrunner`` and ``python -m scriptrunner``.

The parser is argparse rather than click/typer on purpose: ``scriptrunner run`` pays every
millisecond of start-up on every run, and click alone costs about 20 ms to import, as much
as starting Python itself (measured in ``bench/runner_overhead.py``).  Sub-commands import
their heavy dependencies (SQLAlchemy, rich) only when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scriptrunner import __version__
from scriptrunner.cli import (
    cost_cmd,
    db_cmd,
    history_cmd,
    run_cmd,
    scan_cmd,
    secrets_cmd,
    traces_cmd,
    workflow_cmd,
)
from scriptrunner.errors import ScriptRunnerError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scriptrunner",
        description="Run Python scripts and workflows safely and observably.",
    )
    parser.add_argument("--version", action="version", version=f"scriptrunner {__version__}")
    parser.add_argument(
        "--home", metavar="DIR", help="data directory (default: $SCRIPTRUNNER_HOME or per-user)"
    )
    parser.add_argument(
        "--database-url", metavar="URL", help="history store URL (default: embedded SQLite)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    run_cmd.register(sub)
    history_cmd.register(sub)
    workflow_cmd.register(sub)
    cost_cmd.register(sub)
    traces_cmd.register(sub)
    scan_cmd.register(sub)
    secrets_cmd.register(sub)
    db_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        code: int = args.handler(args)
        return code
    except ScriptRunnerError as exc:
        print(f"scriptrunner: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scriptrunner: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `scriptrunner history | head`: the reader left; that is not an error of ours.
        return 0


def entry() -> None:  # pragma: no cover - thin wrapper for console scripts
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
