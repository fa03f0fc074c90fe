"""What every ``scan`` kind shares: the report options (``--format``, ``-o``, ``--fail-on``,
``--baseline``...), :func:`run_scan` (the scan, with a spinner on a terminal) and
:func:`finish` (baseline, render, record, exit code): the one place the CLI stores a scan
(through the application layer's ``app.scans.record_scan``).

The ``table`` format is for people: on a terminal it fits the terminal's width (``scan deps``
shows the compact dependency table); through a pipe or into ``-o FILE`` it is one finding
per line, ``path:line: SEVERITY rule-id title``, without colour.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from scriptrunner.cli import options

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from scriptrunner.findings import Terminal
    from scriptrunner.findings.model import Finding, ScanResult
    from scriptrunner.findings.table import Layout
    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.settings import Settings

EPILOG = """\
exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a scanner
failed or is missing, or bad usage (an incomplete scan is never reported as clean)."""


def add_report_options(
    p: argparse.ArgumentParser,
    *,
    cache: bool = True,
    fail_on: str | None = "warning",
    fail_what: str = "exit 1",
) -> None:
    """Options every scan kind shares (``--no-cache`` only for kinds that keep a cache)."""
    from scriptrunner.findings import FORMATS

    options.add_report_format(p, FORMATS, default="table")
    options.add_fail_on(p, default=fail_on, what=fail_what)
    p.add_argument(
        "--baseline", metavar="FILE", help="ignore findings whose fingerprint is in this file"
    )
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="write the current findings to --baseline FILE (and exit 0)",
    )
    if cache:
        p.add_argument("--no-cache", action="store_true", help="do not reuse cached results")
    p.add_argument("--no-record", action="store_true", help="do not store the scan in history")


def run_scan(
    kind: str, context: ScanContext, targets: Sequence[Path], *, fmt: str | None = None
) -> ScanResult:
    """Scan ``targets`` with the ``kind`` scanner; on a terminal, a spinner on stderr tells
    how far it has got once the scan takes longer than 2 s.  A report format ``fmt`` of
    another scan kind (``gitlab-deps`` for ``scan code``) is refused before anything runs."""
    import dataclasses

    from scriptrunner.cli.scan.progress import Spinner
    from scriptrunner.findings import check_scan_kind
    from scriptrunner.scanners.base import get_scanner

    if fmt is not None:
        check_scan_kind(fmt, kind)

    with Spinner(kind) as spinner:
        context = dataclasses.replace(context, progress=spinner.update)
        return get_scanner(kind, context).scan(targets)


def terminal_of(fmt: str) -> Terminal | None:
    """The terminal stdout is, for the ``table`` format (None: a pipe, a file, or another
    format).  Colour unless ``NO_COLOR`` is set or ``TERM`` is ``dumb``."""
    import os

    from scriptrunner.display import terminal_width
    from scriptrunner.findings import Terminal

    if fmt != "table" or not sys.stdout.isatty():
        return None
    color = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return Terminal(terminal_width(), color=color)


def finish(
    args: argparse.Namespace,
    settings: Settings,
    kind: str,
    result: ScanResult,
    started: float,
    *,
    blocking: Callable[[Finding], bool] | None = None,
) -> int:
    """Baseline, report, record; returns the exit code (see ``EPILOG``).  On exit 1 after a
    ``table`` report, stderr says how to allow one finding or baseline them all
    (:mod:`~scriptrunner.cli.scan.hints`).

    ``blocking`` (when given) decides which findings make the exit code 1, instead of
    ``--fail-on``'s severity test.
    """
    from pathlib import Path

    from scriptrunner.errors import ConfigError
    from scriptrunner.findings import apply_baseline, load_baseline, render, write_baseline
    from scriptrunner.findings.model import Severity

    baseline = Path(args.baseline) if args.baseline else None
    if args.update_baseline:
        if baseline is None:
            raise ConfigError("--update-baseline needs --baseline FILE")
        if not result.complete:
            print_failures(result)
            return 2  # never accept an incomplete scan as the new normal
        count = write_baseline(baseline, result.findings)
        print(f"scriptrunner: baseline {baseline}: {count} finding(s) recorded", file=sys.stderr)
        return 0
    if baseline is not None:
        result = apply_baseline(result, load_baseline(baseline), str(baseline))

    if args.output:
        text = render(result, args.format)
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {args.output}: {exc.strerror}") from exc
        from scriptrunner.findings.table import summary

        print(f"scriptrunner: {summary(result)} -> {args.output}", file=sys.stderr)
    else:
        layout: Layout = "deps" if kind == "deps" else "findings"
        sys.stdout.write(
            render(result, args.format, terminal=terminal_of(args.format), layout=layout)
        )
    if not args.no_record:  # the scan, its findings and its events, through the spine
        from scriptrunner.app.scans import record_scan

        record_scan(settings, kind, result, started_at=started)
    if not result.complete:
        print_failures(result)
        return 2
    if blocking is not None:
        blocked = sum(1 for f in result.findings if blocking(f))
    else:
        blocked = len(result.at_or_above(Severity.parse(args.fail_on)))
    if blocked:
        from scriptrunner.cli.scan.hints import print_blocked_hint

        print_blocked_hint(kind, blocked, args)
    return 1 if blocked else 0


def print_failures(result: ScanResult) -> None:
    """The tools that failed, and why the scan is not reported as clean."""
    for e in result.failures:
        print(f"scriptrunner: error: {e.tool} failed: {e.message}", file=sys.stderr)
    print("scriptrunner: error: the scan is incomplete; not reporting it as clean", file=sys.stderr)


__all__ = ["EPILOG", "add_report_options", "finish", "print_failures", "run_scan", "terminal_of"]
