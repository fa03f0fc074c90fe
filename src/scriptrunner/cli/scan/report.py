"""What every ``scan`` kind shares: the report options (``--format``, ``-o``, ``--fail-on``,
``--baseline``...) and :func:`finish` (baseline, render, record, exit code): the one place
the CLI stores a scan (through the application layer's ``app.scans.record_scan``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from scriptrunner.findings.model import Finding, ScanResult
    from scriptrunner.settings import Settings

EPILOG = """\
exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a scanner
failed or is missing, or bad usage (an incomplete scan is never reported as clean)."""


def add_report_options(p: argparse.ArgumentParser, *, cache: bool = True) -> None:
    """Options every scan kind shares (``--no-cache`` only for kinds that keep a cache)."""
    from scriptrunner.findings import FORMATS
    from scriptrunner.findings.model import Severity

    p.add_argument("--format", choices=FORMATS, default="table", help="report format (table)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here (default stdout)")
    p.add_argument(
        "--fail-on",
        choices=tuple(s.name.lower() for s in Severity),
        default="warning",
        type=str.lower,
        metavar="LEVEL",
        help="exit 1 if a finding is at or above this severity: info, warning (default), "
        "high, critical",
    )
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


def finish(
    args: argparse.Namespace,
    settings: Settings,
    kind: str,
    result: ScanResult,
    started: float,
    *,
    blocking: Callable[[Finding], bool] | None = None,
) -> int:
    """Baseline, report, record; returns the exit code (see ``EPILOG``).

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
        color = args.format == "table" and sys.stdout.isatty()
        sys.stdout.write(render(result, args.format, color=color))
    if not args.no_record:  # the scan, its findings and its events, through the spine
        from scriptrunner.app.scans import record_scan

        record_scan(settings, kind, result, started_at=started)
    if not result.complete:
        print_failures(result)
        return 2
    if blocking is not None:
        return 1 if any(blocking(f) for f in result.findings) else 0
    return 1 if result.at_or_above(Severity.parse(args.fail_on)) else 0


def print_failures(result: ScanResult) -> None:
    """The tools that failed, and why the scan is not reported as clean."""
    for e in result.failures:
        print(f"scriptrunner: error: {e.tool} failed: {e.message}", file=sys.stderr)
    print("scriptrunner: error: the scan is incomplete; not reporting it as clean", file=sys.stderr)


__all__ = ["EPILOG", "add_report_options", "finish", "print_failures"]
