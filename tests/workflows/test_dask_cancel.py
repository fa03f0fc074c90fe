"""Issue #19: Ctrl-C of ``workflow run`` on the Dask executor: running remote tasks get the
same SIGINT as local ones, queued ones never start, and the run ends at once with its
summary (real scheduler and worker processes)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from fixtures.dask_cluster import DaskCluster, alive
from fixtures.dask_workflows import Submitter, finish
from fixtures.waiting import wait_until

#: Each test starts its own scheduler and workers: seconds, not milliseconds.
pytestmark = pytest.mark.slow

FAST = {"SCRIPTRUNNER_CLUSTER_TIMEOUT": "3", "SCRIPTRUNNER_KILL_GRACE": "1"}


def test_sigint_reaches_the_running_remote_task_and_queued_tasks_never_start(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    dask_cluster.add_worker("w1", nthreads=1)
    sub = Submitter(tmp_path)
    names = ("a", "b", "c")
    wf = sub.workflow({name: {"run": sub.task(name, "--sleep-first", "60")} for name in names})
    # Three slots of ours, one thread on the cluster: two tasks wait in Dask's queue.
    proc = sub.start(wf, "--scheduler", dask_cluster.address, "--max-parallel", "3", env=FAST)
    running = wait_until(
        lambda: [n for n in names if sub.starts(n)], "one task running on the worker", 30
    )
    time.sleep(0.5)  # the other two are submitted and queued meanwhile
    proc.send_signal(signal.SIGINT)

    code, _, err, took = finish(proc, 20)
    assert code == 128 + signal.SIGINT, err
    assert took < 1 + 5, f"took {took:.1f} s to end after SIGINT"
    assert sub.tasks() == dict.fromkeys(names, "cancelled")
    assert "cancelled" in err  # the summary was printed
    (first,) = running
    assert sub.signals(first) == ["SIGINT"]  # as a local task would get it
    ((pid, _),) = sub.starts(first)
    wait_until(lambda: not alive(pid), "the remote task to end", 10)
    time.sleep(1.0)  # a queued task started late would show up by now
    assert [n for n in names if sub.starts(n)] == [first]
    assert sub.running_rows() == []
