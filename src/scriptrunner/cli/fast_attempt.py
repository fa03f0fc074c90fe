"""The one attempt of a fast-path ``scriptrunner run`` (see :mod:`scriptrunner.cli.fast_run`).

The child is spawned before anything else is loaded; the watchdog, the store and the
``running`` row (``cli.fast_record``) are set up while it runs, and output is read with
``poll`` over its two pipes, a pidfd and the signal wake-up pipe, in this one thread.  The
rare paths (a signal, processes left behind, a run long enough to be sampled) use the
full path's own ``core`` classes, imported only then.
"""

from __future__ import annotations

import os
import time

from scriptrunner import limits
from scriptrunner.core import signals
from scriptrunner.core.supervise import (
    attempt_mark,
    become_subreaper,
    close_inherited,
    track_root,
    untrack_root,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from scriptrunner.core.monitor import Monitor
    from scriptrunner.core.process import ProcessTree
    from scriptrunner.core.supervise import Lifeline

#: The signals that cancel a run (the full path's ``cli.run_cmd``).
SIGNALS = (signals.SIGINT, signals.SIGTERM, signals.SIGHUP)
_CHUNK = 65536


class Plan:
    """What one fast-path run does (``cli.fast_run.plan`` makes it)."""

    __slots__ = (
        "command",
        "script",
        "cwd",
        "chdir",
        "env",
        "tags",
        "quiet",
        "keep_daemons",
        "tail_bytes",
        "store",
    )

    def __init__(self) -> None:
        self.command: list[str] = []  # the child's argv
        self.script: str | None = None  # the script's resolved path (None: a command)
        self.cwd = ""  # the child's working directory, absolute
        self.chdir: str | None = None  # --cwd
        self.env: dict[str, str] = {}  # --env
        self.tags: dict[str, str] = {}  # --tag
        self.quiet = False
        self.keep_daemons = False
        self.tail_bytes = limits.DEFAULT_TAIL_BYTES
        self.store = ""  # the SQLite file


class Attempt:
    """Spawn, record the start, stream, reap, record the end."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.run_id = os.urandom(16).hex()  # results.new_run_id, without the dataclasses
        self.signal: int | None = None
        self.pending: list[int] = []  # signals received, not acted on yet
        self.tree: ProcessTree | None = None
        self.killer: Any = None
        self.monitor: Monitor | None = None
        self.watchdog: Lifeline | None = None
        self.bufs = (bytearray(), bytearray())
        self.totals = [0, 0]
        self.echo: list[int | None] = [None, None] if plan.quiet else [1, 2]

    # -- start ---------------------------------------------------------------------------

    def spawn(self) -> bool:
        """Start the child (its own session, like the full path's); False when it cannot
        be started (nothing ran: the full path then says why)."""
        import resource

        p = self.plan
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")  # live output from Python children
        env.update(p.env)
        env["SCRIPTRUNNER_RUN_ID"] = self.run_id
        env["SCRIPTRUNNER_ATTEMPT"] = "1"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
            *close_inherited(keep=(out_w, err_w)),
        ]
        become_subreaper()
        # Signals are noted by the handler and acted on in the output loop, which a byte
        # on the wake-up pipe wakes (poll() is otherwise resumed after a handler).
        self.wake = os.pipe()
        for fd in self.wake:
            os.set_blocking(fd, False)
        self.old_wakeup = signals.set_wakeup_fd(self.wake[1])
        self.handlers = {s: signals.signal(s, self._on_signal) for s in SIGNALS}
        here = os.getcwd()
        if p.chdir:  # posix_spawn has no working directory of its own (before 3.13)
            os.chdir(p.chdir)
        # The kernel's ru_maxrss of a child starts at the runner's own high-water mark
        # (``payloads.measured``).
        self.parent_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.t0 = time.time()
        self.m0 = time.monotonic()
        try:
            self.pid = os.posix_spawnp(
                p.command[0],
                p.command,
                env,
                file_actions=actions,
                setsid=True,
                setsigdef=(signals.SIGPIPE, signals.SIGXFSZ, *SIGNALS),
            )
        except OSError:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            for sig, handler in self.handlers.items():
                signals.signal(sig, handler)
            signals.set_wakeup_fd(self.old_wakeup)
            for fd in self.wake:
                os.close(fd)
            os.chdir(here)
            return False
        track_root(self.pid)
        os.close(out_w)
        os.close(err_w)
        self.fds = (out_r, err_r)
        self.mark = attempt_mark(self.run_id, 1)
        return True

    def _on_signal(self, signum: int, _frame: object) -> None:
        """Note the signal; :meth:`_forward` acts on it from the output loop, which the
        wake-up pipe wakes.  A handler runs between any two bytecodes of this thread, in
        the middle of an import too: it must not import or walk the tree itself."""
        if self.signal is None:
            self.signal = signum
        self.pending.append(signum)

    def _forward(self) -> None:
        """Cancel, as the full path does: forward each signal received as is (Ctrl-C stays
        SIGINT, so scripts can clean up), then SIGKILL what is left after the grace."""
        while self.pending:
            signum = self.pending.pop(0)
            tree = self._process_tree()
            if self.killer is None:
                import threading

                self.killer = threading.Thread(
                    target=tree.kill_after, args=(limits.DEFAULT_KILL_GRACE,), daemon=True
                )
                self.killer.start()
            tree.send(signum)

    def _process_tree(self) -> ProcessTree:
        if self.tree is None:
            from scriptrunner.core.process import ProcessTree

            self.tree = ProcessTree(self.pid, self.mark)
        return self.tree

    def _start_row(self) -> None:
        """Watchdog, store, the ``running`` row and ``run.started``, while the child runs."""
        from scriptrunner.cli.fast_record import Recording
        from scriptrunner.core.supervise import lifeline

        self.watchdog = lifeline()
        if self.watchdog is not None:  # the child's group dies with the runner
            self.watchdog.watch(self.pid)
        p = self.plan
        self.recording = Recording(p.store, self.run_id)
        self.recording.start(command=p.command, script=p.script, cwd=p.cwd, tags=p.tags, t0=self.t0)

    # -- run -----------------------------------------------------------------------------

    def finish(self) -> int:
        """Everything after the spawn; the exit code."""
        try:
            self._start_row()
        except Exception as exc:
            self._abandon()
            return _error(exc)
        status, usage = self._stream()
        return self._record(status, usage)

    def _abandon(self) -> None:
        """The start row failed: the whole tree is killed and reaped, nothing left running."""
        try:
            self._process_tree().send(signals.SIGKILL)
        finally:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            untrack_root(self.pid)
            if self.watchdog is not None:
                self.watchdog.release(self.pid)

    def _read(self, index: int) -> bool:
        """Read what stream ``index`` has; False at its end."""
        try:
            chunk = os.read(self.fds[index], _CHUNK)
        except BlockingIOError:
            return True
        if not chunk:
            os.close(self.fds[index])
            return False
        self.totals[index] += len(chunk)
        buf, limit = self.bufs[index], self.plan.tail_bytes
        if limit:
            buf += chunk
            if len(buf) > 2 * limit:
                del buf[: len(buf) - limit]
        target = self.echo[index]
        if target is not None:
            try:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(target, view) :]
            except OSError:  # the reader left (a closed pipe): the run goes on, recorded
                self.echo[index] = None
        return True

    def _stream(self) -> tuple[int, Any]:
        """Output until the child exits, then the drain; its ``wait4`` status and rusage."""
        import select

        poller = select.poll()
        open_fds = {fd: i for i, fd in enumerate(self.fds)}
        for fd in open_fds:
            poller.register(fd, select.POLLIN)
        pidfd: int | None = None
        try:
            pidfd = os.pidfd_open(self.pid)
            poller.register(pidfd, select.POLLIN)
        except (OSError, AttributeError):  # an old kernel: the pipes and a short timeout
            pass
        poller.register(self.wake[0], select.POLLIN)
        sample_at = self.m0 + limits.FIRST_SAMPLE_SECONDS
        while True:
            self._forward()  # signals received since the last look (or before the loop)
            wait = 1.0 if self.monitor is not None else max(0.0, sample_at - time.monotonic())
            for fd, _ in poller.poll((wait if pidfd is not None else min(wait, 0.01)) * 1000):
                if fd in open_fds and not self._read(open_fds[fd]):
                    poller.unregister(fd)
                    del open_fds[fd]
                elif fd == self.wake[0]:
                    _empty(fd)
            done, status, usage = os.wait4(self.pid, os.WNOHANG)
            if done:
                break
            if self.monitor is None and time.monotonic() >= sample_at:
                self._start_monitor()
        untrack_root(self.pid)
        if self.tree is not None:
            self.tree.reaped.set()
        poller.unregister(self.wake[0])
        if pidfd is not None:
            poller.unregister(pidfd)
            os.close(pidfd)
        if self.monitor is not None:
            self.monitor.stop()
        if self.killer is not None:
            self.killer.join()  # the whole tree is gone before the attempt counts as over
        self._end_leftovers()
        self._drain(poller, open_fds)
        self.wall = time.monotonic() - self.m0
        return status, usage

    def _end_leftovers(self) -> None:
        """What the child left running ends with the attempt, unless --keep-daemons."""
        from scriptrunner.core.supervise import leftovers

        if not self.plan.keep_daemons and leftovers(self.pid, self.mark):
            self._process_tree().end_leftovers(limits.DEFAULT_KILL_GRACE)
        if self.watchdog is not None:
            self.watchdog.release(self.pid)

    def _drain(self, poller: Any, open_fds: dict[int, int]) -> None:
        """Output still coming after the exit (grandchildren holding the pipes), for at
        most ``limits.DRAIN_SECONDS``."""
        deadline = time.monotonic() + limits.DRAIN_SECONDS
        while open_fds:
            events = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            if not events:  # a process still holds the pipe (a daemon): given up
                break
            for fd, _ in events:
                if not self._read(open_fds[fd]):
                    poller.unregister(fd)
                    del open_fds[fd]

    def _start_monitor(self) -> None:
        """The run lasts: the full path's psutil monitor samples it from now on."""
        from scriptrunner.core.monitor import Monitor

        self.monitor = Monitor(
            self._process_tree(),
            interval=limits.DEFAULT_SAMPLE_INTERVAL,
            first_interval=0.005,  # its first sample is due now
            max_samples=limits.DEFAULT_MAX_SAMPLES,
            started=self.m0,
        )
        self.monitor.start()

    # -- end -----------------------------------------------------------------------------

    def _record(self, wait_status: int, usage: Any) -> int:
        """Record the end (``cli.fast_record``), say the summary line; the exit code."""
        try:
            end = self.recording.finish(
                t0=self.t0,
                wall=self.wall,
                wait_status=wait_status,
                usage=usage,
                parent_hwm=self.parent_hwm,
                monitor=self.monitor,
                cancelled=self.signal is not None,
                kept=(self._kept(0), self._kept(1)),
                totals=(self.totals[0], self.totals[1]),
            )
        except Exception as exc:
            return _error(exc)
        if not self.plan.quiet:
            from scriptrunner.cli.formats import summary_line

            line = summary_line(
                status=end["status"],
                exit_code=end["exit_code"],
                duration=end["duration_seconds"],
                cpu=end["cpu_user_seconds"] + end["cpu_system_seconds"],
                peak_rss=end["peak_rss_bytes"],
                attempts=1,
                run_id=self.run_id,
            )
            _say(line)
        if end["status"] == "cancelled" and self.signal is not None:
            return 128 + self.signal
        return int(end["exit_code"])

    def _kept(self, index: int) -> bytes:
        """The last ``tail_bytes`` of stream ``index``."""
        limit = self.plan.tail_bytes
        return bytes(self.bufs[index][-limit:]) if limit else b""


def _empty(fd: int) -> None:
    """Read a non-blocking pipe empty."""
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _say(line: str) -> None:
    try:
        os.write(2, (line + "\n").encode("utf-8", "backslashreplace"))
    except OSError:
        pass


def _error(exc: BaseException) -> int:
    """The full path's one line for an error (``cli.main``); its exit code."""
    from scriptrunner.display import shown
    from scriptrunner.errors import ScriptRunnerError

    if isinstance(exc, ScriptRunnerError):
        _say(f"scriptrunner: error: {shown(exc, lines=True)}")
        return exc.exit_code
    _say(f"scriptrunner: error: internal error: {exc.__class__.__name__}: {exc}")
    return 2
