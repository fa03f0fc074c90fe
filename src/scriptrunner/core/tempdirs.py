"""Temporary directories that outlive no runner: named after the runner that made them.

A runner killed outright cannot remove what it created in the temporary directory (the
workflow engine's task outputs).  Each such directory is named ``PREFIX<pid>-<start>-…``
after its runner (pid and start time, as ``store.liveness`` compares them), and making a
new one first removes those of runners that are gone.  Only directories of this user are
touched, and never through a symbolic link.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from scriptrunner.store.liveness import process_started, runner_alive


def runner_tempdir(prefix: str) -> str:
    """A new private directory (0700) for this runner, after sweeping dead runners' ones."""
    base = tempfile.gettempdir()
    _sweep(base, prefix)
    me = os.getpid()
    return tempfile.mkdtemp(prefix=f"{prefix}{me}-{process_started(me)}-", dir=base)


def _sweep(base: str, prefix: str) -> None:
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        owner = _owner(entry.name[len(prefix) :])
        if owner is None or runner_alive(*owner):
            continue
        try:
            if (
                entry.is_dir(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_uid == os.getuid()
            ):
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue


def _owner(rest: str) -> tuple[int, int | None] | None:
    """``(pid, start)`` from ``<pid>-<start>-<random>``; None for any other name."""
    parts = rest.split("-", 2)
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    return int(parts[0]), int(parts[1]) if parts[1].isdigit() else None
