"""Starting a child in its own session, waiting for it with rusage, and killing its tree.

The child is started with ``start_new_session=True``: it leads a new process group, so one
``killpg`` reaches every descendant that did not move to a group of its own, and a Ctrl-C in
the terminal reaches only the runner, which forwards it (and records the run as cancelled).
Descendants that escape the group (``setsid``, daemonising) are found through psutil: the
live tree under the child, every process the monitor has seen in it, and the orphans the
runner adopted as their subreaper (``core.supervise``), which cannot outrun it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scriptrunner.core.supervise import (
    adopted,
    become_subreaper,
    die_with_parent,
    leftovers,
    lifeline,
    track_root,
    untrack_root,
)

if TYPE_CHECKING:  # psutil costs ~18 ms to import: only load it when a tree must be walked.
    import psutil

#: Extra looks for late orphans after an attempt that left processes behind, and the pause
#: before each (see ``ProcessTree._sweep_late_orphans``).
_LATE_SWEEPS = 3
_LATE_SWEEP_PAUSE = 0.01


@dataclass(frozen=True, slots=True)
class ExitInfo:
    """How a child ended, with the kernel's exact resource usage of it and its reaped children."""

    returncode: int  # negative N when killed by signal N, like subprocess
    user_seconds: float
    system_seconds: float
    maxrss_bytes: int

    @property
    def signal(self) -> int | None:
        return -self.returncode if self.returncode < 0 else None

    @property
    def exit_code(self) -> int:
        """Shell convention: 128 + N when killed by signal N."""
        return 128 - self.returncode if self.returncode < 0 else self.returncode


