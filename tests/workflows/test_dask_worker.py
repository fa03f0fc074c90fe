"""Issue #19: what a remote task gets from its worker and what comes back with it: outputs
without a shared temporary directory, the worker's own environment, and rows that say where
each attempt ran (real scheduler and worker processes)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from fixtures.dask_cluster import DaskCluster
from fixtures.dask_workflows import Submitter, finish

#: Each test starts its own scheduler and workers: seconds, not milliseconds.
pytestmark = pytest.mark.slow

FAST = {"SCRIPTRUNNER_CLUSTER_TIMEOUT": "3", "SCRIPTRUNNER_KILL_GRACE": "1"}


def stdout_json(sub: Submitter, task: str) -> dict[str, str | None]:
    ((tail,),) = sub.query("SELECT stdout_tail FROM runs WHERE task_name = ?", task)
    return json.loads(tail.splitlines()[0])  # type: ignore[no-any-return]


def test_outputs_reach_the_next_task_from_a_worker_that_cannot_see_our_temp_dir(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    sub = Submitter(tmp_path)
    # This worker sees an empty directory where the submitter keeps its temporary files.
    dask_cluster.add_worker("w1", hide=[sub.tmp])
    wf = sub.workflow(
        {
            "produce": {"run": sub.task("produce", "--out", "answer=42", "--out", "x=y")},
            "consume": {
                "needs": "produce",
                "run": sub.task("consume", "--out", "got=${{ needs.produce.outputs.answer }}"),
            },
        }
    )
    code, _, err, _ = finish(sub.start(wf, "--scheduler", dask_cluster.address, env=FAST), 30)
    assert code == 0, err
    outputs = dict(sub.query("SELECT task_name, outputs FROM runs WHERE kind = 'task'"))
    assert json.loads(outputs["produce"]) == {"answer": "42", "x": "y"}
    assert json.loads(outputs["consume"]) == {"got": "42"}


def test_a_remote_task_gets_the_workers_environment_under_the_workflows_own(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    dask_cluster.add_worker("w1", env={"CUDA_VISIBLE_DEVICES": "7", "ON_WORKER": "yes"})
    sub = Submitter(tmp_path)
    names = ("CUDA_VISIBLE_DEVICES", "ON_WORKER", "ON_SUBMITTER", "WF", "TASK_VAR")
    probe = sub.task("show", *(f"--env {n}" for n in names))
    wf = sub.workflow({"show": {"run": probe, "env": {"TASK_VAR": "t"}}}, env={"WF": "w"})
    submitter_env = {**FAST, "CUDA_VISIBLE_DEVICES": "0", "ON_SUBMITTER": "1"}
    proc = sub.start(wf, "--scheduler", dask_cluster.address, env=submitter_env)
    code, _, err, _ = finish(proc, 30)
    assert code == 0, err
    assert stdout_json(sub, "show") == {
        "CUDA_VISIBLE_DEVICES": "7",  # the worker's, not the submitter's
        "ON_WORKER": "yes",
        "ON_SUBMITTER": None,  # the submitter's environment stays at home...
        "WF": "w",  # ...but what the workflow sets travels
        "TASK_VAR": "t",
    }


def test_forward_env_names_submitter_variables_that_travel_to_the_worker(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    dask_cluster.add_worker("w1")
    sub = Submitter(tmp_path)
    wf = sub.workflow({"show": {"run": sub.task("show", "--env", "A", "--env", "B")}})
    proc = sub.start(
        wf,
        "--scheduler",
        dask_cluster.address,
        "--forward-env",
        "A",
        env={**FAST, "A": "from-submitter", "B": "stays"},
    )
    code, _, err, _ = finish(proc, 30)
    assert code == 0, err
    assert stdout_json(sub, "show") == {"A": "from-submitter", "B": None}


def test_attempt_rows_say_where_it_ran_and_how_long_it_queued(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    worker = dask_cluster.add_worker("w1", nthreads=1)
    sub = Submitter(tmp_path)
    # Two slots of ours, one thread on the cluster: the second task queues ~1 s in Dask.
    wf = sub.workflow({n: {"run": sub.task(n, "--sleep-first", "1")} for n in ("a", "b")})
    proc = sub.start(wf, "--scheduler", dask_cluster.address, "--max-parallel", "2", env=FAST)
    code, _, err, _ = finish(proc, 30)
    assert code == 0, err
    rows = {t: sub.attempts(t)[0] for t in ("a", "b")}
    for task, row in rows.items():
        ((pid, parent),) = sub.starts(task)
        assert parent == worker.pid
        assert row["pid"] == pid and row["host"] == socket.gethostname()
        assert row["worker"].startswith("tcp://127.0.0.1:")
        assert len(row["attempt_id"]) == 32
        assert row["queued_seconds"] >= 0
        assert 1.0 <= row["finished_at"] - row["started_at"] < 1.8  # no queue time in it
    first, second = sorted(rows.values(), key=lambda r: r["started_at"])
    assert second["queued_seconds"] >= 0.8
    assert second["started_at"] >= first["finished_at"] - 0.2


def test_max_parallel_defaults_to_the_clusters_worker_threads(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    dask_cluster.start_scheduler()
    dask_cluster.add_worker("w1", nthreads=3)
    sub = Submitter(tmp_path)
    wf = sub.workflow({n: {"run": sub.task(n)} for n in ("a", "b")})  # no max_parallel
    code, _, err, _ = finish(sub.start(wf, "--scheduler", dask_cluster.address, env=FAST), 30)
    assert code == 0, err
    ((payload,),) = sub.query("SELECT payload FROM events WHERE type = 'workflow.started'")
    assert json.loads(payload)["max_parallel"] == 3
