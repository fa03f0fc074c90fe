"""The Dask executor against a real ``distributed`` cluster on loopback.

The scheduler (DAG, conditions, retries, outputs) stays in the test process; each attempt
must run as a child of a Dask *worker* process, where its timeout kills its tree.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from distributed import Client, LocalCluster

from scriptrunner.core.runner import RunOptions
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.dask_executor import DaskExecutor
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.executors import Executor, make_executor
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.results import WorkflowResult

PROBE = r"""
import argparse, json, os, subprocess, sys, time
p = argparse.ArgumentParser()
p.add_argument("--sleep", type=float, default=0.0)
p.add_argument("--exit", type=int, default=0)
p.add_argument("--out", action="append", default=[])
p.add_argument("--count")
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--grandchild")
p.add_argument("rest", nargs="*")
a = p.parse_args()
code = a.exit
if a.count:
    with open(a.count, "a") as f:
        f.write("x\n")
    if len(open(a.count).read().split()) <= a.fail_first:
        code = 1
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a") as f:
    f.writelines(item + "\n" for item in a.out)
if a.grandchild:
    gc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                          start_new_session=True)
    open(a.grandchild, "w").write(f"{os.getpid()} {gc.pid}")
print(json.dumps({"args": a.rest, "pid": os.getpid(), "ppid": os.getppid()}), flush=True)
time.sleep(a.sleep)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as c:
        yield c


@pytest.fixture(scope="module")
def worker_pids(cluster: LocalCluster) -> set[int]:
    with Client(cluster) as client:
        pids = set(client.run(os.getpid).values())
    assert len(pids) == 2
    return pids


@pytest.fixture(scope="module")
def executor(cluster: LocalCluster) -> Iterator[Executor]:
    ex = make_executor(
        "dask", address=cluster.scheduler_address, options=RunOptions(kill_grace=1.0)
    )
    yield ex
    ex.close()


def probe_line(tmp_path: Path, *args: str) -> str:
    path = tmp_path / "probe.py"
    if not path.exists():
        path.write_text(PROBE)
    return shlex.join([sys.executable, "-I", "-S", str(path), *args])


def run(
    tmp_path: Path, executor: Executor, tasks: dict[str, Any], **options: Any
) -> WorkflowResult:
    spec = workflow_from_dict({"tasks": tasks}, base_dir=tmp_path)
    engine = WorkflowEngine(options=EngineOptions(max_parallel=4, **options), executor=executor)
    return engine.run(expand(spec))


def reported(result: WorkflowResult, iid: str) -> dict[str, Any]:
    run = result.tasks[iid].run
    assert run is not None, f"{iid} started no process"
    return json.loads(run.stdout.text.splitlines()[-1])  # type: ignore[no-any-return]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_fail_fast_cancels_a_task_running_on_a_worker(tmp_path: Path, executor: Executor) -> None:
    # First in the module, on fresh workers: cancelling must not depend on a worker
    # having made a Dask client for an earlier task.
    started = time.monotonic()
    result = run(
        tmp_path,
        executor,
        {
            "long": {"run": probe_line(tmp_path, "--sleep", "30")},
            "bad": {"run": probe_line(tmp_path, "--sleep", "0.3", "--exit", "1")},
        },
        fail_fast=True,
    )
    assert time.monotonic() - started < 5
    assert {i: t.state for i, t in result.tasks.items()} == {"long": "cancelled", "bad": "failed"}
    assert result.status == "cancelled"


