"""Property tests of the scheduler on random DAGs of real (tiny) processes.

For any DAG, exit codes and parallelism limit: every instance ends in a terminal state,
the states are exactly what GitHub's rules predict, no task starts before its needs have
ended, and no more than ``max_parallel`` processes ever run at once (counted by the
processes themselves under an ``fcntl`` lock).
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict

TERMINAL = {"succeeded", "failed", "timed_out", "cancelled", "skipped", "error"}

# Log start (with how many probes run now) and end, then exit with argv[1].
PROBE = r"""
import fcntl, json, os, sys, time
def record(event, delta):
    log = os.environ["PROBE_LOG"]
    with open(log + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            running = int(open(log + ".count").read() or 0) + delta
        except FileNotFoundError:
            running = delta
        open(log + ".count", "w").write(str(running))
        with open(log, "a") as f:
            f.write(json.dumps([event, os.environ["SCRIPTRUNNER_TASK_ID"], time.monotonic(), running]) + "\n")
record("start", 1)
time.sleep(0.02)
record("end", -1)
sys.exit(int(sys.argv[1]))
"""


@st.composite
def workflows(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """Tasks ``t0..tn`` with needs on earlier tasks, exit codes and some ``run_always``."""
    n = draw(st.integers(1, 12))
    tasks: dict[str, Any] = {}
    for i in range(n):
        needs = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        tasks[f"t{i}"] = {
            "needs": [f"t{j}" for j in needs],
            "exit": draw(st.sampled_from([0, 0, 0, 1, 3])),
            "always": draw(st.booleans()) if needs else False,
        }
    return tasks, draw(st.integers(1, 4))


def expected_states(tasks: dict[str, Any]) -> dict[str, str]:
    """GitHub's rules: a task runs if it is ``always()`` or every ancestor succeeded."""
    state: dict[str, str] = {}
    clean: dict[str, bool] = {}  # it and all its ancestors succeeded
    for name, task in tasks.items():  # needs come earlier
        ancestors_ok = all(clean[n] for n in task["needs"])
        if task["always"] or ancestors_ok:
            state[name] = "succeeded" if task["exit"] == 0 else "failed"
        else:
            state[name] = "skipped"
        clean[name] = ancestors_ok and state[name] == "succeeded"
    return state


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dags")
    (path / "probe.py").write_text(PROBE)
    return path


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=workflows())
def test_random_dags_respect_needs_limits_and_conditions(
    workdir: Path, case: tuple[dict[str, Any], int]
) -> None:
    tasks, max_parallel = case
    log = Path(tempfile.mkdtemp(dir=workdir)) / "log"
    probe = [sys.executable, "-I", "-S", str(workdir / "probe.py")]
    spec = workflow_from_dict(
        {
            "env": {"PROBE_LOG": str(log)},
            "tasks": {
                name: {
                    "run": shlex.join([*probe, str(t["exit"])]),
                    "needs": t["needs"],
                    **({"if": "always()"} if t["always"] else {}),
                }
                for name, t in tasks.items()
            },
        },
        base_dir=workdir,
    )
    result = WorkflowEngine(options=EngineOptions(max_parallel=max_parallel)).run(expand(spec))

    states = {i: t.state for i, t in result.tasks.items()}
    assert set(states) == set(tasks)
    assert set(states.values()) <= TERMINAL
    expected = expected_states(tasks)
    assert states == expected
    assert result.ok == ("failed" not in expected.values())

    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    starts = {r[1]: r[2] for r in records if r[0] == "start"}
    ends = {r[1]: r[2] for r in records if r[0] == "end"}
    assert sorted(starts) == sorted(i for i, s in expected.items() if s != "skipped")
    assert sorted(ends) == sorted(starts)
    for name, started in starts.items():
        for need in tasks[name]["needs"]:
            if need in ends:
                assert ends[need] < started, f"{name} started before {need} ended"
    assert max((r[3] for r in records), default=0) <= max_parallel
