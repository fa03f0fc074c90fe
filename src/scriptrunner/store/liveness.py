"""Telling a ``running`` row whose runner is gone (``lost``) from a run still in flight.

Every row records the host, the pid and the start time of the runner that wrote it (clock
ticks since boot: field 22 of ``/proc/PID/stat``).  On the same host, a ``running`` row is
*lost* when no process has that pid any more, or when the process that has it started at
another time (pids are reused): that check is exact, so it decides for the rows of this
host.  A row of another host is *lost* when its lease has expired: its runner renews
``heartbeat_at`` while it runs (``store.lease``), and a row whose last renewal is older than
the reader's ``lease_timeout`` has lost its runner (killed, or cut off from the store for
that long).  A row of another host without a lease (written by the ``run`` fast path, or
before schema version 6) cannot be checked from here and is left as it is.  A runner killed
outright (``kill -9``, the OOM killer, a power cut) leaves such rows; readers store them as
``lost`` (``store.reader``).
"""

from __future__ import annotations

import datetime as dt
import os

_own: tuple[int, int | None] | None = None


def process_started(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot); None if there is none (or no
    ``/proc``).  This process's own value is read once."""
    global _own
    if _own is not None and _own[0] == pid:
        return _own[1]
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            # "pid (comm) state ppid ...": comm may hold spaces and ")", so split after it.
            fields = f.read().rpartition(b")")[2].split()
        started: int | None = int(fields[19])
    except (OSError, ValueError, IndexError):
        started = None
    if pid == os.getpid():
        _own = (pid, started)
    return started


def runner_alive(pid: int | None, started: int | None) -> bool:
    """Is the runner that wrote a row (its pid and start time) still running here?"""
    if pid is None:
        return True  # nothing to check: never call a run lost on a guess
    now = process_started(pid)
    if now is None:
        if os.path.isdir("/proc/self"):
            return False
        try:  # no /proc (not Linux): the pid alone
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return started is None or now == started


def lost_message(pid: int | None, host: str | None) -> str:
    """The ``error`` stored with a lost run."""
    return (
        f"lost: its runner (pid {pid} on {host}) ended without recording how the run ended "
        "(killed outright?); the run's own processes were no longer supervised"
    )


def lease_expired(heartbeat_at: float | None, now: float, timeout: float) -> bool:
    """Has a lease last renewed at ``heartbeat_at`` expired at ``now``?  (No lease: never.)"""
    return heartbeat_at is not None and now - heartbeat_at > timeout


def lease_message(heartbeat_at: float, timeout: float, pid: int | None, host: str | None) -> str:
    """The ``error`` stored with a run lost because its lease expired."""
    expired = dt.datetime.fromtimestamp(heartbeat_at + timeout, dt.timezone.utc)
    return (
        f"lost: its lease expired at {expired:%Y-%m-%d %H:%M:%S} UTC on host {host} (its "
        f"runner, pid {pid}, stopped renewing it: killed outright, or cut off from the "
        "history store)"
    )
