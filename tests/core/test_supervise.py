"""The supervision primitives on their own: the parent-death hook (used where the watchdog
cannot start) and the watchdog, each against a parent killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

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
