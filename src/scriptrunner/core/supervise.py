"""Keeping every process a run starts under the runner, whatever the process does.

* **Child subreaper** (``PR_SET_CHILD_SUBREAPER``): a descendant whose parent exits is
  re-parented to the runner instead of init, so a double-forking daemon or a
  ``( setsid cmd & )`` cannot leave the tree faster than the runner can look.  The runner
  finds such adopted orphans among its own children (``/proc/self/task/*/children``) and
  tells whose they are by the ``SCRIPTRUNNER_RUN_ID`` / ``SCRIPTRUNNER_ATTEMPT`` variables
  every process of an attempt inherits.
* **A watchdog** (:class:`Lifeline`, one ``/bin/sh`` per runner process): when the runner
  dies however it dies (``kill -9``), its input ends and it SIGKILLs the process group of
  every attempt still running, grandchildren included.  Where it cannot start, the child
  gets a **parent-death signal** (``PR_SET_PDEATHSIG``) instead, set between fork and exec;
  that pre-exec hook makes ``subprocess`` fork instead of vfork (+2.5 ms of runner CPU per
  spawn, measured), and it reaches only the direct child.

``prctl`` is reached through ``_ctypes`` directly: the ``ctypes`` package costs ~1.5 ms to
import, against ~0.5 ms here (measured), on the path of every ``scriptrunner run``.
Without a usable ``prctl`` (not Linux), both features are skipped and the process-group
and tree walks of ``core.process`` remain.
"""

from __future__ import annotations

import _thread
import os
import time

from scriptrunner.core import signals

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_lock = _thread.allocate_lock()  # threading.Lock, without importing threading
#: Children this process started itself and has not reaped yet (attempts' root processes):
#: they are not orphans, so :func:`own_children` leaves them out, and with them the
#: per-process ``/proc`` reads of every attempt's end (measured: ~0.15 ms a task).
_roots: set[int] = set()
_prctl: Callable[..., int] | None = None
_loaded = False
_subreaper_pid = 0


def _load_prctl() -> Callable[..., int] | None:
    global _prctl, _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            try:
                import _ctypes

                class _Int(_ctypes._SimpleCData):  # type: ignore[type-arg]
                    _type_ = "i"

                class _Function(_ctypes.CFuncPtr):
                    _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
                    _restype_ = _Int

                handle = _ctypes.dlopen(None, 0)  # type: ignore[arg-type]  # the program itself
                _prctl = _Function(_ctypes.dlsym(handle, "prctl"))
            except (ImportError, AttributeError, OSError, TypeError):
                _prctl = None
        return _prctl


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (once per process)."""
    global _subreaper_pid
    if _subreaper_pid == os.getpid():
        return True
    prctl = _load_prctl()
    if prctl is None or prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return False
    _subreaper_pid = os.getpid()
    return True


def die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that gives the child SIGKILL when the runner dies (None: not here).

    The hook also checks that the runner is still its parent: if the runner died between
    fork and ``prctl``, the signal would never come, so the child ends itself.
    """
    prctl = _load_prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, int(signals.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signals.SIGKILL)

    return hook


def track_root(pid: int) -> None:
    """``pid`` is a child this process started (an attempt's root), until it is reaped."""
    with _lock:
        _roots.add(pid)


def untrack_root(pid: int) -> None:
    with _lock:
        _roots.discard(pid)


