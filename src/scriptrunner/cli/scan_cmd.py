"""``scriptrunner scan code ...`` and the pre-execution gate of ``scriptrunner run --scan``.

``scan`` has one sub-command per scanner kind; each adds its own options and shares the
report options (``--format``, ``-o``, ``--fail-on``, ``--baseline``) and :func:`finish`, so
``scan deps`` and ``scan secrets`` plug in the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from scriptrunner.cli.common import settings_from

if TYPE_CHECKING:
    from collections.abc import Callable

    from scriptrunner.findings.model import Finding, ScanResult
    from scriptrunner.settings import Settings

FORMATS = ("table", "json", "sarif", "github")
LEVELS = ("info", "warning", "high", "critical")

EPILOG = """\
exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a scanner
failed or is missing, or bad usage (an incomplete scan is never reported as clean)."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan",
        help="security scanners: code, deps, secrets",
        description="Security scanners; results are stored in history (scans, findings).",
    )
    kinds = p.add_subparsers(dest="scan_kind", metavar="KIND")
    kinds.required = True
    register_code(kinds)
    from scriptrunner.cli.scan_deps import register_deps

    register_deps(kinds)
    from scriptrunner.cli.scan_secrets import register_secrets

    register_secrets(kinds)


def add_report_options(p: argparse.ArgumentParser, *, cache: bool = True) -> None:
    """Options every scan kind shares (``--no-cache`` only for kinds that keep a cache)."""
    p.add_argument("--format", choices=FORMATS, default="table", help="report format (table)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here (default stdout)")
    p.add_argument(
        "--fail-on",
        choices=LEVELS,
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


def register_code(kinds: Any) -> None:
    p = kinds.add_parser(
        "code",
        help="static analysis of Python code (Bandit + Semgrep)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run Bandit and Semgrep (bundled rules, offline) in parallel on Python "
        "files, merge what both find, honour # nosec / # nosemgrep / "
        "# scriptrunner: ignore[RULE] (suppressed findings are still reported as such).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to scan")
    p.add_argument(
        "--tool",
        action="append",
        choices=("bandit", "semgrep"),
        help="run only this tool (repeatable; default both)",
    )
    p.add_argument(
        "--rules", action="append", metavar="DIR", help="extra Semgrep rules (repeatable)"
    )
    p.add_argument(
        "--exclude", action="append", metavar="GLOB", help="skip matching paths (repeatable)"
    )
    add_report_options(p)
    p.set_defaults(handler=handle_code)


def handle_code(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scriptrunner.scanners.base import ScanContext, get_scanner

    settings = settings_from(args)
    started = time.time()
    context = ScanContext(
        root=Path.cwd(),
        cache_dir=None if args.no_cache else settings.home / "cache",
        tool_paths={"semgrep": settings.semgrep},
        options={"tools": args.tool, "rules": args.rules or (), "exclude": args.exclude or ()},
    )
    result = get_scanner("code", context).scan([Path(p) for p in args.paths])
    return finish(args, settings, "code", result, started)


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
            _failures(result)
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
    if not args.no_record:
        from scriptrunner.app.scans import record_scan

        record_scan(settings, kind, result, started_at=started)
    if not result.complete:
        _failures(result)
        return 2
    if blocking is not None:
        return 1 if any(blocking(f) for f in result.findings) else 0
    return 1 if result.at_or_above(Severity.parse(args.fail_on)) else 0


def _failures(result: ScanResult) -> None:
    for e in result.failures:
        print(f"scriptrunner: error: {e.tool} failed: {e.message}", file=sys.stderr)
    print("scriptrunner: error: the scan is incomplete; not reporting it as clean", file=sys.stderr)


# -- the pre-execution gate of `scriptrunner run --scan KINDS` ------------------------------
