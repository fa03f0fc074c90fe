"""``scriptrunner run``: run one script or command with monitoring, timeout and retries."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from scriptrunner.cli.common import (
    fmt_bytes,
    fmt_seconds,
    parse_pairs,
    prepare_cost_and_trace,
    settings_from,
)

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
    p.add_argument(
        "--secret",
        action="append",
        metavar="NAME=REF",
        help="fetch a secret (vault://, aws-sm://, azure-kv://) into the child's variable "
        "NAME; masked as *** in output and history (docs/secrets.md)",
    )
    p.add_argument("--cwd", metavar="DIR", help="working directory")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label the run")
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
        "--block-on",
        metavar="LEVEL",
        help="with --scan: do not run (exit 3) on findings at or above LEVEL (default high)",
    )
    p.add_argument("--tail-bytes", type=int, metavar="N", help="output kept per stream (64 KiB)")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="do not echo the output")
    p.add_argument(
        "--trace", action="store_true", help="record an OpenTelemetry trace (docs/tracing.md)"
    )
    p.add_argument("target", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.core.cancel import CancelToken
    from scriptrunner.core.retry import RetryPolicy, parse_exit_codes
    from scriptrunner.core.runner import Runner, RunOptions
    from scriptrunner.core.spec import RunSpec
    from scriptrunner.errors import ConfigError, ScriptRunnerError
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
    secret_refs: dict[str, str] = {}
    if args.secret:  # references checked now: a typo fails before any scan or fetch
        from scriptrunner.cli.secrets_cmd import parse_secret_args

        secret_refs = parse_secret_args(args.secret)
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

    gate_run_id = None
    if args.scan or args.block_on:  # before the store opens: a blocked script never starts
        from scriptrunner.cli.scan.gate import run_gate

        if not args.scan:
            raise ConfigError("--block-on needs --scan KINDS")
        gate_run_id = run_gate(args, settings, spec)

    secrets: dict[str, str] = {}
    masker = None
    if secret_refs:  # fetched now: a secret that cannot be fetched stops the run (exit 2)
        from scriptrunner.cli.secrets_cmd import resolve_for_run

        secrets, masker = resolve_for_run(secret_refs, spec.env)

    coster, trace_config = prepare_cost_and_trace(args, settings)

    echo = not args.quiet
    options = RunOptions(
        tail_bytes=settings.tail_bytes,
        kill_grace=settings.kill_grace,
        sample_interval=settings.sample_interval,
        max_samples=settings.max_samples,
        echo_stdout=sys.stdout.buffer if echo else None,
        echo_stderr=sys.stderr.buffer if echo else None,
        output_filter=masker or None,
    )
    store = open_store(settings)
    bus = None
    restore_logging = None
    if masker:  # everything stored, published or logged from here on is masked
        from scriptrunner.events import EventBus
        from scriptrunner.vaults.redaction import MaskingBus, MaskingStore, mask_logging

        store = MaskingStore(store, masker)
        bus = MaskingBus(EventBus(store), masker)
        restore_logging = mask_logging(masker)
    tracing = None
    if trace_config is not None:
        import dataclasses

        from scriptrunner.tracing.session import start_tracing

        tracing = start_tracing(trace_config, store=store)
        env_hook = tracing.env_hook
        if masker:
            env_hook = _masked_hook(env_hook, masker)
        options = dataclasses.replace(options, env_hook=env_hook)
    token = CancelToken()
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: token.cancel(signum))
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    attribution = cost_error = None
    try:
        runner = Runner(store, bus=bus, options=options)
        if tracing is not None:
            tracing.attach(runner.bus)
        try:
            result = runner.run(spec, cancel=token, run_id=gate_run_id, extra_env=secrets)
        except ScriptRunnerError as exc:
            if masker:  # "command not found: <a value typed on the command line>"
                exc.args = (masker.mask(str(exc)),)
            raise
        if coster is not None:
            try:
                attribution = coster.record(store, result)
            except ScriptRunnerError as exc:  # the run happened: keep its exit code
                cost_error = exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if tracing is not None:  # waits at most the export timeout; never fails the run
            for line in tracing.close():
                print(f"scriptrunner: warning: {line}", file=sys.stderr)
        store.close()
        if restore_logging is not None:
            restore_logging()

    shown = masker.mask if masker else str
    if args.json:
        import json

        summary = result.as_dict()
        if attribution is not None:
            summary["cloud_cost_usd"] = float(attribution.usd)
        if masker:
            summary = masker.mask_obj(summary)
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    elif not args.quiet:
        m = result.metrics
        mark = "ok" if result.ok else result.status.replace("_", " ")
        print(
            f"scriptrunner: {mark} · exit {result.exit_code} · {fmt_seconds(result.duration)}"
            f" · CPU {fmt_seconds(m.cpu_seconds)} · peak RSS {fmt_bytes(m.peak_rss_bytes)}"
            f" · attempts {len(result.attempts)} · run {result.run_id[:12]}",
            file=sys.stderr,
        )
    if attribution is not None and not args.quiet:
        from scriptrunner.costs.render import fmt_usd

        for warning in attribution.estimate.warnings:
            print(f"scriptrunner: warning: {warning}", file=sys.stderr)
        print(
            f"scriptrunner: cost {fmt_usd(attribution.usd)} as {args.cost_profile}", file=sys.stderr
        )
    if cost_error is not None:
        print(f"scriptrunner: error: cost not recorded: {shown(str(cost_error))}", file=sys.stderr)
    if result.error:
        print(f"scriptrunner: error: {shown(result.error)}", file=sys.stderr)
    if result.status == "cancelled" and token.signal is not None:
        return 128 + token.signal
    return result.exit_code


def _masked_hook(hook: Any, masker: Any) -> Any:
    """The tracing env hook, seeing the spec with its command line masked (span names)."""
    import dataclasses

    def masked(run_id: str, spec: Any) -> Any:
        clean = dataclasses.replace(
            spec,
            command=tuple(masker.mask(c) for c in spec.command),
            script=masker.mask(spec.script) if spec.script else spec.script,
        )
        return hook(run_id, clean)

    return masked
