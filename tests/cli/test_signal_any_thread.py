"""A cancelling signal works whichever thread of the runner the kernel delivers it to.

POSIX lets the kernel hand a process-directed signal (``kill PID``) to any thread that does
not block it, and Python runs signal handlers only in the main thread, between bytecodes:
a main thread blocked in a wait (a workflow waiting for its tasks, ``wait4`` on a script, a
retry delay) never saw a SIGTERM that landed on another thread, and ran on to the end.
``tgkill`` delivers the signal to one chosen thread, so these tests are deterministic.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.cli import cli_env, start_cli
from fixtures.waiting import wait_until

_libc = ctypes.CDLL(None, use_errno=True)


def signal_other_thread(pid: int, sig: int) -> None:
    """Deliver ``sig`` to one thread of ``pid`` that is not its main thread."""
    others = wait_until(
        lambda: [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid],
        "the runner to start a thread",
    )
    assert _libc.tgkill(pid, others[-1], sig) == 0, ctypes.get_errno()


@pytest.mark.parametrize(
    "command",
    [
        ["workflow", "run", "--json", "-q", "WF"],
        ["run", "--json", "-q", "--", "sleep", "60"],
        ["run", "--json", "-q", "--retries", "1", "--retry-delay", "60", "--", "false"],
    ],
    ids=["workflow", "run", "retry-delay"],
)
def test_sigterm_on_any_thread_cancels(tmp_path: Path, command: list[str]) -> None:
    wf = tmp_path / "wf.yml"
    wf.write_text("name: w\ntasks:\n  a: {run: 'sleep 60'}\n")
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    args = [str(wf) if a == "WF" else a for a in command]
    proc = start_cli(*args, env=env, cwd=tmp_path)
    try:
        time.sleep(1.5)  # the runner is waiting (for its task, its child, its retry delay)
        signal_other_thread(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("SIGTERM delivered to another thread was not acted on") from None
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert json.loads(out)["status"] == "cancelled"
