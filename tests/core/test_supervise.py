"""The supervision primitives on their own: the parent-death hook (used where the watchdog
cannot start) and the watchdog, each against a parent killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from fixtures.cli import cli_env, run_python
from fixtures.waiting import wait_until

PARENT = """
import subprocess, sys
from scriptrunner.core.supervise import die_with_parent, lifeline
how, marker = sys.argv[1], sys.argv[2]
if how == "pdeathsig":
    child = subprocess.Popen(["sh", "-c", "sleep 60; : " + marker], preexec_fn=die_with_parent())
else:
    child = subprocess.Popen(["sh", "-c", "sleep 60; : " + marker], start_new_session=True)
    lifeline().watch(child.pid)
print("ready", flush=True)
child.wait()
"""


def _alive(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        if p.info["status"] != psutil.STATUS_ZOMBIE and marker in " ".join(p.info["cmdline"] or []):
            found.append(p)
    return found


@pytest.mark.parametrize("how", ["pdeathsig", "watchdog"])
def test_a_parent_killed_outright_takes_its_child(how: str) -> None:
    marker = f"sr-parent-death-{how}-{os.getpid()}-{time.monotonic_ns()}"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, how, marker], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "ready\n"
        assert _alive(marker)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not _alive(marker), "the child to die with its parent", 10)
    finally:
        for p in _alive(marker):
            p.kill()


LATE_SWEEP_PROBE = """
import os, subprocess, sys, time
from scriptrunner.core.process import ProcessTree
from scriptrunner.core.supervise import attempt_mark, become_subreaper

assert become_subreaper()
env = dict(os.environ, SCRIPTRUNNER_RUN_ID="late", SCRIPTRUNNER_ATTEMPT="1")
# The attempt's child leaves a daemon behind (it leaves the process group) and exits.
child = subprocess.Popen(
    ["sh", "-c", "setsid sleep 60 & echo $!"], env=env, stdout=subprocess.PIPE, text=True,
    start_new_session=True,
)
daemon = int(child.stdout.readline())
child.wait()
tree = ProcessTree(child.pid, attempt_mark("late", 1))
tree.reaped.set()
tree._sweep_late_orphans()
deadline = time.monotonic() + 5
while time.monotonic() < deadline:
    try:
        pid, _ = os.waitpid(daemon, os.WNOHANG)
    except ChildProcessError:
        pid = daemon  # reaped by the sweep
    if pid == daemon:
        print("ended")
        break
    time.sleep(0.01)
else:
    os.kill(daemon, 9)
    print("alive")
"""


def test_the_late_sweep_ends_orphans_adopted_after_the_last_look(tmp_path: Path) -> None:
    """The extra looks after an attempt left processes behind SIGKILL a marked orphan
    re-parented to the runner (here: found by the first extra look)."""
    r = run_python(LATE_SWEEP_PROBE, env=cli_env(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ended"


def test_carries_reads_an_empty_environment_again_but_not_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live process whose environment reads empty (``env -i``, or one caught inside
    ``exec``) is read again a bounded number of times; a zombie is not waited for."""
    from scriptrunner.core import supervise

    mark = supervise.attempt_mark("c", 1)
    marked = subprocess.Popen(
        ["sleep", "30"], env={"SCRIPTRUNNER_RUN_ID": "c", "SCRIPTRUNNER_ATTEMPT": "1"}
    )
    bare = subprocess.Popen(["env", "-i", "sleep", "30"])
    zombie = subprocess.Popen(["true"])
    try:
        wait_until(lambda: open(f"/proc/{bare.pid}/cmdline", "rb").read().startswith(b"sleep"),
                   "env -i to exec sleep", 10)  # fmt: skip
        wait_until(lambda: psutil.Process(zombie.pid).status() == psutil.STATUS_ZOMBIE,
                   "true to exit", 10)  # fmt: skip
        pauses: list[float] = []
        monkeypatch.setattr(supervise.time, "sleep", pauses.append)
        assert supervise.carries(marked.pid, mark)
        assert pauses == []
        assert not supervise.carries(bare.pid, mark)
        assert len(pauses) == supervise._ENVIRON_TRIES
        pauses.clear()
        assert not supervise.carries(zombie.pid, mark)
        assert pauses == []
    finally:
        monkeypatch.undo()
        for p in (marked, bare, zombie):
            p.kill()
            p.wait()
