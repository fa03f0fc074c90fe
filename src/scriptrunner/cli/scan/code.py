"""``scriptrunner scan code``: Bandit, Semgrep and the taint analysis on Python files."""

from __future__ import annotations

import argparse
import time
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from
from scriptrunner.cli.scan.report import EPILOG, add_report_options, finish, run_scan


def register(kinds: Any) -> None:
    from scriptrunner.scanners.code.scanner import TOOLS

    p = kinds.add_parser(
        "code",
        help="static analysis of Python code (Bandit + Semgrep + taint analysis)",
        epilog=EPILOG
        + "\n\n"
        + options.examples(
            "scriptrunner scan code src/",
            "scriptrunner scan code . --format sarif -o results.sarif",
            "scriptrunner scan code . --baseline scan-baseline.json --fail-on medium",
        ),
        description="Run Bandit, Semgrep (bundled rules, offline) and the taint analysis (data "
        "flows across functions and modules) in parallel on Python files, merge what they "
        "find, honour # nosec / # nosemgrep / "
        "# scriptrunner: ignore[RULE] (suppressed findings are still reported as such).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to scan")
    p.add_argument(
        "--tool",
        action="append",
        choices=TOOLS,
        metavar="TOOL",
        help=f"run only this tool: {', '.join(TOOLS)} (repeatable; default all)",
    )
    p.add_argument(
        "--rules", action="append", metavar="DIR", help="extra Semgrep rules (repeatable)"
    )
    p.add_argument(
        "--exclude", action="append", metavar="GLOB", help="skip matching paths (repeatable)"
    )
    add_report_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.options import CodeOptions

    settings = settings_from(args)
    started = time.time()
    opts = CodeOptions(
        tools=tuple(args.tool or ()),
        rules=tuple(Path(r) for r in args.rules or ()),
        exclude=tuple(args.exclude or ()),
    )
    context = ScanContext(
        root=Path.cwd(),
        cache_dir=None if args.no_cache else settings.home / "cache",
        tool_paths={"semgrep": settings.semgrep},
        options=opts,
    )
    result = run_scan("code", context, [Path(p) for p in args.paths], fmt=args.format)
    return finish(args, settings, "code", result, started)
