"""One attempt: start the process, stream its output, monitor its tree, enforce the timeout.

This is where a run meets the operating system; :mod:`scriptrunner.core.runner` wraps it
with retries, history and events (and a Dask worker calls it directly).
"""

from __future__ import annotations

import contextlib
import dataclasses
import resource
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, BinaryIO

from scriptrunner import limits
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.hub import hub
from scriptrunner.core.monitor import Monitor
from scriptrunner.core.output import OutputFilter, OutputStream, TailBuffer
from scriptrunner.core.process import ExitInfo, ProcessTree, spawn, wait_with_rusage
from scriptrunner.core.spec import RunSpec
from scriptrunner.core.supervise import attempt_mark, lifeline, untrack_root
from scriptrunner.errors import RunnerError
from scriptrunner.payloads import measured
from scriptrunner.results import TIMEOUT_EXIT_CODE, AttemptResult, Metrics, RunStatus

DRAIN_SECONDS = limits.DRAIN_SECONDS
#: After that, how long the shared I/O thread may still need to catch up with output that is
#: complete (every writer of the pipe is gone) on a loaded machine, before it is given up.
CATCH_UP_SECONDS = 30.0

#: Runs one attempt: (spec, n, cwd, env, token, stdout tail, stderr tail, delay before it,
#: callback once the process is started) -> the attempt's result.
AttemptFn = Callable[
    [
        RunSpec,
        int,
        str,
        Mapping[str, str],
        CancelToken,
        TailBuffer,
        TailBuffer,
        float,
        Callable[[], None],
    ],
    AttemptResult,
]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How the runner behaves, independent of what it runs (from :class:`Settings`)."""

    tail_bytes: int = 64 * 1024
    kill_grace: float = 5.0
    sample_interval: float = 1.0
    max_samples: int = 512
    #: Copy output live to these streams (the CLI passes the terminal); None captures only.
    echo_stdout: BinaryIO | None = None
    echo_stderr: BinaryIO | None = None
    #: Applied to every output chunk before it is shown or kept (secret masking); one with
    #: an ``open_stream()`` method gives each pipe its own stateful filter, flushed at EOF
    #: (``core.output.StreamFilterFactory``).
    output_filter: OutputFilter | None = None
    #: Called once per run with its id and spec, after the command was found and before
    #: the first process starts; the variables it returns go to every attempt (tracing
    #: adds TRACEPARENT here: bus events come too late for the first spawn's environment).
    env_hook: Callable[[str, RunSpec], Mapping[str, str]] | None = None

    def with_env_hook(self, hook: Callable[[str, RunSpec], Mapping[str, str]]) -> RunOptions:
        return dataclasses.replace(self, env_hook=hook)


def run_attempt(
    opts: RunOptions,
    spec: RunSpec,
    n: int,
    cwd: str,
    env: Mapping[str, str],
    token: CancelToken,
    out: TailBuffer,
    err: TailBuffer,
    delay: float,
    after_spawn: Callable[[], None],
    *,
    on_spawn: Callable[[int], None] | None = None,
) -> AttemptResult:
    """Run attempt ``n`` in this process: spawn, stream, monitor, enforce the timeout.

    ``on_spawn`` gets the pid of the process as soon as it exists (a Dask worker reports
    it to the submitter)."""
    # The kernel's ru_maxrss of a child includes the memory of the runner it was forked
    # from (exec keeps the old high-water mark), so it is only trusted above this value.
    parent_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.time()
    m0 = time.monotonic()
    try:
        proc = spawn(spec.command, cwd, env)
    except OSError as exc:
        raise RunnerError(f"cannot start {spec.command[0]}: {exc.strerror or exc}") from exc
    tree = ProcessTree(proc.pid, _mark(env, n))
    watchdog = lifeline()
    if watchdog is not None:  # the child's group dies with the runner, however it dies
        watchdog.watch(tree.pgid)
    try:
        if on_spawn is not None:
            on_spawn(proc.pid)
        assert proc.stdout is not None and proc.stderr is not None
        streams = [
            (proc.stdout, OutputStream(out, opts.echo_stdout, opts.output_filter)),
            (proc.stderr, OutputStream(err, opts.echo_stderr, opts.output_filter)),
        ]
        io = hub()
        for source, stream in streams:
            io.read(source, stream.on_data, stream.on_eof)
        monitor = Monitor(tree, interval=opts.sample_interval, max_samples=opts.max_samples)
        monitor.start()

        timed_out = threading.Event()
        killer: list[threading.Thread] = []

        def in_background(fn: Callable[[float], None]) -> None:
            # Called on a timer or signal-handling path: never block the caller.
            t = threading.Thread(target=fn, args=(opts.kill_grace,), daemon=True)
            t.start()
            killer.append(t)

        def on_timeout() -> None:
            timed_out.set()
            in_background(tree.terminate)

        timer = None
        if spec.timeout is not None:
            timer = threading.Timer(spec.timeout, on_timeout)
            timer.daemon = True
            timer.start()

        def on_cancel(sig: int) -> None:
            # Forward the user's signal as is (Ctrl-C stays SIGINT, so scripts can clean
            # up), then escalate to SIGKILL if the tree is still there after the grace.
            if not killer:
                in_background(tree.kill_after)
            tree.send(sig)

        remove_cancel = token.add_callback(on_cancel)
        try:
            after_spawn()
            info = wait_with_rusage(proc)
            tree.reaped.set()
        finally:
            remove_cancel()
            if timer is not None:
                timer.cancel()
            monitor.stop()
    except BaseException:
        # No way out of an attempt leaves its tree running unsupervised: whatever failed
        # here (a broken output sink, an interrupt), the tree is killed and reaped first.
        _abandon(proc, tree)
        raise
    for t in list(killer):
        t.join()  # the whole tree is gone before the attempt counts as finished
    if not spec.keep_daemons:
        # What the child left running (background jobs, daemons that left its group or
        # session: they were re-parented to the runner) ends with the attempt.
        tree.end_leftovers(opts.kill_grace)
    if watchdog is not None:
        watchdog.release(tree.pgid)
    _drain(streams)
    wall = time.monotonic() - m0
    status, code = _status(info, timed_out.is_set(), token.cancelled)
    metrics = _metrics(info, monitor, wall, parent_hwm)
    attempt = AttemptResult(
        attempt=n,
        status=status,
        exit_code=code,
        started_at=t0,
        finished_at=t0 + wall,
        metrics=metrics,
        signal=info.signal,
        delay_before=delay,
    )
    return attempt


def _mark(env: Mapping[str, str], n: int) -> tuple[bytes, bytes] | None:
    run_id = env.get("SCRIPTRUNNER_RUN_ID")
    return attempt_mark(run_id, n) if run_id else None


def _abandon(proc: subprocess.Popen[bytes], tree: ProcessTree) -> None:
    """Kill the whole tree of an attempt that cannot go on, and reap its child."""
    try:
        tree.send(signal.SIGKILL)
    finally:
        if not tree.reaped.is_set():
            with contextlib.suppress(ChildProcessError, OSError):
                proc.wait()
            untrack_root(proc.pid)
            tree.reaped.set()


def _drain(streams: list[tuple[IO[bytes], OutputStream]]) -> None:
    """Wait until every stream reached EOF, within the drain time.

    Past :data:`DRAIN_SECONDS` a pipe that is still open is given up only when some process
    still holds its write end (a daemonised grandchild); when every writer is gone its EOF is
    certain and the I/O thread is merely behind (a loaded machine), so the output is waited
    for, up to :data:`CATCH_UP_SECONDS`, rather than lost.
    """
    start = time.monotonic()
    for source, stream in streams:
        while not stream.done.wait(max(0.0, start + DRAIN_SECONDS - time.monotonic())):
            if time.monotonic() - start > CATCH_UP_SECONDS or not _writers_gone(source):
                break
            stream.done.wait(0.05)


def _writers_gone(source: IO[bytes]) -> bool:
    """True when no process holds the pipe's write end any more (poll reports a hang-up)."""
    try:
        poller = select.poll()
        poller.register(source.fileno(), select.POLLIN)
        return any(event & select.POLLHUP for _, event in poller.poll(0))
    except (OSError, ValueError):  # closed meanwhile by the I/O thread: it reached EOF
        return False


def _status(info: ExitInfo, timed_out: bool, cancelled: bool) -> tuple[RunStatus, int]:
    if timed_out:
        return "timed_out", TIMEOUT_EXIT_CODE
    if cancelled:
        return "cancelled", info.exit_code
    return ("succeeded" if info.returncode == 0 else "failed"), info.exit_code


def _metrics(info: ExitInfo, monitor: Monitor | None, wall: float, parent_hwm: int) -> Metrics:
    """An attempt's metrics: the kernel's (``wait4``) with the samples of ``monitor``
    (None: the attempt ended before its first sample was due)."""
    samples = tuple(monitor.samples) if monitor is not None else ()
    values = measured(
        wall=wall,
        user=info.user_seconds,
        system=info.system_seconds,
        kernel_peak=info.maxrss_bytes,
        sampled_peak=monitor.peak_rss if monitor is not None else 0,
        sampled_cpu_max=max((s.cpu_percent for s in samples), default=0.0),
        parent_hwm=parent_hwm,
    )
    return Metrics(**values, samples=samples)
