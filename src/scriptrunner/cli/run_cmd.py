"""``scriptrunner run``: run one script or command with monitoring, timeout and retries."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from scriptrunner.cli.common import fmt_bytes, fmt_seconds, parse_pairs, settings_from

USAGE = """\
scriptrunner run [OPTIONS] SCRIPT.py [ARGS...]
       scriptrunner run [OPTIONS] -- COMMAND [ARGS...]"""

EPILOG = """\
exit codes: the script's own; 128+N if it was killed by signal N; 124 on timeout;
2 if it could not be started (script not found, bad option, unwritable store)."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a Python script or a command",
        usage=USAGE,
        epilog=EPILOG,
        description="Run a Python script (with this interpreter or --python) or, after --, "
        "any command; stream its output, monitor its process tree and record it in history.",
    )
    p.add_argument("--python", metavar="PATH", help="interpreter for SCRIPT.py")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="kill the tree after this")
    p.add_argument(
        "--kill-grace", type=float, metavar="SECONDS", help="SIGTERM-to-SIGKILL grace (5)"
    )
    p.add_argument("--retries", type=int, default=0, metavar="N", help="extra attempts (0)")
    p.add_argument(
        "--retry-backoff", choices=("fixed", "linear", "exponential"), default="exponential"
    )
    p.add_argument("--retry-delay", type=float, default=1.0, metavar="SECONDS")
    p.add_argument("--retry-max-delay", type=float, default=60.0, metavar="SECONDS")
    p.add_argument(
        "--retry-jitter",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="shorten each delay randomly by up to this fraction (0-1)",
    )
    p.add_argument(
        "--retry-on",
        metavar="CODES",
        default="",
        help="comma-separated exit codes to retry (default: any non-zero)",
    )
    p.add_argument("--env", action="append", metavar="K=V", help="set an environment variable")
    p.add_argument("--cwd", metavar="DIR", help="working directory")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label the run")
    p.add_argument("--tail-bytes", type=int, metavar="N", help="output kept per stream (64 KiB)")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="do not echo the output")
    p.add_argument("target", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.core.cancel import CancelToken
    from scriptrunner.core.retry import RetryPolicy, parse_exit_codes
    from scriptrunner.core.runner import Runner, RunOptions
    from scriptrunner.core.spec import RunSpec
    from scriptrunner.errors import ConfigError
    from scriptrunner.store import open_store

    target: list[str] = list(args.target)
    as_command = bool(target) and target[0] == "--"
    if as_command:
        target = target[1:]
    if not target:
        raise ConfigError("nothing to run: usage: " + USAGE.replace("\n      ", ""))
    settings = settings_from(args, tail_bytes=args.tail_bytes, kill_grace=args.kill_grace)
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
    common: dict[str, Any] = {
        "env": parse_pairs(args.env, "--env"),
        "timeout": args.timeout,
        "retry": retry,
        "tags": parse_pairs(args.tag, "--tag"),
    }
    if as_command:
        spec = RunSpec(command=tuple(target), cwd=args.cwd, **common)
    else:
        spec = RunSpec.for_script(target[0], target[1:], python=args.python, cwd=args.cwd, **common)

    echo = not args.quiet
    options = RunOptions(
        tail_bytes=settings.tail_bytes,
        kill_grace=settings.kill_grace,
        sample_interval=settings.sample_interval,
        max_samples=settings.max_samples,
        echo_stdout=sys.stdout.buffer if echo else None,
        echo_stderr=sys.stderr.buffer if echo else None,
    )
    store = open_store(settings)
    token = CancelToken()
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: token.cancel(signum))
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        result = Runner(store, options=options).run(spec, cancel=token)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.close()

    if args.json:
        import json

        sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
    elif not args.quiet:
        m = result.metrics
        mark = "ok" if result.ok else result.status.replace("_", " ")
        print(
            f"scriptrunner: {mark} · exit {result.exit_code} · {fmt_seconds(result.duration)}"
            f" · CPU {fmt_seconds(m.cpu_seconds)} · peak RSS {fmt_bytes(m.peak_rss_bytes)}"
            f" · attempts {len(result.attempts)} · run {result.run_id[:12]}",
            file=sys.stderr,
        )
    if result.error:
        print(f"scriptrunner: error: {result.error}", file=sys.stderr)
    if result.status == "cancelled" and token.signal is not None:
        return 128 + token.signal
    return result.exit_code
