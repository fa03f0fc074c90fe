"""Attempts driven by a :class:`~scriptrunner.core.reactor.Reactor`, many at once in one
thread.

:class:`LoopAttempt` is :func:`scriptrunner.core.attempt.run_attempt` turned inside out: the
child is spawned from the loop's thread, its two pipes and a pidfd are registered with the
loop, its exit is reaped with ``wait4(pid, WNOHANG)`` (exact rusage) when the pidfd says so,
and its timeout and monitor samples are loop timers (the monitor starts only for attempts
that outlive the first sampling interval).  Supervision is ``run_attempt``'s own pieces:
``ProcessTree``, the watchdog, ``end_leftovers`` unless ``keep_daemons``, the drain
semantics, ``_status`` and ``measured`` metrics; the rare slow parts (a cancel's or
timeout's kill escalation, ending leftovers) run on a thread and hand back to the loop.

``core.loop_run.LoopRun`` drives a run's attempts with them.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO

from scriptrunner import limits
from scriptrunner.core.attempt import (
    CATCH_UP_SECONDS,
    DRAIN_SECONDS,
    RunOptions,
    _abandon,
    _mark,
    _metrics,
    _status,
    _writers_gone,
)
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.hub import hub, pass_on
from scriptrunner.core.monitor import Monitor
from scriptrunner.core.output import OutputStream, TailBuffer
from scriptrunner.core.process import ExitInfo, ProcessTree, spawn
from scriptrunner.core.reactor import Reactor, Timer
from scriptrunner.core.spec import RunSpec
from scriptrunner.core.supervise import Lifeline, lifeline, untrack_root
from scriptrunner.errors import RunnerError
from scriptrunner.results import AttemptResult

#: How often the exit of a child is polled where there is no pidfd (an old kernel).
_POLL_WITHOUT_PIDFD = 0.01


class LoopAttempt:
    """One attempt on the loop; ``on_done`` gets its result, or the exception that ended
    it (its tree killed and reaped first)."""

    def __init__(
        self,
        loop: Reactor,
        opts: RunOptions,
        spec: RunSpec,
        n: int,
        cwd: str,
        env: Mapping[str, str],
        token: CancelToken,
        tails: tuple[TailBuffer, TailBuffer],
        delay: float,
        on_done: Callable[[AttemptResult | BaseException], None],
    ) -> None:
        self.loop, self.opts, self.spec, self.n = loop, opts, spec, n
        self.token = token
        self.delay = delay
        self.on_done = on_done
        self.streams = (
            OutputStream(tails[0], opts.echo_stdout, opts.output_filter),
            OutputStream(tails[1], opts.echo_stderr, opts.output_filter),
        )
        # The kernel's ru_maxrss of a child includes the memory of the runner it was forked
        # from (exec keeps the old high-water mark), so it is only trusted above this value.
        self.parent_hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.t0 = time.time()
        self.m0 = time.monotonic()
        try:
            self.proc = spawn(spec.command, cwd, env)
        except OSError as exc:
            raise RunnerError(f"cannot start {spec.command[0]}: {exc.strerror or exc}") from exc
        self.pid = self.proc.pid
        self.tree = ProcessTree(self.pid, _mark(env, n))
        self.watchdog: Lifeline | None = lifeline()
        self.sources: list[IO[bytes] | None] = [self.proc.stdout, self.proc.stderr]
        self.pidfd: int | None = None
        self.info: ExitInfo | None = None
        self.monitor: Monitor | None = None
        self.timers: list[Timer] = []
        self.killers: list[threading.Thread] = []
        self.timed_out = False
        self.drain_start = 0.0
        self.drain_timer: Timer | None = None
        self.remove_cancel: Callable[[], None] | None = None
        self.over = False
        try:
            self._watch()
        except BaseException:
            self._cleanup_timers()
            _abandon(self.proc, self.tree)
            self._close_sources()
            raise

    def _watch(self) -> None:
        if self.watchdog is not None:  # the child's group dies with the runner, however
            self.watchdog.watch(self.tree.pgid)
        loop = self.loop
        for index, source in enumerate(self.sources):
            assert source is not None
            fd = source.fileno()
            os.set_blocking(fd, False)
            loop.add_reader(fd, lambda i=index: self._guarded(lambda: self._readable(i)))  # type: ignore[misc]
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except (OSError, AttributeError):  # an old kernel: the exit is polled
            self.timers.append(loop.call_later(_POLL_WITHOUT_PIDFD, self._poll_exit))
        else:
            loop.add_reader(self.pidfd, lambda: self._guarded(self._reap))
        # The monitor's own first interval (``Monitor``): the first sample is due then.
        self.first = min(
            max(0.005, limits.FIRST_SAMPLE_SECONDS), max(0.01, self.opts.sample_interval)
        )
        self.timers.append(loop.call_at(self.m0 + self.first, self._sample))
        if self.spec.timeout is not None:
            timeout = lambda: self._guarded(self._on_timeout)  # noqa: E731
            self.timers.append(loop.call_at(self.m0 + self.spec.timeout, timeout))
        self.remove_cancel = self.token.add_callback(self._on_cancel)

    # -- while it runs -------------------------------------------------------------------

    def _readable(self, index: int) -> None:
        source = self.sources[index]
        if source is None:
            return
        if pass_on(source.fileno(), self.streams[index].on_data):
            return
        self._close_source(index)
        self.streams[index].on_eof()
        if self.info is not None and self.drain_start and self._eof():
            self._complete()

    def _sample(self) -> None:
        """The attempt lasts: sample its tree now, then as the monitor asks."""
        if self.info is not None:
            return
        if self.monitor is None:
            self.monitor = Monitor(
                self.tree,
                interval=self.opts.sample_interval,
                first_interval=self.first,
                max_samples=self.opts.max_samples,
                started=self.m0,
            )
        try:
            delay = self.monitor.sample()
        except Exception:  # a broken sampler must not stop the loop
            delay = None
        if delay is not None:
            self.timers.append(self.loop.call_later(delay, self._sample))

    def _in_background(self, fn: Callable[[float], None]) -> None:
        # Called from a timer or a cancel (any thread): never block the caller.
        t = threading.Thread(target=fn, args=(self.opts.kill_grace,), daemon=True)
        t.start()
        self.killers.append(t)

    def _on_timeout(self) -> None:
        self.timed_out = True
        self._in_background(self.tree.terminate)

    def _on_cancel(self, sig: int) -> None:
        # Forward the user's signal as is (Ctrl-C stays SIGINT, so scripts can clean up),
        # then escalate to SIGKILL if the tree is still there after the grace.
        if not self.killers:
            self._in_background(self.tree.kill_after)
        self.tree.send(sig)

    def _poll_exit(self) -> None:
        if not self._guarded(self._reap):
            self.timers.append(self.loop.call_later(_POLL_WITHOUT_PIDFD, self._poll_exit))

    def _reap(self) -> bool:
        """``wait4`` without blocking; True once the child is reaped (then the attempt
        goes on to its end)."""
        try:
            done, status, usage = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            # Someone else reaped it (should not happen); fall back to what Popen knows.
            done, status, usage = self.pid, 0, None
            code = self.proc.poll()
            returncode = code if code is not None else 0
        else:
            if not done:
                return False
            returncode = os.waitstatus_to_exitcode(status)
        untrack_root(self.pid)
        self.proc.returncode = returncode  # Popen must not try to reap it again
        self.tree.reaped.set()
        if usage is None:
            self.info = ExitInfo(returncode, 0.0, 0.0, 0)
        else:  # Linux reports ru_maxrss in KiB
            self.info = ExitInfo(returncode, usage.ru_utime, usage.ru_stime, usage.ru_maxrss * 1024)
        self._after_exit()
        return True

    # -- after the exit ------------------------------------------------------------------

    def _after_exit(self) -> None:
        if self.pidfd is not None:
            self.loop.remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        if self.remove_cancel is not None:
            self.remove_cancel()
        self._cleanup_timers()
        if self.monitor is not None:
            self.monitor.stop()
        # The whole tree is gone before the attempt counts as finished; what the child
        # left running ends with it (unless keep_daemons).  Both may wait: off the loop.
        if self.killers or (not self.spec.keep_daemons and self.tree.leftovers()):
            threading.Thread(target=self._end_tree, daemon=True).start()
        else:
            self._released()

    def _end_tree(self) -> None:
        """On a thread of its own; whatever happens, the loop is handed the next step (an
        error ends the attempt there, as it would have ended ``run_attempt``)."""
        error: Exception | None = None
        try:
            for t in list(self.killers):
                t.join()
            if not self.spec.keep_daemons:
                self.tree.end_leftovers(self.opts.kill_grace)
        except Exception as exc:
            error = exc

        def then() -> None:
            if error is not None:
                raise error
            self._released()

        self.loop.call_soon(lambda: self._guarded(then))

    def _released(self) -> None:
        if self.watchdog is not None:
            self.watchdog.release(self.tree.pgid)
        self.drain_start = time.monotonic()
        if self._eof():
            self._complete()
        else:
            self.drain_timer = self.loop.call_later(
                DRAIN_SECONDS, lambda: self._guarded(self._drain_due)
            )

    def _drain_due(self) -> None:
        """Past :data:`DRAIN_SECONDS` a pipe still open is given up only when some process
        still holds its write end (a daemonised grandchild; the shared hub reads it on);
        when every writer is gone its EOF is certain and only late, so it is waited for,
        up to :data:`CATCH_UP_SECONDS` (``core.attempt._drain``)."""
        late = time.monotonic() - self.drain_start > CATCH_UP_SECONDS
        for index, source in enumerate(self.sources):
            if source is None:
                continue
            if late or not _writers_gone(source):
                self.loop.remove_reader(source.fileno())
                self.sources[index] = None
                stream = self.streams[index]
                hub().read(source, stream.on_data, stream.on_eof)
        if self._eof():
            self._complete()
        else:
            self.drain_timer = self.loop.call_later(0.05, lambda: self._guarded(self._drain_due))

    def _eof(self) -> bool:
        return self.sources[0] is None and self.sources[1] is None

    def _complete(self) -> None:
        if self.over:
            return
        self.over = True
        if self.drain_timer is not None:
            self.drain_timer.cancel()
        assert self.info is not None
        wall = time.monotonic() - self.m0
        status, code = _status(self.info, self.timed_out, self.token.cancelled)
        attempt = AttemptResult(
            attempt=self.n,
            status=status,
            exit_code=code,
            started_at=self.t0,
            finished_at=self.t0 + wall,
            metrics=_metrics(self.info, self.monitor, wall, self.parent_hwm),
            signal=self.info.signal,
            delay_before=self.delay,
        )
        self.on_done(attempt)

    # -- failure -------------------------------------------------------------------------

    def _guarded(self, step: Callable[[], object]) -> object:
        """Run ``step`` (every callback of the loop goes through here) and return what it
        returns; an error ends the attempt (its tree killed and reaped first) and reaches
        ``on_done``, so no attempt is left unfinished whatever fails."""
        try:
            return step()
        except Exception as exc:
            if self.over:
                raise
            self.over = True
            self._cleanup_timers()
            if self.remove_cancel is not None:
                self.remove_cancel()
            if self.pidfd is not None:
                self.loop.remove_reader(self.pidfd)
                os.close(self.pidfd)
                self.pidfd = None
            try:
                _abandon(self.proc, self.tree)
            finally:
                self._close_sources()
                self.on_done(exc)
            return True  # over: nothing is to be polled any more

    def _cleanup_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def _close_source(self, index: int) -> None:
        source = self.sources[index]
        if source is None:
            return
        self.sources[index] = None
        self.loop.remove_reader(source.fileno())
        try:
            source.close()
        except OSError:
            pass

    def _close_sources(self) -> None:
        for index in range(len(self.sources)):
            self._close_source(index)
