"""Local tasks run on the scheduler's own thread (``core.loop_attempt`` on
``core.reactor``): no worker thread, Future or I/O-thread hand-off per task; tasks with a
``security`` gate still run on the pool, off the loop."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from scriptrunner import events as ev
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.process import ProcessTree
from scriptrunner.core.runner import RunOptions
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict


def _run(tmp_path: Path, tasks: dict[str, object], max_parallel: int = 2) -> dict[str, set[str]]:
    """Run ``tasks``; the names of the threads each task's run events were published on."""
    doc = {"name": "loop", "max_parallel": max_parallel, "tasks": tasks}
    plan = expand(workflow_from_dict(doc, base_dir=tmp_path))
    store = open_store(load_settings(overrides={"home": str(tmp_path / "home")}))
    bus = ev.EventBus()
    threads: dict[str, set[str]] = {}
    runs: dict[str, str] = {}

    def seen(event: ev.Event) -> None:
        if event.type == ev.TASK_STARTED:
            runs[event.payload["task_run_id"]] = event.payload["task"]
        elif event.type in (ev.RUN_STARTED, ev.RUN_ATTEMPT_FINISHED, ev.RUN_FINISHED):
            task = runs.get(event.run_id or "")
            if task is not None:
                threads.setdefault(task, set()).add(threading.current_thread().name)

    bus.subscribe(seen)
    engine = WorkflowEngine(store, bus, EngineOptions(run_options=RunOptions()))
    try:
        result = engine.run(plan)
    finally:
        store.close()
    assert result.ok, result.counts()
    return threads


def test_local_tasks_run_on_the_thread_that_runs_the_workflow(tmp_path: Path) -> None:
    tasks = {
        "a": {"run": "true"},
        # fails once, then succeeds: the retry's back-off is a timer of the same loop
        "b": {
            "run": "sh -c 'echo hi; test $SCRIPTRUNNER_ATTEMPT = 2'",
            "retries": {"max": 1, "delay": 0.01},
        },
        "c": {"run": "true", "needs": ["a", "b"]},
    }
    threads = _run(tmp_path, tasks)
    here = threading.current_thread().name
    assert threads == {"a": {here}, "b": {here}, "c": {here}}


def test_many_tasks_in_parallel_all_finish_on_one_thread(tmp_path: Path) -> None:
    tasks = {f"t{i}": {"run": f"sh -c 'echo {i}; exit 0'"} for i in range(12)}
    threads = _run(tmp_path, tasks, max_parallel=4)
    assert set(threads) == set(tasks)
    assert {name for names in threads.values() for name in names} == {
        threading.current_thread().name
    }


def test_objects_alive_before_the_run_are_frozen_while_it_runs(tmp_path: Path) -> None:
    frozen: list[int] = []
    plan = expand(
        workflow_from_dict({"name": "gc", "tasks": {"a": {"run": "true"}}}, base_dir=tmp_path)
    )
    store = open_store(load_settings(overrides={"home": str(tmp_path / "home")}))
    bus = ev.EventBus()
    bus.subscribe(lambda event: frozen.append(gc.get_freeze_count()))
    assert gc.get_freeze_count() == 0
    try:
        WorkflowEngine(store, bus).run(plan)
    finally:
        store.close()
    assert frozen and max(frozen) > 0  # the collector skipped them while tasks ran
    assert gc.get_freeze_count() == 0  # and they are the collector's again after it


def _engine_run(tmp_path: Path, tasks: dict[str, object], cancel: CancelToken | None = None) -> Any:
    plan = expand(workflow_from_dict({"name": "loop", "tasks": tasks}, base_dir=tmp_path))
    store = open_store(load_settings(overrides={"home": str(tmp_path / "home")}))
    try:
        return WorkflowEngine(store).run(plan, cancel=cancel)
    finally:
        store.close()


def test_a_cancel_during_a_retry_wait_ends_the_task_at_once(tmp_path: Path) -> None:
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    started = time.monotonic()
    result = _engine_run(
        tmp_path, {"flaky": {"run": "false", "retries": {"max": 3, "delay": 30}}}, token
    )
    assert time.monotonic() - started < 10  # not the 30 s back-off
    flaky = result.tasks["flaky"]
    assert flaky.state == "cancelled"
    assert flaky.run is not None and len(flaky.run.attempts) == 1  # no attempt after it


def test_an_attempt_that_lasts_is_sampled_by_the_loop(tmp_path: Path) -> None:
    result = _engine_run(tmp_path, {"slow": {"run": "sleep 0.4"}, "quick": {"run": "true"}})
    slow, quick = result.tasks["slow"].run, result.tasks["quick"].run
    assert slow is not None and quick is not None
    assert slow.metrics.samples  # sampled from the first interval on
    assert not quick.metrics.samples  # over before its first sample was due


def test_an_error_ending_leftovers_ends_the_task_not_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: ProcessTree, grace: float) -> None:
        raise RuntimeError("leftovers bug")

    monkeypatch.setattr(ProcessTree, "end_leftovers", broken)
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = _engine_run(
        tmp_path,
        {
            # leaves a process in its group: ended off the loop, where the error happens
            "daemon": {"run": f"sh -c 'sleep 30 & echo $! > {pid_file}'"},
            "other": {"run": "true"},
        },
    )
    assert time.monotonic() - started < 20  # the workflow did not hang
    daemon = result.tasks["daemon"]
    assert daemon.state == "error" and "leftovers bug" in (daemon.reason or ""), daemon
    assert result.tasks["other"].state == "succeeded"
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), "the attempt's tree was not killed"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False