def spawn(
    argv: Sequence[str], cwd: str, env: Mapping[str, str], *, stdin: int | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with piped stdout/stderr in a new session; its group dies with the
    runner (the watchdog of ``core.supervise``, else a parent-death signal) and its orphans
    come back to the runner (child subreaper)."""
    become_subreaper()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
        # The watchdog ends the child's group if the runner dies; only without one does
        # the child get a parent-death signal, whose pre-exec hook makes ``subprocess``
        # fork instead of vfork: +2.5 ms of runner CPU per spawn, measured.
        preexec_fn=die_with_parent() if lifeline() is None else None,
    )
    track_root(proc.pid)
    return proc


def wait_with_rusage(proc: subprocess.Popen[bytes]) -> ExitInfo:
    """Block until ``proc`` exits and return its status with ``wait4`` rusage.

    ``wait4`` gives exact CPU seconds even for a 10 ms script, where sampling sees nothing.
    """
    while True:
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            break
        except ChildProcessError:
            # Someone else reaped it (should not happen); fall back to what Popen knows.
            untrack_root(proc.pid)
            code = proc.wait()
            return ExitInfo(code, 0.0, 0.0, 0)
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
    untrack_root(proc.pid)
    returncode = os.waitstatus_to_exitcode(status)
    proc.returncode = returncode  # Popen must not try to reap it again.
    # Linux reports ru_maxrss in KiB.
    return ExitInfo(returncode, usage.ru_utime, usage.ru_stime, usage.ru_maxrss * 1024)


class ProcessTree:
    """The set of processes that belong to one attempt, for signalling and killing."""

    def __init__(self, pid: int, mark: tuple[bytes, bytes] | None = None) -> None:
        self.pid = pid
        #: The environment entries its processes inherit (``supervise.attempt_mark``):
        #: how the orphans re-parented to the runner are told apart.
        self.mark = mark
        self.pgid = pid  # start_new_session makes the child its own group leader
        #: Set by whoever reaps the child; from then on its pid may belong to someone else.
        self.reaped = threading.Event()
        self._seen: dict[int, psutil.Process] = {}
        self._lock = threading.Lock()

    def remember(self, procs: Iterable[psutil.Process]) -> None:
        """Record processes seen in the tree (called by the monitor on every sample)."""
        with self._lock:
            for p in procs:
                self._seen.setdefault(p.pid, p)

    def members(self) -> list[psutil.Process]:
        """Live descendants of the child, and any process seen in the tree before.

        The child itself is left out: it is signalled by pid and reaped only by the thread
        that waits for it (psutil's ``wait`` would reap it and steal its exit status).
        """
        import psutil

        found: dict[int, psutil.Process] = {}
        if not self.reaped.is_set():
            try:
                root = psutil.Process(self.pid)
                for child in root.children(recursive=True):
                    found[child.pid] = child
            except psutil.Error:
                pass
        with self._lock:
            seen = [p for p in self._seen.values() if p.pid != self.pid]
        for pid in self.adopted():
            try:
                seen.append(psutil.Process(pid))
            except psutil.Error:
                continue
        for p in seen:
            # Orphans were re-parented away from the child; look for their descendants too.
            try:
                if p.is_running():
                    found.setdefault(p.pid, p)
                    for child in p.children(recursive=True):
                        found.setdefault(child.pid, child)
            except psutil.Error:
                continue
        found.pop(os.getpid(), None)
        found.pop(self.pid, None)
        return list(found.values())

    def adopted(self) -> list[int]:
        """Orphans of this tree re-parented to the runner (its subreaper)."""
        return adopted(self.pid, self.mark) if self.mark is not None else []

    def leftovers(self) -> bool:
        """Cheap test, without psutil: may anything of the tree still be alive after its
        child was reaped (``supervise.leftovers``)?"""
        return leftovers(self.pid, self.mark)

    def end_leftovers(self, grace: float) -> None:
        """At the end of an attempt: SIGTERM what the child left running (daemons,
        background jobs), SIGKILL it after ``grace``, and reap the orphans adopted."""
        if not self.leftovers():
            return
        members = self.members()
        self.terminate(grace)
        for p in members:  # those re-parented to the runner are its zombies now
            try:
                os.waitpid(p.pid, os.WNOHANG)
            except ChildProcessError:
                continue
        self._sweep_late_orphans()

    def _sweep_late_orphans(self) -> None:
        """SIGKILL orphans adopted after the last look: a daemon's middle process that
        forked while dying hands its child over just then, and the kernel's list of a
        process's children may miss one that is being re-parented at the moment it is read.
        A few more reads, a moment apart, on this path only (the attempt left something)."""
        for _ in range(_LATE_SWEEPS):
            time.sleep(_LATE_SWEEP_PAUSE)
            for pid in self.adopted():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    continue
                _reap(pid, time.monotonic() + 1.0)

    def send(self, sig: int) -> None:
        """Send ``sig`` once to every process of the tree.

        One ``killpg`` reaches the child and everything still in its group; processes that
        left the group (``setsid``) are signalled one by one.  Nobody gets it twice: a
        script's handler must not run again while it is cleaning up.
        """
        import psutil

        # Before the group signal: once the child dies its children are re-parented and
        # can no longer be found from it; remembered, they are found again by kill_after.
        members = self.members()
        self.remember(members)
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            if not self.reaped.is_set():
                try:
                    os.kill(self.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        for p in members:
            try:
                if os.getpgid(p.pid) == self.pgid:
                    continue
                p.send_signal(sig)
            except (psutil.Error, ProcessLookupError, PermissionError):
                continue

    def kill_after(self, grace: float) -> None:
        """Give the tree ``grace`` seconds to exit by itself (after a forwarded signal),
        then SIGKILL it."""
        if not self.reaped.wait(max(0.0, grace)) or self.members():
            self.send(signal.SIGKILL)

    def terminate(self, grace: float) -> None:
        """SIGTERM the whole tree, then SIGKILL whatever is still alive after ``grace`` s."""
        deadline = time.monotonic() + max(0.0, grace)
        members = self.members()
        self.send(signal.SIGTERM)
        self.reaped.wait(max(0.0, grace))
        alive = _wait_gone(members, deadline)
        # Collect again: a process may have forked while dying.
        survivors = {p.pid: p for p in alive}
        for p in self.members():
            survivors.setdefault(p.pid, p)
        if survivors or not self.reaped.is_set():
            self.send(signal.SIGKILL)
            _wait_gone(list(survivors.values()), time.monotonic() + 1.0)


def _reap(pid: int, deadline: float) -> None:
    """Wait (until ``deadline``) for our child ``pid``, just sent SIGKILL, to be gone: a
    killed process still runs until the kernel schedules its exit, and on a loaded machine
    it could be seen alive after the attempt was recorded as over."""
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return  # reaped elsewhere, or not ours
        if done or time.monotonic() >= deadline:
            return
        time.sleep(0.002)


def _alive(p: psutil.Process) -> bool:
    import psutil

    try:
        # An orphaned zombie is dead for our purposes: it holds no memory or files, and in a
        # container whose init never reaps, it would otherwise look alive forever.
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait_gone(procs: list[psutil.Process], deadline: float) -> list[psutil.Process]:
    """Poll until every process in ``procs`` is gone or a zombie; returns those still alive."""
    pending = [p for p in procs if _alive(p)]
    pause = 0.005
    while pending and time.monotonic() < deadline:
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.1)
        pending = [p for p in pending if _alive(p)]
    return pending
