"""``scriptrunner run``: run one script or command with monitoring, timeout and retries."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scriptrunner.cli import options
from scriptrunner.cli.common import (
    env_pair,
    exit_codes,
    parse_pairs,
    prepare_cost_and_trace,
    run_id_arg,
    seconds,
    settings_from,
    share,
    warn,
    whole,
)
from scriptrunner.cli.run_report import gate_printer, print_outcome
from scriptrunner.errors import ConfigError
from scriptrunner.limits import MAX_TAIL_BYTES

if TYPE_CHECKING:
    from scriptrunner.core.spec import RunSpec

USAGE = """\
scriptrunner run [OPTIONS] SCRIPT.py [ARGS...]
       scriptrunner run [OPTIONS] -- COMMAND [ARGS...]"""

EPILOG = """\
exit codes: the script's own; 128+N if it was killed by signal N; 124 on timeout;
2 if it could not be started (script not found, bad option, unwritable store);
3 if --scan found something at or above --fail-on (nothing ran).  A store that becomes
unreachable once the run started does not change the exit code: the rest of its history
is journaled (a warning says where) and written when the store is back."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a Python script or a command",
        usage=USAGE,
        epilog=EPILOG
        + "\n\n"
        + options.examples(
            "scriptrunner run job.py --date 2026-11-27",
            "scriptrunner run --timeout 600 --retries 3 --retry-delay 5 -- ./etl.sh",
            "scriptrunner run -q --json --scan code,secrets --fail-on high job.py",
        ),
        description="Run a Python script (with this interpreter or --python) or, after --, "
        "any command; stream its output, monitor its process tree and record it in history.",
    )
    p.add_argument("--python", metavar="PATH", help="interpreter for SCRIPT.py")
    p.add_argument(
        "--timeout",
        type=seconds("--timeout", positive=True),
        metavar="SECONDS",
        help="kill the tree after this",
    )
    p.add_argument(
        "--kill-grace",
        type=seconds("--kill-grace"),
        metavar="SECONDS",
        help="SIGTERM-to-SIGKILL grace (5)",
    )
    p.add_argument(
        "--retries", type=whole("--retries"), default=0, metavar="N", help="extra attempts (0)"
    )
    p.add_argument(
        "--retry-backoff",
        choices=("fixed", "linear", "exponential"),
        default="exponential",
        metavar="KIND",
        help="delay before retry n: fixed (d), linear (d*n) or exponential (d*2^(n-1), "
        "the default)",
    )
    p.add_argument(
        "--retry-delay",
        type=seconds("--retry-delay"),
        default=1.0,
        metavar="SECONDS",
        help="the base delay d before a retry (1)",
    )
    p.add_argument(
        "--retry-max-delay",
        type=seconds("--retry-max-delay"),
        default=60.0,
        metavar="SECONDS",
        help="cap on any delay before a retry (60)",
    )
    p.add_argument(
        "--retry-jitter",
        type=share("--retry-jitter"),
        default=0.0,
        metavar="FRACTION",
        help="shorten each delay randomly by up to this fraction (0-1)",
    )
    p.add_argument(
        "--retry-on",
        type=exit_codes("--retry-on"),
        metavar="CODES",
        default="",
        help="comma-separated exit codes to retry (default: any non-zero)",
    )
    p.add_argument(
        "--env",
        action="append",
        type=env_pair("--env"),
        metavar="K=V",
        help="set an environment variable",
    )
    p.add_argument(
        "--secret",
        action="append",
        type=env_pair("--secret", whole_pair=False),
        metavar="NAME=REF",
        help="fetch a secret (vault://, aws-sm://, azure-kv://) into the child's variable "
        "NAME; masked as *** in output and history (docs/secrets.md)",
    )
    p.add_argument("--cwd", metavar="DIR", help="working directory")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label the run")
    p.add_argument(
        "--run-id",
        type=run_id_arg(),
        metavar="ID",
        help="the run's id (32 lowercase hex digits, new to the store); used by the "
        "dashboard: lets a caller know the id before the run starts",
    )
    p.add_argument(
        "--cost-profile",
        metavar="PROFILE",
        help="attribute a cloud cost to the run, e.g. aws:m5.large, aws:lambda:1024MB, "
        "gcp:e2-standard-2 (see docs/costs.md)",
    )
    p.add_argument(
        "--scan",
        metavar="KINDS",
        help="security-scan before running: code, deps, secrets, comma-separated "
        "(docs/code-analysis.md, docs/dependency-scanning.md, docs/secrets.md)",
    )
    p.add_argument(
        "--requirements",
        metavar="FILE",
        help="with --scan deps: the requirements/lock file to check (default: the one next "
        "to the script, else its environment)",
    )
    p.add_argument(
        "--scan-path",
        action="append",
        metavar="PATH",
        help="with --scan: scan exactly this file or directory (repeatable) instead of the "
        "code the command is found to run; needed for python -c, shell commands and the like",
    )
    options.add_fail_on(p, default=None, what="with --scan: do not run (exit 3)")
    options.add_renamed(
        p, "--block-on", "--fail-on", dest="fail_on", type=options.level("--fail-on")
    )
    p.add_argument(
        "--tail-bytes",
        type=whole("--tail-bytes", maximum=MAX_TAIL_BYTES),
        metavar="N",
        help="output kept per stream (64 KiB)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="do not echo the output")
    p.add_argument(
        "--trace", action="store_true", help="record an OpenTelemetry trace (docs/tracing.md)"
    )
    p.add_argument("target", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(handler=handle)
    p.add_argument(
        "--keep-daemons",
        action="store_true",
        help="let processes the command leaves running (daemons) live on after it ends "
        "(default: they are ended with each attempt)",
    )


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.app import RunRequest, RunSession

    spec = _spec(args)
    settings = settings_from(args, tail_bytes=args.tail_bytes, kill_grace=args.kill_grace)
    secrets: dict[str, str] = {}
    if args.secret:  # references checked now: a typo fails before any scan or fetch
        from scriptrunner.vaults.run_secrets import parse_secret_args

        secrets = parse_secret_args(args.secret)
    gate = None
    if args.scan or args.fail_on or args.scan_path:
        from scriptrunner.gates.base import parse_policy

        if not args.scan:
            flag = "--fail-on" if args.fail_on else "--scan-path"
            raise ConfigError(f"{flag} needs --scan KINDS")
        gate = parse_policy(args.scan, args.fail_on)
    coster, trace = prepare_cost_and_trace(args, settings)
    echo = not args.quiet
    request = RunRequest(
        spec,
        run_id=args.run_id,
        gate=gate,
        requirements=Path(args.requirements) if args.requirements else None,
        scan_paths=tuple(args.scan_path or ()),
        secrets=secrets,
        trace=trace,
        coster=coster,
        echo_stdout=sys.stdout.buffer if echo else None,
        echo_stderr=sys.stderr.buffer if echo else None,
    )
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    with RunSession(settings, signals=signals, warn=warn) as session:
        outcome = session.run(request, on_gate=gate_printer(args) if gate else None)
    print_outcome(args, outcome, settings)
    token = session.token
    if outcome.result.status == "cancelled" and token.signal is not None:
        return 128 + token.signal
    return outcome.result.exit_code


def _spec(args: argparse.Namespace) -> RunSpec:
    from scriptrunner.core.retry import RetryPolicy, parse_exit_codes
    from scriptrunner.core.spec import RunSpec

    target: list[str] = list(args.target)
    as_command = bool(target) and target[0] == "--"
    if as_command:
        target = target[1:]
    if not target:
        raise ConfigError("nothing to run: usage: " + USAGE.replace("\n      ", ""))
    if args.retries < 0:
        raise ConfigError(f"--retries must be >= 0, got {args.retries}")
    retry = RetryPolicy(
        retries=args.retries,
        backoff=args.retry_backoff,
        delay=args.retry_delay,
        max_delay=args.retry_max_delay,
        jitter=args.retry_jitter,
        retry_on=parse_exit_codes(args.retry_on),
    )
    env, tags = parse_pairs(args.env, "--env"), parse_pairs(args.tag, "--tag")
    if as_command:
        return RunSpec(
            command=tuple(target),
            cwd=args.cwd,
            env=env,
            timeout=args.timeout,
            retry=retry,
            tags=tags,
            keep_daemons=args.keep_daemons,
        )
    return RunSpec.for_script(
        target[0],
        target[1:],
        python=args.python,
        cwd=args.cwd,
        env=env,
        timeout=args.timeout,
        retry=retry,
        tags=tags,
        keep_daemons=args.keep_daemons,
    )
