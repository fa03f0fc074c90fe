"""Issue #19: the Dask executor survives the loss of a worker, of every worker and of the
scheduler, with real ``dask scheduler`` / ``dask worker`` processes on loopback.

Each test runs the real ``scriptrunner workflow run`` against a cluster started for it
(``fixtures.dask_cluster``), injects one fault, and checks that the run ends in bounded
time with exact task states and attempt rows, no ``running`` row, no task process left
and no silent double execution (the probe counts its own starts).
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from fixtures.dask_cluster import DaskCluster, alive
from fixtures.dask_workflows import Submitter, finish
from fixtures.waiting import wait_until

#: Each test starts its own scheduler and workers: seconds, not milliseconds.
pytestmark = pytest.mark.slow

#: Short deadlines: the cluster is declared lost after 3 s, kills escalate after 1 s.
FAST = {"SCRIPTRUNNER_CLUSTER_TIMEOUT": "3", "SCRIPTRUNNER_KILL_GRACE": "1"}


def gone(pids: list[int], what: str) -> None:
    wait_until(lambda: not any(alive(p) for p in pids), what, timeout=15)


@pytest.mark.parametrize("victim", ["worker", "nanny"])
def test_a_worker_killed_mid_task_leaves_a_lost_attempt_and_our_retry_runs_elsewhere(
    dask_cluster: DaskCluster, tmp_path: Path, victim: str
) -> None:
    dask_cluster.start_scheduler()
    for name in ("w1", "w2"):
        dask_cluster.add_worker(name)
    sub = Submitter(tmp_path)
    retries = {"max": 2, "backoff": "fixed", "delay": 0.1}
    wf = sub.workflow({"job": {"run": sub.task("job", "--sleep-first", "60"), "retries": retries}})
    proc = sub.start(wf, "--scheduler", dask_cluster.address, env=FAST)
    ((pid, parent),) = sub.wait_started("job")
    doomed = dask_cluster.worker_of(pid)
    if victim == "worker":
        dask_cluster.kill_worker(doomed)
    else:
        dask_cluster.kill_nanny(doomed)

    code, _, err, took = finish(proc, 30)
    assert code == 0, err
    gone([pid], "the process of the lost attempt to die with its worker")
    attempts = sub.attempts("job")
    assert [a["status"] for a in attempts] == ["lost", "succeeded"], err
    starts = sub.starts("job")
    # Exactly the recorded attempts ran: Dask did not run attempt 1 again by itself.
    assert len(starts) == 2, starts
    assert starts[0] == (pid, parent) and starts[1][1] != doomed.pid
    assert [a["pid"] for a in attempts] == [pid, starts[1][0]]
    assert attempts[0]["attempt_id"] != attempts[1]["attempt_id"]
    assert sub.tasks() == {"job": "succeeded"}
    assert sub.running_rows() == []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_the_scheduler_lost_ends_every_task_as_infrastructure_within_the_deadline(
    dask_cluster: DaskCluster, tmp_path: Path, sig: int
) -> None:
    dask_cluster.start_scheduler()
    dask_cluster.add_worker("w1", nthreads=2)
    sub = Submitter(tmp_path)
    fan = {f"fan{i}": {"run": sub.task(f"fan{i}", "--sleep-first", "60")} for i in range(4)}
    cleanup = {"needs": list(fan), "if": "always()", "run": sub.task("cleanup")}
    wf = sub.workflow({**fan, "cleanup": cleanup})
    # More tasks than --max-parallel: two run, two wait for a slot of ours.
    proc = sub.start(wf, "--scheduler", dask_cluster.address, "--max-parallel", "2", env=FAST)
    wait_until(lambda: sum(bool(sub.starts(t)) for t in fan) == 2, "two tasks running", 30)
    pids = [pid for t in fan for pid, _ in sub.starts(t)]
    dask_cluster.kill_scheduler(sig)

    code, _, err, took = finish(proc, 30)
    assert code == 1, err
    assert took < 3 + 10, f"took {took:.1f} s after the scheduler was lost"
    assert sub.tasks() == {**dict.fromkeys(fan, "infrastructure"), "cleanup": "infrastructure"}
    assert "infrastructure" in err and "cleanup" in err  # the summary was printed
    assert sub.running_rows() == []
    gone(pids, "the remote task processes to end once the scheduler is lost")
    assert sorted(len(sub.starts(t)) for t in fan) == [0, 0, 1, 1]
    assert sub.starts("cleanup") == []


def test_losing_every_worker_ends_running_tasks_lost_and_queued_ones_infrastructure(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    workers = [dask_cluster.add_worker(name) for name in ("w1", "w2")]
    sub = Submitter(tmp_path)
    fan = {f"fan{i}": {"run": sub.task(f"fan{i}", "--sleep-first", "60")} for i in range(3)}
    cleanup = {"needs": list(fan), "if": "always()", "run": sub.task("cleanup")}
    wf = sub.workflow({**fan, "cleanup": cleanup})
    # Three slots of ours, two on the cluster: one task waits in Dask's queue.
    proc = sub.start(wf, "--scheduler", dask_cluster.address, "--max-parallel", "3", env=FAST)
    wait_until(lambda: sum(bool(sub.starts(t)) for t in fan) == 2, "two tasks running", 30)
    pids = [pid for t in fan for pid, _ in sub.starts(t)]
    for worker in workers:
        dask_cluster.kill_nanny(worker)

    code, _, err, took = finish(proc, 30)
    assert code == 1, err
    assert took < 3 + 10, f"took {took:.1f} s after the workers were lost"
    states = sub.tasks()
    ran = {t for t in fan if sub.starts(t)}
    assert {t: states[t] for t in fan} == {t: "lost" if t in ran else "infrastructure" for t in fan}
    assert states["cleanup"] == "infrastructure"
    assert "infrastructure" in err and "cleanup" in err
    assert sub.running_rows() == []
    gone(pids, "the task processes to die with their workers")
    assert sub.starts("cleanup") == []


def test_local_always_runs_the_clean_up_here_once_the_cluster_is_lost(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    worker = dask_cluster.add_worker("w1")
    sub = Submitter(tmp_path)
    retries = {"max": 3, "backoff": "fixed", "delay": 0.1, "on": [3]}
    wf = sub.workflow(
        {
            # retry_on does not stop the retries of attempts that have no exit code of theirs
            "job": {"run": sub.task("job", "--sleep-first", "60"), "retries": retries},
            "cleanup": {"needs": "job", "if": "always()", "run": sub.task("cleanup")},
        }
    )
    proc = sub.start(wf, "--scheduler", dask_cluster.address, "--local-always", env=FAST)
    ((pid, _),) = sub.wait_started("job")
    dask_cluster.kill_nanny(worker)

    code, _, err, took = finish(proc, 30)
    assert code == 1, err
    assert took < 3 + 10
    assert sub.tasks() == {"job": "infrastructure", "cleanup": "succeeded"}
    statuses = [a["status"] for a in sub.attempts("job")]
    assert statuses[0] == "lost" and statuses[1:] == ["infrastructure"] * (len(statuses) - 1)
    assert len(statuses) >= 2  # retried after the loss, in spite of `on: [3]`
    assert len(sub.starts("job")) == 1
    ((_, parent),) = sub.starts("cleanup")
    assert parent != worker.pid  # it ran here, not on the cluster
    assert sub.attempts("cleanup")[0]["attempt_id"] is None
    gone([pid], "the task process to die with its worker")
    assert sub.running_rows() == []