def own_children() -> list[int]:
    """Pids of the orphans adopted by this process, from ``/proc``: its children, less the
    watchdog and the roots it started itself (:func:`track_root`).

    The kernel re-parents orphans to the main thread of a subreaper while it lives, so
    its ``children`` file is enough; the other threads' files are read only without it.
    """
    me = os.getpid()
    try:
        with open(f"/proc/self/task/{me}/children", "rb") as f:
            pids = [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        pids = []
        try:
            tasks = os.listdir("/proc/self/task")
        except OSError:
            tasks = []
        for task in tasks:
            try:
                with open(f"/proc/self/task/{task}/children", "rb") as f:
                    pids.extend(int(p) for p in f.read().split())
            except (OSError, ValueError):
                continue
    watchdog = _lifeline.pid if _lifeline is not None and _lifeline_pid == me else None
    with _lock:
        roots = set(_roots)
    return [p for p in pids if p != watchdog and p not in roots]


def close_inherited(keep: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """``posix_spawn`` file actions closing this process's inheritable descriptors above 2
    (but ``keep``): what ``subprocess``' ``close_fds=True`` does.  Those this process opens
    itself are close-on-exec already (PEP 446); these came from its own parent."""
    actions = []
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd > 2 and fd not in keep and os.get_inheritable(fd):
                actions.append((os.POSIX_SPAWN_CLOSE, fd))
    except (OSError, ValueError):  # no /proc, or the listing's own descriptor is gone
        pass
    return actions


def attempt_mark(run_id: str, attempt: int) -> tuple[bytes, bytes]:
    """The environment entries every process of one attempt inherits."""
    return f"SCRIPTRUNNER_RUN_ID={run_id}".encode(), f"SCRIPTRUNNER_ATTEMPT={attempt}".encode()


#: How often an empty ``/proc/PID/environ`` of a live process is read again, and the pause
#: between reads (see :func:`carries`).
_ENVIRON_TRIES = 20
_ENVIRON_PAUSE = 0.001


def carries(pid: int, mark: tuple[bytes, bytes]) -> bool:
    """True if process ``pid`` carries ``mark`` in its environment (False if unreadable).

    A process in the middle of ``exec`` shows an empty environment for a moment (its new
    memory map is in place before its environment is copied into it): a daemon caught
    then would look like a stranger and outlive its attempt.  So an empty environment of a
    live process is read again, a millisecond apart, for at most ~20 ms (a zombie's is
    empty for good and is not waited for; so is a process started with ``env -i``)."""
    for _ in range(_ENVIRON_TRIES):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                data = f.read()
        except OSError:
            return False
        if data:
            entries = set(data.split(b"\0"))
            return mark[0] in entries and mark[1] in entries
        if _state(pid) in (None, b"Z", b"X"):
            return False
        time.sleep(_ENVIRON_PAUSE)
    return False


def _stat(pid: int) -> list[bytes] | None:
    """The fields of ``/proc/PID/stat`` after ``comm`` (state, ppid, pgrp, session...), or
    None when the process is gone.  ``comm`` may hold spaces or ")": split after the last."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
    except OSError:
        return None
    return fields or None


def _state(pid: int) -> bytes | None:
    """The state letter (``R``, ``S``, ``Z``...), None when gone."""
    fields = _stat(pid)
    return fields[0] if fields else None


def adopted(root: int, mark: tuple[bytes, bytes], children: list[int] | None = None) -> list[int]:
    """Orphans of an attempt that were re-parented to this process (its root excluded);
    ``children``: :func:`own_children`, when the caller has just read it."""
    found = own_children() if children is None else children
    return [pid for pid in found if pid != root and carries(pid, mark)]


def leftovers(root: int, mark: tuple[bytes, bytes] | None) -> bool:
    """Cheap test, without psutil: may anything of the attempt whose root process ``root``
    (the leader of its own session and group) was reaped still be alive: a process in its
    group, or an orphan of it adopted by this process?  Zombies of the group are reaped."""
    children = own_children()  # one /proc read serves both questions below
    if children:
        reap_zombies(root, children)
    try:
        os.killpg(root, 0)
        return True
    except PermissionError:
        return True
    except ProcessLookupError:
        if not children or mark is None:
            return False
        return bool(adopted(root, mark, children))


def reap_zombies(group: int, children: list[int] | None = None) -> None:
    """Reap this process's zombie children of process group (or session) ``group``: the
    orphans of an attempt re-parented here that have exited since."""
    for pid in own_children() if children is None else children:
        fields = _stat(pid)
        if fields is None or fields[0] != b"Z":
            continue
        try:
            in_group = group in (int(fields[2]), int(fields[3]))
        except (ValueError, IndexError):
            continue
        if in_group:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue


# The watchdog: reads "+PGID" / "-PGID" lines; at end of input (the runner is gone, however
# it ended, since only the runner holds the pipe's write end) it SIGKILLs every process
# group still registered.  POSIX sh, so no interpreter is started for it.
_WATCHDOG = """
groups=' '
while read -r line; do
  case $line in
    +*) groups="$groups${line#+} " ;;
    -*) g=${line#-}; case $groups in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
  esac
done
for g in $groups; do kill -9 "-$g" 2>/dev/null; done
"""


class Lifeline:
    """A watchdog process that kills the registered process groups when the runner dies.

    The parent-death signal reaches only the runner's direct children; their own children
    (a shell's pipeline, a script's workers) stay in its process group, which the watchdog
    ends when its input reaches EOF.  One watchdog per runner process, started with the
    first attempt.  Groups are registered while their attempt runs and released after.
    """

    def __init__(self) -> None:
        read_end, self._write_end = os.pipe()  # both close on exec: children never hold them
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        try:
            # posix_spawn, not subprocess (which costs as much to import as a hello-world
            # script takes to run); only descriptors 0-2 reach it, as with close_fds.
            self.pid = os.posix_spawn(
                "/bin/sh",
                ["/bin/sh", "-c", _WATCHDOG],
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, read_end, 0),
                    (os.POSIX_SPAWN_DUP2, null, 1),
                    (os.POSIX_SPAWN_DUP2, null, 2),
                    *close_inherited(),
                ],
                setsid=True,  # a Ctrl-C to the terminal's group does not end it
                setsigdef=(signals.SIGINT, signals.SIGTERM, signals.SIGHUP, signals.SIGPIPE),
            )
        finally:
            os.close(read_end)
            os.close(null)
        self._lock = _thread.allocate_lock()

    def _send(self, line: str) -> None:
        with self._lock:
            try:
                os.write(self._write_end, line.encode())
            except OSError:
                pass  # the watchdog is gone: only the parent-death signal is left

    def watch(self, group: int) -> None:
        self._send(f"+{group}\n")

    def release(self, group: int) -> None:
        self._send(f"-{group}\n")


_lifeline: Lifeline | None = None
_lifeline_pid = 0


def lifeline() -> Lifeline | None:
    """This process's watchdog, started on first use (None where it cannot start)."""
    global _lifeline, _lifeline_pid
    with _lock:
        if _lifeline is None or _lifeline_pid != os.getpid():
            try:
                _lifeline = Lifeline()
            except OSError:
                _lifeline = None
            _lifeline_pid = os.getpid()
        return _lifeline