def test_workflow_runs_on_dask_workers(
    tmp_path: Path, executor: Executor, worker_pids: set[int]
) -> None:
    counter, pids = tmp_path / "count", tmp_path / "pids"

    def p(*args: str) -> str:
        return probe_line(tmp_path, *args)

    result = run(
        tmp_path,
        executor,
        {
            # Fails its first attempt: the retry is another Dask task.
            "prepare": {
                "run": p("--count", str(counter), "--fail-first", "1", "--out", "base=10"),
                "retries": {"max": 2, "backoff": "fixed", "delay": 0.05},
            },
            "work": {
                "needs": "prepare",
                "run": p(
                    "--out=done_${{ matrix.part }}=${{ needs.prepare.outputs.base }}",
                    "${{ matrix.part }}",
                ),
                "matrix": {"part": ["x", "y"]},
            },
            "hang": {
                "needs": "prepare",
                "run": p("--grandchild", str(pids), "--sleep", "60"),
                "timeout": 1.0,
            },
            "join": {
                "needs": ["work", "prepare"],
                "run": p(
                    "${{ needs.work.outputs.done_x }}",
                    "${{ needs.work.outputs.done_y }}",
                    "${{ needs.prepare.outputs.base }}",
                ),
            },
            "after_hang": {"needs": "hang", "if": "failure()", "run": p()},
            "blocked": {"needs": "hang", "run": p()},
        },
    )
    assert {i: t.state for i, t in result.tasks.items()} == {
        "prepare": "succeeded",
        "work (part=x)": "succeeded",
        "work (part=y)": "succeeded",
        "hang": "timed_out",
        "join": "succeeded",
        "after_hang": "succeeded",
        "blocked": "skipped",
    }
    prepare = result.tasks["prepare"].run
    assert prepare is not None
    assert [a.status for a in prepare.attempts] == ["failed", "succeeded"]
    assert counter.read_text() == "x\nx\n"
    assert result.tasks["work (part=y)"].outputs == {"done_y": "10"}
    assert reported(result, "work (part=x)")["args"] == ["x"]
    assert reported(result, "join")["args"] == ["10", "10", "10"]
    hang = result.tasks["hang"].run
    assert hang is not None and hang.exit_code == 124
    # Every process was a child of a worker process, not of this one.
    for iid in ("prepare", "work (part=x)", "work (part=y)", "hang", "join", "after_hang"):
        parent = reported(result, iid)["ppid"]
        assert parent != os.getpid() and parent in worker_pids, (iid, parent, worker_pids)
    # The timeout killed the task's whole tree on the worker.
    child, grandchild = (int(pid) for pid in pids.read_text().split())
    assert not alive(child) and not alive(grandchild)


# Our module's cluster holds the default HTTP port (on loopback); distributed picks another.
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
def test_dask_executor_without_address_starts_and_closes_its_own_cluster(
    tmp_path: Path,
) -> None:
    executor = DaskExecutor(n_workers=1)
    try:
        pids = set(executor.client.run(os.getpid).values())
        result = run(tmp_path, executor, {"only": {"run": probe_line(tmp_path, "a")}})
        assert result.ok
        assert reported(result, "only")["ppid"] in pids
    finally:
        executor.close()
    assert pids and os.getpid() not in pids
    gone, still = psutil.wait_procs([psutil.Process(p) for p in pids if alive(p)], timeout=10)
    assert not still, f"worker processes survived close(): {still}"
    assert executor.client.status == "closed"


def test_claims_are_answered_through_the_scheduler_when_workers_cannot_be_called(
    tmp_path: Path, cluster: LocalCluster
) -> None:
    """The submitter answers a worker's claim by calling it directly; where it cannot
    reach the workers (only the scheduler), the scheduler relays the answer."""
    ex = make_executor("dask", address=cluster.scheduler_address, options=RunOptions())
    client: Any = ex.client  # type: ignore[attr-defined]
    pool = client.rpc
    try:
        client.rpc = _Unreachable(pool)
        result = run(
            tmp_path,
            ex,
            {
                "a": {"run": probe_line(tmp_path, "--out", "x=1")},
                "b": {"needs": "a", "run": probe_line(tmp_path, "${{ needs.a.outputs.x }}")},
            },
        )
        assert result.ok
        assert reported(result, "b")["args"] == ["1"]
        assert ex.attempts.direct is False  # type: ignore[attr-defined]
    finally:
        client.rpc = pool
        ex.close()


class _Unreachable:
    """A client's connection pool that cannot reach any worker (only the scheduler, over
    the client's own connection)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def __call__(self, address: str) -> Any:
        raise OSError(f"no route to {address}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)
