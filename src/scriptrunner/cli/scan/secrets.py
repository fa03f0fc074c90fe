"""``scriptrunner scan secrets``: credentials in files, the git index or git history.

Shares ``--format``, ``-o``, ``--baseline``/``--update-baseline`` and recording with the other
scan kinds (:func:`report.add_report_options`, :func:`report.finish`).  The exit code
follows ``--min-confidence`` (default ``medium``): findings below it are not reported, and any
reported (not suppressed, not baselined) finding exits 1.  ``--fail-on LEVEL``, when given,
additionally requires that severity.  Errors (bad input, git failing) exit 2.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from, whole
from scriptrunner.cli.scan.report import add_report_options, finish, run_scan

if TYPE_CHECKING:
    from scriptrunner.findings.model import Finding

EPILOG_SECRETS = """\
exit codes: 0 no finding at or above --min-confidence; 1 findings at or above it (and at or
above --fail-on when given); 2 bad usage or a failed scan (an incomplete scan is never
reported as clean).

pragmas: a finding on a line with `# scriptrunner:allow-secret`, `gitleaks:allow` or
`pragma: allowlist secret` (any comment syntax), or after a line with
`pragma: allowlist nextline secret`, is reported as suppressed and does not fail the scan."""


def register(kinds: Any) -> None:
    """Add ``scan secrets`` to the ``scan`` sub-commands."""
    from scriptrunner.scanners.options import CONFIDENCE_LEVELS, SecretsOptions

    p = kinds.add_parser(
        "secrets",
        help="hard-coded credentials: API keys, tokens, private keys, passwords",
        epilog=EPILOG_SECRETS
        + "\n\n"
        + options.examples(
            "scriptrunner scan secrets .",
            "scriptrunner scan secrets --staged",
            "scriptrunner scan secrets --git-history --since-commit HEAD~20 --format json "
            "-o secrets.json",
        ),
        description="Find credentials (267 detectors: cloud, VCS, CI, SaaS, payment, messaging "
        "and AI provider keys, checksums verified where the format has one, private keys, "
        "JWTs, connection URLs, command-line and header credentials, base64/URL-encoded "
        "values, generic password/secret/key assignments in every common syntax) in files "
        "(.gitignore respected, except for files such as .env that hold credentials by "
        "convention), in the staged changes or in git history.  Values are "
        "redacted in every output.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default .)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--staged", action="store_true", help="scan the lines added in the git index")
    mode.add_argument(
        "--git-history", action="store_true", help="scan the lines every commit added"
    )
    p.add_argument(
        "--since-commit",
        dest="since",
        metavar="REV",
        help="with --git-history: only the commits after the git revision REV",
    )
    options.add_renamed(p, "--since", "--since-commit", dest="since", metavar="REV")
    p.add_argument(
        "--exclude", action="append", metavar="GLOB", help="skip matching paths (repeatable)"
    )
    p.add_argument(
        "--min-confidence",
        choices=CONFIDENCE_LEVELS.names(),
        default=SecretsOptions().min_confidence,
        type=str.lower,
        metavar="LEVEL",
        help="report (and fail on) findings of at least this confidence: "
        f"{', '.join(CONFIDENCE_LEVELS.names())} (default medium)",
    )
    p.add_argument(
        "--no-gitignore", action="store_true", help="also scan files .gitignore excludes"
    )
    p.add_argument(
        "--max-file-bytes",
        type=whole("--max-file-bytes", minimum=1),
        metavar="N",
        help="skip (and report) files larger than this (default 2 MiB)",
    )
    p.add_argument(
        "--workers",
        type=whole("--workers", minimum=1, maximum=1024),
        metavar="N",
        help="worker processes (default: CPUs)",
    )
    # --fail-on applies only when given (findings are already filtered by confidence).
    add_report_options(p, cache=False, fail_on=None, fail_what="with --min-confidence, exit 1 only")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scriptrunner.errors import ConfigError
    from scriptrunner.findings.model import Severity
    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.options import (
        CONFIDENCE_LEVELS,
        DEFAULT_MAX_FILE_BYTES,
        SecretsOptions,
    )

    if args.since and not args.git_history:
        raise ConfigError("--since-commit needs --git-history")
    if args.max_file_bytes is not None and args.max_file_bytes <= 0:
        raise ConfigError("--max-file-bytes must be a positive number of bytes")
    settings = settings_from(args)
    started = time.time()
    opts = SecretsOptions(
        exclude=tuple(args.exclude or ()),
        min_confidence=args.min_confidence,
        staged=args.staged,
        git_history=args.git_history,
        since=args.since,
        gitignore=not args.no_gitignore,
        max_file_bytes=args.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
        workers=args.workers or None,
    )
    context = ScanContext(root=Path.cwd(), options=opts)
    result = run_scan("secrets", context, [Path(p) for p in args.paths or ["."]], fmt=args.format)
    floor = CONFIDENCE_LEVELS.get(args.min_confidence)
    level = Severity.parse(args.fail_on) if args.fail_on else None

    def blocking(f: Finding) -> bool:
        if CONFIDENCE_LEVELS.get((f.confidence or "LOW").lower()) < floor:
            return False
        return level is None or f.severity >= level

    return finish(args, settings, "secrets", result, started, blocking=blocking)


__all__ = ["handle", "register"]
