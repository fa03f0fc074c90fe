"""Following a remote attempt when it does not end the ordinary way, on one real
``distributed`` cluster for the module (one worker, one thread): an attempt that no
worker starts within its timeout, a command the worker cannot find, and a reply too
large for a ``done`` message (fetched as the Dask task's result)."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client, LocalCluster

from fixtures.waiting import wait_until
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
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as c:
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
    # The cluster's only thread is busy (another Dask client's task) for longer than the
    # task's timeout: the attempt waits in Dask's queue, then is given up.
    blocker = client.submit(time.sleep, 4, pure=False)
    wait_until(lambda: any(client.processing().values()), "the blocker to be running", 10)
    started = time.monotonic()
    result = run(tmp_path, executor, {"late": {"run": probe(tmp_path, "late"), "timeout": 1}})
    took = time.monotonic() - started
    task = result.tasks["late"]
    assert task.state == "timed_out"
    assert task.run is not None and task.run.exit_code == 124
    assert "no worker started it within its timeout (1 s)" in str(task.reason)
    assert took < 3.5  # given up at its timeout, not when the blocker ends
    blocker.result(timeout=10)
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
