"""Following a remote attempt when it does not end the ordinary way, on one real
``distributed`` cluster for the module (one worker, one thread): an attempt that no
worker starts within its timeout, a command the worker cannot find, and a reply too
large for a ``done`` message (fetched as the Dask task's result); last, a worker killed
while it runs an attempt, which Dask gives up (``KilledWorker``)."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import psutil
import pytest
from distributed import Client, Event, LocalCluster

from fixtures.waiting import wait_until
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.runner import RunOptions
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.executors import Executor, make_executor
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.results import WorkflowResult

PROBE = r"""
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
name, out = sys.argv[1], sys.argv[2:]
open(os.path.join(here, name + ".started"), "a").write(f"{os.getpid()}\n")
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a") as f:
    f.writelines(item + "\n" for item in out)
print(name, "ran", flush=True)
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    # Dask gives up a task at the first death of a worker running it (KilledWorker).
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def executor(cluster: LocalCluster) -> Iterator[Executor]:
    ex = make_executor(
        "dask", address=cluster.scheduler_address, options=RunOptions(kill_grace=1.0)
    )
    yield ex
    ex.close()


def probe(tmp_path: Path, name: str, *out: str) -> str:
    path = tmp_path / "probe.py"
    if not path.exists():
        path.write_text(PROBE)
    return shlex.join([sys.executable, "-I", "-S", str(path), name, *out])


def run(tmp_path: Path, executor: Executor, tasks: dict[str, Any]) -> WorkflowResult:
    spec = workflow_from_dict({"tasks": tasks}, base_dir=tmp_path)
    engine = WorkflowEngine(options=EngineOptions(max_parallel=4), executor=executor)
    return engine.run(expand(spec))


def test_an_attempt_no_worker_starts_within_its_timeout_times_out_and_never_starts(
    tmp_path: Path, executor: Executor, client: Client
) -> None:
    # The cluster's only thread is busy (another Dask client's task, until released):
    # the attempt waits in Dask's queue past its timeout, then is given up.
    release = Event(f"release-{tmp_path.name}", client=client)
    blocker = client.submit(release.wait, 60, pure=False)
    wait_until(lambda: any(client.processing().values()), "the blocker to be running", 10)
    result = run(tmp_path, executor, {"late": {"run": probe(tmp_path, "late"), "timeout": 1}})
    task = result.tasks["late"]
    assert task.state == "timed_out"
    assert task.run is not None and task.run.exit_code == 124
    assert "no worker started it within its timeout (1 s)" in str(task.reason)
    assert not blocker.done()  # given up at its timeout, while the worker was still busy
    release.set()
    assert blocker.result(timeout=10) is True
    time.sleep(0.5)  # the worker is free now: the given-up attempt must still not start
    assert not (tmp_path / "late.started").exists()


def test_a_command_the_worker_cannot_find_is_an_error_as_it_is_locally(
    tmp_path: Path, executor: Executor
) -> None:
    """The worker checks the command (its ``PATH`` and files are what count) and says why;
    the task ends ``error`` with the reason a local task would give."""
    missing = tmp_path / "no-such-tool"
    result = run(
        tmp_path,
        executor,
        {"gone": {"run": f"{missing} --flag"}, "fine": {"run": probe(tmp_path, "fine")}},
    )
    assert result.tasks["fine"].state == "succeeded"
    gone = result.tasks["gone"]
    assert gone.state == "error", gone
    assert gone.reason == f"command not found: {missing}"


def test_outputs_too_large_for_a_message_arrive_whole_through_the_result(
    tmp_path: Path, executor: Executor
) -> None:
    big = "x" * 40_000  # over a done message's 16 KiB: the reply is the task's result
    result = run(tmp_path, executor, {"big": {"run": probe(tmp_path, "big", f"big={big}")}})
    task = result.tasks["big"]
    assert task.state == "succeeded", task
    assert task.outputs == {"big": big}
    assert task.run is not None and task.run.stdout.text == "big ran\n"
    assert len((tmp_path / "big.started").read_text().split()) == 1


SLEEPER = r"""
import os, sys, time
marker = sys.argv[1]
first = not os.path.exists(marker)
open(marker, "a").write(f"{os.getpid()}\n")
if first:
    time.sleep(60)
"""


def test_a_cancel_the_frozen_worker_never_answers_ends_the_attempt_lost(
    tmp_path: Path, cluster: LocalCluster, client: Client
) -> None:
    """The worker is stopped (``SIGSTOP``: alive to the scheduler, deaf to us) when the
    workflow is cancelled: the cancel cannot be delivered, and after the kill grace and
    the cluster timeout the attempt is given up as ``lost``, naming the worker.  Once the
    worker runs again, the cancel that waited reaches the attempt's process."""
    script, marker = tmp_path / "sleeper.py", tmp_path / "starts"
    script.write_text(SLEEPER)
    (worker_pid,) = client.run(os.getpid).values()
    ex = make_executor(
        "dask",
        address=cluster.scheduler_address,
        options=RunOptions(kill_grace=0.5),
        cluster_timeout=1.0,
    )
    token = CancelToken()

    def freeze_then_cancel() -> None:
        wait_until(marker.exists, "the attempt to start", 30)
        os.kill(worker_pid, signal.SIGSTOP)
        token.cancel(signal.SIGTERM)

    helper = threading.Thread(target=freeze_then_cancel)
    helper.start()
    line = shlex.join([sys.executable, "-I", "-S", str(script), str(marker)])
    spec = workflow_from_dict({"tasks": {"frozen": {"run": line}}}, base_dir=tmp_path)
    engine = WorkflowEngine(options=EngineOptions(max_parallel=4), executor=ex)
    try:
        result = engine.run(expand(spec), cancel=token)
    finally:
        helper.join()
        os.kill(worker_pid, signal.SIGCONT)
        ex.close()
    task = result.tasks["frozen"]
    assert task.run is not None
    assert [a.status for a in task.run.attempts] == ["lost"], task
    assert "never answered the cancel" in str(task.reason), task
    (pid,) = (int(p) for p in marker.read_text().split())
    wait_until(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie",
        "the attempt's process to end once its worker runs again",
        15,
    )


def test_a_worker_killed_mid_attempt_is_a_lost_attempt_and_the_retry_runs(
    tmp_path: Path, executor: Executor, client: Client
) -> None:
    """Last in the module: the cluster's worker is killed (its nanny starts another)."""
    script, marker = tmp_path / "sleeper.py", tmp_path / "starts"
    script.write_text(SLEEPER)
    (worker_pid,) = client.run(os.getpid).values()

    def kill_once_started() -> None:
        wait_until(marker.exists, "the first attempt to start", 30)
        os.kill(worker_pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_once_started)
    killer.start()
    line = shlex.join([sys.executable, "-I", "-S", str(script), str(marker)])
    retries = {"max": 1, "backoff": "fixed", "delay": 0.1}
    try:
        result = run(tmp_path, executor, {"victim": {"run": line, "retries": retries}})
    finally:
        killer.join()
    task = result.tasks["victim"]
    assert task.state == "succeeded", task
    assert task.run is not None
    assert [a.status for a in task.run.attempts] == ["lost", "succeeded"]
    first, second = (int(pid) for pid in marker.read_text().split())
    assert first != second
    wait_until(
        lambda: not psutil.pid_exists(first) or psutil.Process(first).status() == "zombie",
        "the lost attempt's process to die with its worker",
        15,
    )
