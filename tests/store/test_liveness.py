"""Telling a lost run from a live one: the pid and the start time of its runner."""

from __future__ import annotations

import os
import subprocess

from scriptrunner.store.liveness import process_started, runner_alive


def test_a_live_runner_is_alive_only_with_its_own_start_time() -> None:
    me = os.getpid()
    started = process_started(me)
    assert started is not None
    assert runner_alive(me, started)
    assert runner_alive(me, None)  # rows written before schema version 4: the pid alone
    assert not runner_alive(me, started + 1)  # the pid was reused by another process


def test_a_runner_that_exited_is_gone() -> None:
    child = subprocess.Popen(["true"])
    started = process_started(child.pid)
    child.wait()
    assert not runner_alive(child.pid, started)


def test_a_row_without_pid_is_never_called_lost() -> None:
    assert runner_alive(None, None)
