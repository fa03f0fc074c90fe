"""The workflow engine against real processes: order, parallelism, conditions, matrices,
retries, timeouts, cancellation, resume and history.

Every task runs ``probe.py`` (written below), which records its own start and end with
``time.monotonic()`` (one clock for all processes on Linux) and, under an ``fcntl`` lock,
how many probes were running at that moment; so the tests check what the processes saw,
not what the engine says about itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest

from scriptrunner import events as ev
from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.runner import RunOptions
from scriptrunner.errors import WorkflowError
from scriptrunner.settings import Settings, load_settings
from scriptrunner.store import open_reader, open_store
from scriptrunner.store.base import HistoryStore
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.results import TaskResult, WorkflowResult
from scriptrunner.workflows.resume import reuse_from_history

TERMINAL = {"succeeded", "failed", "timed_out", "cancelled", "skipped", "error"}

PROBE = r"""
import argparse, codecs, fcntl, json, os, subprocess, sys, time

def record(event):
    log = os.environ["PROBE_LOG"]
    with open(log + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(log + ".count") as f:
                running = int(f.read() or 0)
        except FileNotFoundError:
            running = 0
        running += 1 if event == "start" else -1
        with open(log + ".count", "w") as f:
            f.write(str(running))
        line = {"event": event, "id": os.environ["SCRIPTRUNNER_TASK_ID"],
                "t": time.monotonic(), "running": running, "pid": os.getpid()}
        with open(log, "a") as f:
            f.write(json.dumps(line) + "\n")

record("start")
p = argparse.ArgumentParser()
p.add_argument("--sleep", type=float, default=0.0)
p.add_argument("--exit", type=int, default=0)
p.add_argument("--out", action="append", default=[])      # NAME=VALUE lines
p.add_argument("--write", action="append", default=[])    # raw text, \n escapes decoded
p.add_argument("--env", action="append", default=[])      # variables to report
p.add_argument("--count")                                  # append a line per invocation
p.add_argument("--fail-first", type=int, default=0)       # fail the first N invocations
p.add_argument("--require")                                # fail unless this file exists
p.add_argument("--grandchild")                             # start a sleeper, log both pids
p.add_argument("--ready", type=int)                        # then connect to this port
p.add_argument("--signal")                                 # then open this FIFO to write
p.add_argument("--await", dest="wait")                     # first open this FIFO to read
p.add_argument("rest", nargs="*")
a = p.parse_args()
if a.wait:
    open(a.wait).close()  # blocks until another probe opens it with --signal
code = a.exit
if a.count:
    with open(a.count, "a") as f:
        f.write("x\n")
    with open(a.count) as f:
        if len(f.read().split()) <= a.fail_first:
            code = 1
if a.require and not os.path.exists(a.require):
    code = 1
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a") as f:
    for item in a.out:
        f.write(item + "\n")
    for text in a.write:
        f.write(codecs.decode(text, "unicode_escape"))
if a.grandchild:
    gc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                          start_new_session=True)
    with open(a.grandchild, "w") as f:
        f.write(f"{os.getpid()} {gc.pid}")
if a.ready:
    import socket
    socket.create_connection(("127.0.0.1", a.ready)).close()
if a.signal:
    open(a.signal, "w").close()
print(json.dumps({"args": a.rest, "env": {k: os.environ.get(k) for k in a.env},
                  "pid": os.getpid(), "ppid": os.getppid()}), flush=True)
time.sleep(a.sleep)
record("end")
sys.exit(code)
"""


@dataclasses.dataclass
class Probe:
    """The probe script and the log its runs append to."""

    dir: Path

    @property
    def path(self) -> Path:
        return self.dir / "probe.py"

    @property
    def log(self) -> Path:
        return self.dir / "probe.log"

    def run(self, *args: str) -> str:
        """A ``run`` line starting the probe (``-I -S``: a 10 ms interpreter start-up)."""
        return shlex.join([sys.executable, "-I", "-S", str(self.path), *args])

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def spans(self) -> dict[str, tuple[float, float]]:
        """Instance id -> (start, end) as the process saw it."""
        starts = {r["id"]: r["t"] for r in self.records() if r["event"] == "start"}
        ends = {r["id"]: r["t"] for r in self.records() if r["event"] == "end"}
        return {i: (starts[i], ends.get(i, float("inf"))) for i in starts}

    def ran(self) -> list[str]:
        return [r["id"] for r in self.records() if r["event"] == "start"]

    def max_running(self) -> int:
        return max((r["running"] for r in self.records()), default=0)


@pytest.fixture
def probe(tmp_path: Path) -> Probe:
    p = Probe(tmp_path)
    p.path.write_text(PROBE)
    return p


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(overrides={"home": str(tmp_path / "home")})


@pytest.fixture
def store(settings: Settings) -> Iterator[HistoryStore]:
    s = open_store(settings)
    yield s
    s.close()


class Recorder:
    """A bus subscriber keeping every event with the monotonic time it was seen."""

    def __init__(self) -> None:
        self.events: list[tuple[float, ev.Event]] = []
        self.lock = threading.Lock()

    def __call__(self, event: ev.Event) -> None:
        with self.lock:
            self.events.append((time.monotonic(), event))

    def types(self) -> list[str]:
        return [e.type for _, e in self.events]

    def at(self, type_: str, task: str) -> float:
        return next(t for t, e in self.events if e.type == type_ and e.payload["task"] == task)


def make_plan(probe: Probe, tasks: Mapping[str, Any], **top: Any) -> Plan:
    """Load ``tasks`` as a workflow (with the probe's log in its env) and expand it."""
    spec = workflow_from_dict(
        {"name": "wf", "env": {"PROBE_LOG": str(probe.log)}, **top, "tasks": tasks},
        base_dir=probe.dir,
    )
    return expand(spec)


def run_workflow(
    probe: Probe,
    tasks: Mapping[str, Any],
    *,
    store: HistoryStore | None = None,
    bus: ev.EventBus | None = None,
    options: EngineOptions | None = None,
    cancel: CancelToken | None = None,
    reuse: Mapping[str, TaskResult] | None = None,
    **top: Any,
) -> WorkflowResult:
    """Run ``tasks`` as a workflow (four at a time unless ``options`` say otherwise)."""
    engine = WorkflowEngine(store, bus, options or EngineOptions(max_parallel=4))
    return engine.run(make_plan(probe, tasks, **top), cancel=cancel, reuse=reuse)


def states(result: WorkflowResult) -> dict[str, str]:
    return {i: t.state for i, t in result.tasks.items()}


def stdout_json(result: WorkflowResult, iid: str) -> dict[str, Any]:
    run = result.tasks[iid].run
    assert run is not None, f"{iid} started no process"
    return json.loads(run.stdout.text)  # type: ignore[no-any-return]


@pytest.fixture
def ready() -> Iterator[socket.socket]:
    """A loopback port probes started with ``--ready PORT`` connect to once they are up."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    yield server
    server.close()


def wait_ready(server: socket.socket, n: int) -> None:
    for _ in range(n):
        server.accept()[0].close()


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# -- order and parallelism ---------------------------------------------------------------


def test_needs_finish_before_dependents_start(probe: Probe) -> None:
    short = probe.run("--sleep", "0.1")
    result = run_workflow(
        probe,
        {
            "a": {"run": short},
            "b": {"needs": "a", "run": short},
            "c": {"needs": "a", "run": probe.run("--sleep", "0.2")},
            "d": {"needs": ["b", "c"], "run": short},
            "e": {"run": short},
        },
    )
    assert result.ok, states(result)
    spans = probe.spans()
    assert sorted(spans) == ["a", "b", "c", "d", "e"]
    for task, needs in {"b": ["a"], "c": ["a"], "d": ["b", "c"]}.items():
        for need in needs:
            assert spans[need][1] < spans[task][0], f"{task} started before {need} ended"
    # b and c, both freed by a, ran side by side.
    assert spans["b"][0] < spans["c"][1] and spans["c"][0] < spans["b"][1]


@pytest.mark.parametrize(
    ("engine_limit", "file_limit", "expected"),
    [(1, None, 1), (2, None, 2), (3, 1, 3), (None, 2, 2)],
)
def test_max_parallel_is_never_exceeded(
    probe: Probe, engine_limit: int | None, file_limit: int | None, expected: int
) -> None:
    top = {"max_parallel": file_limit} if file_limit else {}
    result = run_workflow(
        probe,
        {f"t{i}": {"run": probe.run("--sleep", "0.25")} for i in range(5)},
        options=EngineOptions(max_parallel=engine_limit),
        **top,
    )
    assert result.ok
    assert len(probe.ran()) == 5
    # Reaching the limit shows the measurement works; exceeding it would be the bug.
    assert probe.max_running() == expected


def test_tasks_run_in_parallel_when_allowed(probe: Probe) -> None:
    sleeper = probe.run("--sleep", "0.5")
    started = time.monotonic()
    result = run_workflow(
        probe, {"a": {"run": sleeper}, "b": {"run": sleeper}}, options=EngineOptions(2)
    )
    elapsed = time.monotonic() - started
    assert result.ok
    assert elapsed < 0.9, elapsed
    assert probe.max_running() == 2


def test_dependent_starts_as_soon_as_its_last_need_finishes(probe: Probe) -> None:
    recorder = Recorder()
    bus = ev.EventBus()
    bus.subscribe(recorder)
    chain = ["c", "d", "e", "f"]
    result = run_workflow(
        probe,
        {
            "slow": {"run": probe.run("--sleep", "1.5")},
            "a": {"run": probe.run("--sleep", "0.1")},
            "b": {"run": probe.run("--sleep", "0.3")},
            "c": {"needs": ["a", "b"], "run": probe.run()},
            "d": {"needs": "c", "run": probe.run()},
            "e": {"needs": "d", "run": probe.run()},
            "f": {"needs": "e", "run": probe.run()},
        },
        bus=bus,
    )
    assert result.ok
    spans = probe.spans()
    # c waited for b (its last need), not for a; the chain did not wait for slow, which
    # it does not need (no level-by-level scheduling).
    assert spans["a"][1] < spans["b"][1] < spans["c"][0]
    assert spans["f"][1] < spans["slow"][1] - 0.3
    # Woken by each need's end, not by a poll: from the moment a run is over (its
    # run.finished, sent from the task's worker thread) to its dependent's task.started.
    # Four hand-offs, so a poll of any period over a few ms cannot pass by luck.
    run_ids = {
        e.payload["task_run_id"]: e.payload["task"]
        for _, e in recorder.events
        if e.type == ev.TASK_STARTED
    }
    over = {run_ids[e.run_id]: t for t, e in recorder.events if e.type == ev.RUN_FINISHED}
    gaps = [
        recorder.at(ev.TASK_STARTED, nxt) - over[prev]
        for prev, nxt in zip(["b", *chain[:-1]], chain, strict=True)
    ]
    assert all(0 <= g < 0.05 for g in gaps), gaps
    assert sum(gaps) < 0.05, gaps
    # From b's last instruction to c's first (two interpreter exits and starts).
    assert spans["c"][0] - spans["b"][1] < 0.15, spans


# -- conditions --------------------------------------------------------------------------


def test_conditions_decide_who_runs_after_a_failure(probe: Probe) -> None:
    ok = probe.run("--out", "flag=yes")
    tasks: dict[str, Any] = {
        "fail": {"run": probe.run("--exit", "1")},
        "ok": {"run": ok},
        "dep_default": {"needs": "fail", "run": probe.run()},
        "dep_failure": {"needs": "fail", "if": "failure()", "run": probe.run()},
        "dep_always": {"needs": "fail", "run_always": True, "run": probe.run()},
        "dep_of_skipped": {"needs": "dep_default", "run": probe.run()},
        "always_after_skipped": {"needs": "dep_default", "if": "always()", "run": probe.run()},
        "failure_through_skipped": {"needs": "dep_default", "if": "failure()", "run": probe.run()},
        "failure_without_failure": {"needs": "ok", "if": "failure()", "run": probe.run()},
        "skip_if_true": {
            "needs": "ok",
            "skip_if": "needs.ok.outputs.flag == 'yes'",
            "run": probe.run(),
        },
        "skip_if_false": {
            "needs": "ok",
            "skip_if": "${{ needs.ok.outputs.flag == 'no' }}",
            "run": probe.run(),
        },
        "output_true": {"needs": "ok", "if": "needs.ok.outputs.flag == 'yes'", "run": probe.run()},
        "output_false": {"needs": "ok", "if": "needs.ok.outputs.flag == 'no'", "run": probe.run()},
        # No status function: an implicit success() && in front, so the failed need wins.
        "implicit_success": {
            "needs": ["fail", "ok"],
            "if": "needs.ok.outputs.flag == 'yes'",
            "run": probe.run(),
        },
        "by_result": {
            "needs": ["fail", "ok", "dep_default"],
            "if": "always() && needs.fail.result == 'failure' && needs.ok.result == 'success'"
            " && needs.dep_default.result == 'skipped'",
            "run": probe.run(),
        },
        "only_if_cancelled": {"needs": "ok", "if": "cancelled()", "run": probe.run()},
        "tolerated": {"run": probe.run("--exit", "3"), "continue_on_error": True},
        "after_tolerated": {"needs": "tolerated", "run": probe.run()},
        "sees_tolerated": {
            "needs": "tolerated",
            "if": "needs.tolerated.result == 'success'",
            "run": probe.run(),
        },
    }
    result = run_workflow(probe, tasks)
    expected = {
        "fail": "failed",
        "ok": "succeeded",
        "dep_default": "skipped",
        "dep_failure": "succeeded",
        "dep_always": "succeeded",
        "dep_of_skipped": "skipped",
        "always_after_skipped": "succeeded",
        "failure_through_skipped": "succeeded",
        "failure_without_failure": "skipped",
        "skip_if_true": "skipped",
        "skip_if_false": "succeeded",
        "output_true": "succeeded",
        "output_false": "skipped",
        "implicit_success": "skipped",
        "by_result": "succeeded",
        "only_if_cancelled": "skipped",
        "tolerated": "failed",
        "after_tolerated": "succeeded",
        "sees_tolerated": "succeeded",
    }
    assert states(result) == expected
    # A skipped task starts no process; every other one did.
    assert sorted(probe.ran()) == sorted(i for i, s in expected.items() if s != "skipped")
    assert all(result.tasks[i].run is None for i, s in expected.items() if s == "skipped")
    assert result.tasks["dep_default"].reason == "needs `fail`, which failed"  # issue #17
    tolerated = result.tasks["tolerated"]
    assert (tolerated.result, tolerated.outcome) == ("success", "failure")
    assert tolerated.run is not None and tolerated.run.exit_code == 3
    # One real failure fails the workflow even though failure() handlers ran.
    assert not result.ok and result.status == "failed" and result.exit_code == 1
    assert not result.cancelled


def test_continue_on_error_keeps_the_workflow_ok(probe: Probe) -> None:
    result = run_workflow(
        probe,
        {
            "flaky": {"run": probe.run("--exit", "5"), "continue_on_error": True},
            "next": {"needs": "flaky", "run": probe.run()},
        },
    )
    assert states(result) == {"flaky": "failed", "next": "succeeded"}
    assert result.ok and result.status == "succeeded" and result.exit_code == 0
    assert result.counts() == {"failed": 1, "succeeded": 1}


def test_matrix_instances_get_their_values(probe: Probe) -> None:
    env = ["SCRIPTRUNNER_MATRIX_DAY", "SCRIPTRUNNER_MATRIX_FULL", "SCRIPTRUNNER_MATRIX_SIZE"]
    env += ["SCRIPTRUNNER_MATRIX", "SCRIPTRUNNER_TASK", "SCRIPTRUNNER_TASK_ID"]
    result = run_workflow(
        probe,
        {
            "extract": {
                "run": probe.run(
                    *[f"--env={e}" for e in env],
                    "--out=rows_${{ matrix.day }}=${{ matrix.size }}",
                    "day=${{ matrix.day }}",
                ),
                "matrix": {
                    "day": ["mon", "tue", "wed"],
                    "exclude": [{"day": "tue"}],
                    "include": [{"day": "mon", "size": 3}, {"day": "sun", "full": True}],
                },
            },
            "load": {
                "needs": "extract",
                "run": probe.run(
                    "${{ needs.extract.outputs.rows_mon }}", "${{ needs.extract.outputs.rows_wed }}"
                ),
            },
        },
    )
    ids = ["extract (day=mon, size=3)", "extract (day=wed)", "extract (day=sun, full=true)", "load"]
    assert list(result.tasks) == ids
    assert result.ok, states(result)
    seen = {i: stdout_json(result, i) for i in ids[:3]}
    assert seen["extract (day=mon, size=3)"]["env"] == {
        "SCRIPTRUNNER_MATRIX_DAY": "mon",
        "SCRIPTRUNNER_MATRIX_FULL": None,
        "SCRIPTRUNNER_MATRIX_SIZE": "3",
        "SCRIPTRUNNER_MATRIX": '{"day": "mon", "size": 3}',
        "SCRIPTRUNNER_TASK": "extract",
        "SCRIPTRUNNER_TASK_ID": "extract (day=mon, size=3)",
    }
    assert seen["extract (day=sun, full=true)"]["env"]["SCRIPTRUNNER_MATRIX_FULL"] == "true"
    assert seen["extract (day=wed)"]["env"]["SCRIPTRUNNER_MATRIX_SIZE"] is None
    assert [s["args"] for s in seen.values()] == [["day=mon"], ["day=wed"], ["day=sun"]]
    # load waited for every instance and read the outputs each one wrote.
    spans = probe.spans()
    assert all(spans[i][1] < spans["load"][0] for i in ids[:3])
    assert stdout_json(result, "load")["args"] == ["3", ""]


def test_a_failed_matrix_instance_fails_the_task_for_its_dependents(probe: Probe) -> None:
    result = run_workflow(
        probe,
        {
            "m": {"run": probe.run("--exit=${{ matrix.code }}"), "matrix": {"code": [0, 1]}},
            "after": {"needs": "m", "run": probe.run()},
            "report": {"needs": "m", "if": "needs.m.result == 'failure'", "run": probe.run()},
            "handler": {
                "needs": "m",
                "if": "always() && needs.m.result == 'failure'",
                "run": probe.run(),
            },
        },
    )
    assert states(result) == {
        "m (code=0)": "succeeded",
        "m (code=1)": "failed",
        "after": "skipped",
        "report": "skipped",  # implicit success() && ...
        "handler": "succeeded",
    }


# -- retries, timeouts, cancellation -----------------------------------------------------


def test_retries_wait_the_backoff_between_attempts(probe: Probe, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    result = run_workflow(
        probe,
        {
            "flaky": {
                "run": probe.run("--count", str(counter), "--fail-first", "2", "--out", "v=1"),
                "retries": {"max": 3, "backoff": "linear", "delay": 0.15},
            },
            "picky": {
                "run": probe.run("--exit", "4"),
                "retries": {"max": 3, "delay": 0.05, "on": [3]},
            },
            "after": {"needs": "flaky", "run": probe.run("${{ needs.flaky.outputs.v }}")},
        },
    )
    flaky = result.tasks["flaky"]
    assert flaky.state == "succeeded"
    assert counter.read_text().count("x") == 3
    assert flaky.run is not None
    attempts = flaky.run.attempts
    assert [a.status for a in attempts] == ["failed", "failed", "succeeded"]
    for before, after, delay in zip(attempts[:-1], attempts[1:], [0.15, 0.3], strict=True):
        assert after.delay_before == pytest.approx(delay)
        gap = after.started_at - before.finished_at
        assert delay - 0.01 <= gap < delay + 0.15, (delay, gap)
    assert flaky.outputs == {"v": "1"}
    assert stdout_json(result, "after")["args"] == ["1"]
    # Exit code 4 is not in retries.on: one attempt only.
    picky = result.tasks["picky"]
    assert picky.state == "failed" and picky.run is not None and len(picky.run.attempts) == 1


def test_timeout_kills_the_task_process_tree(probe: Probe, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    started = time.monotonic()
    result = run_workflow(
        probe,
        {
            "hang": {"run": probe.run("--grandchild", str(pids), "--sleep", "60"), "timeout": 0.5},
            "after": {"needs": "hang", "run": probe.run()},
            "other": {"run": probe.run()},
        },
        options=EngineOptions(max_parallel=2, run_options=RunOptions(kill_grace=1.0)),
    )
    elapsed = time.monotonic() - started
    assert states(result) == {"hang": "timed_out", "after": "skipped", "other": "succeeded"}
    hang = result.tasks["hang"]
    assert hang.run is not None and hang.run.exit_code == 124
    assert hang.result == "failure"
    assert elapsed < 3.0, elapsed
    child, grandchild = (int(p) for p in pids.read_text().split())
    assert not alive(child) and not alive(grandchild), "a process of the tree survived"


def test_fail_fast_cancels_running_tasks(probe: Probe, tmp_path: Path) -> None:
    pids, fifo = tmp_path / "pids", tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = run_workflow(
        probe,
        {
            "long": {
                "run": probe.run("--grandchild", str(pids), "--signal", str(fifo), "--sleep", "30")
            },
            # Fails once long is up (a FIFO rendezvous); the timeout only guards the test.
            "bad": {"run": probe.run("--await", str(fifo), "--exit", "1"), "timeout": 10},
            "after_long": {"needs": "long", "run": probe.run()},
            "on_cancel": {"needs": "long", "if": "cancelled()", "run": probe.run()},
        },
        options=EngineOptions(
            max_parallel=2, fail_fast=True, run_options=RunOptions(kill_grace=1.0)
        ),
    )
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    assert states(result) == {
        "long": "cancelled",
        "bad": "failed",
        "after_long": "cancelled",
        "on_cancel": "succeeded",
    }
    assert result.cancelled and result.status == "cancelled" and not result.ok
    assert result.tasks["after_long"].reason == "workflow cancelled: --fail-fast after `bad` failed"
    assert not any(alive(int(p)) for p in pids.read_text().split())


def test_cancel_token_stops_the_whole_run(
    probe: Probe, tmp_path: Path, ready: socket.socket
) -> None:
    pids = [tmp_path / "pids1", tmp_path / "pids2"]
    port = str(ready.getsockname()[1])
    recorder = Recorder()
    bus = ev.EventBus()
    bus.subscribe(recorder)
    cancel = CancelToken()
    box: list[WorkflowResult | BaseException] = []
    tasks = {
        "one": {"run": probe.run("--grandchild", str(pids[0]), "--ready", port, "--sleep", "30")},
        "two": {"run": probe.run("--grandchild", str(pids[1]), "--ready", port, "--sleep", "30")},
        "queued": {"run": probe.run()},  # waits behind max_parallel 2
        "after": {"needs": ["one", "two"], "run": probe.run()},
        "on_cancel": {"needs": "one", "if": "cancelled()", "run": probe.run()},
        "always": {"needs": "after", "if": "always()", "run": probe.run()},
    }
    options = EngineOptions(max_parallel=2, run_options=RunOptions(kill_grace=1.0))

    def target() -> None:
        try:
            box.append(run_workflow(probe, tasks, bus=bus, cancel=cancel, options=options))
        except BaseException as exc:  # re-raised below, in the test's thread
            box.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    wait_ready(ready, 2)
    cancelled_at = time.monotonic()
    cancel.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 2.0
    result = box[0]
    if isinstance(result, BaseException):
        raise result
    assert set(states(result).values()) <= TERMINAL
    assert states(result) == {
        "one": "cancelled",
        "two": "cancelled",
        "queued": "cancelled",
        "after": "cancelled",
        "on_cancel": "succeeded",
        "always": "succeeded",
    }
    assert result.cancelled and result.status == "cancelled" and result.exit_code == 1
    assert sorted(probe.ran()) == ["always", "on_cancel", "one", "two"]
    for p in pids:
        assert not any(alive(int(pid)) for pid in p.read_text().split())
    assert recorder.types()[-1] == ev.WORKFLOW_FINISHED


# -- errors that start no process --------------------------------------------------------


def test_render_error_ends_the_task_without_a_process(
    probe: Probe, settings: Settings, store: HistoryStore
) -> None:
    recorder = Recorder()
    bus = ev.EventBus()
    bus.subscribe(recorder)
    result = run_workflow(
        probe,
        {
            "a": {"run": probe.run("--out", "x={not json")},
            "b": {"needs": "a", "run": probe.run("${{ fromJSON(needs.a.outputs.x) }}")},
            "c": {"needs": "b", "run": probe.run()},
            "d": {"needs": "a", "run": probe.run()},
            "e": {"script": "missing.py"},
        },
        store=store,
        bus=bus,
    )
    assert states(result) == {
        "a": "succeeded",
        "b": "error",
        "c": "skipped",
        "d": "succeeded",
        "e": "error",
    }
    b = result.tasks["b"]
    assert b.run is None and b.result == "failure"
    assert b.reason and "fromJSON" in b.reason, b.reason
    assert "missing.py" in (result.tasks["e"].reason or "")
    assert sorted(probe.ran()) == ["a", "d"]
    started = [e.payload["task"] for _, e in recorder.events if e.type == ev.TASK_STARTED]
    assert "b" not in started and "e" not in started
    assert recorder.types()[-1] == ev.WORKFLOW_FINISHED
    assert result.status == "failed"
    reader = open_reader(settings)
    rows = {r["task_name"]: r for r in reader.list_runs(limit=0, kind="task")}
    assert rows["b"]["status"] == "error" and "fromJSON" in rows["b"]["error"]
    reader.close()


def test_command_not_found_is_an_error_with_a_history_row(
    probe: Probe, settings: Settings, store: HistoryStore
) -> None:
    result = run_workflow(
        probe,
        {
            "ghost": {"run": "no-such-command-scriptrunner-test"},
            "lost": {"run": probe.run(), "cwd": "no-such-dir"},
            "b": {"needs": "ghost", "run": probe.run()},
        },
        store=store,
    )
    assert states(result) == {"ghost": "error", "lost": "error", "b": "skipped"}
    assert "command not found: no-such-command" in (result.tasks["ghost"].reason or "")
    assert "working directory does not exist" in (result.tasks["lost"].reason or "")
    assert probe.ran() == []
    reader = open_reader(settings)
    rows = {r["task_name"]: r for r in reader.list_runs(limit=0, workflow_run_id=result.run_id)}
    reader.close()
    assert set(rows) == {"ghost", "lost", "b"}
    assert rows["ghost"]["status"] == "error" and "no-such-command" in rows["ghost"]["error"]
    assert rows["lost"]["status"] == "error"


# -- resume ------------------------------------------------------------------------------


def test_resume_reruns_only_what_did_not_succeed(
    probe: Probe, tmp_path: Path, settings: Settings, store: HistoryStore
) -> None:
    counter, marker = tmp_path / "a-runs", tmp_path / "marker"
    tasks = {
        "a": {"run": probe.run("--count", str(counter), "--out", "val=42")},
        "b": {
            "needs": "a",
            "run": probe.run("--require", str(marker), "${{ needs.a.outputs.val }}"),
        },
        "c": {"needs": ["a", "b"], "run": probe.run("${{ needs.a.outputs.val }}")},
        "side": {"run": probe.run("--count", str(tmp_path / "side-runs"))},
    }
    first = run_workflow(probe, tasks, store=store)
    assert states(first) == {"a": "succeeded", "b": "failed", "c": "skipped", "side": "succeeded"}
    marker.touch()
    probe.log.unlink()
    # What `workflow run --resume RUN_ID` does: keep the stored succeeded instances.
    plan = make_plan(probe, tasks)
    reader = open_reader(settings)
    try:
        reuse = reuse_from_history(reader, first.run_id, plan)
        with pytest.raises(WorkflowError, match="not a workflow run"):
            reuse_from_history(reader, first.tasks["a"].run.run_id, plan)  # type: ignore[union-attr]
    finally:
        reader.close()
    assert set(reuse) == {"a", "side"}
    second = WorkflowEngine(store, options=EngineOptions(max_parallel=4)).run(plan, reuse=reuse)
    assert states(second) == dict.fromkeys(tasks, "succeeded")
    assert counter.read_text() == "x\n", "a ran again"
    assert (tmp_path / "side-runs").read_text() == "x\n"
    assert sorted(probe.ran()) == ["b", "c"]
    assert stdout_json(second, "b")["args"] == ["42"]
    assert stdout_json(second, "c")["args"] == ["42"]
    assert second.tasks["a"].outputs == {"val": "42"} and second.tasks["a"].run is None
    # The reused task is recorded in the new run, pointing at the run that produced it.
    reader = open_reader(settings)
    rows = {r["task_name"]: r for r in reader.list_runs(limit=0, workflow_run_id=second.run_id)}
    reader.close()
    first_a = first.tasks["a"].run
    assert first_a is not None
    assert rows["a"]["parent_run_id"] == first_a.run_id
    assert rows["a"]["status"] == "succeeded" and rows["a"]["outputs"] == {"val": "42"}
    assert rows["b"]["attempts"] == 1 and rows["b"]["status"] == "succeeded"


# -- history and events ------------------------------------------------------------------


def test_history_rows_and_events(probe: Probe, settings: Settings, store: HistoryStore) -> None:
    recorder = Recorder()
    bus = ev.EventBus()
    bus.subscribe(recorder)
    result = run_workflow(
        probe,
        {
            "a": {"run": probe.run("--out", "n=1", "--write", "text<<EOF\\nx\\ny\\nEOF\\n")},
            "m": {"needs": "a", "run": probe.run(), "matrix": {"k": ["p", "q"]}},
            "bad": {"needs": "m", "run": probe.run("--exit", "2"), "tags": {"team": "data"}},
            "skipped": {"needs": "bad", "run": probe.run()},
        },
        store=store,
        bus=bus,
    )
    ids = ["a", "m (k=p)", "m (k=q)", "bad", "skipped"]
    assert list(result.tasks) == ids
    reader = open_reader(settings)
    wf_rows = reader.list_runs(kind="workflow")
    assert [r["id"] for r in wf_rows] == [result.run_id]
    wf = reader.get_run(result.run_id)
    assert wf["status"] == "failed" and wf["exit_code"] == 1 and wf["task_name"] == "wf"
    assert wf["outputs"] == {"counts": {"succeeded": 3, "failed": 1, "skipped": 1}}
    tasks = {r["task_name"]: r for r in wf["tasks"]}
    assert set(tasks) == set(ids)
    assert tasks == {
        r["task_name"]: r for r in reader.list_runs(kind="task", workflow_run_id=result.run_id)
    }
    assert all(
        r["kind"] == "task" and r["workflow_run_id"] == result.run_id for r in tasks.values()
    )
    assert tasks["a"]["outputs"] == {"n": "1", "text": "x\ny"}
    assert tasks["a"]["id"] == result.tasks["a"].run.run_id  # type: ignore[union-attr]
    assert tasks["bad"]["status"] == "failed" and tasks["bad"]["exit_code"] == 2
    assert tasks["bad"]["tags"] == {"team": "data"}
    assert tasks["skipped"]["status"] == "skipped" and tasks["skipped"]["attempts"] == 0
    assert tasks["m (k=q)"]["status"] == "succeeded"

    # The bus saw the workflow's events in a sensible order ...
    wf_events = [e for _, e in recorder.events if e.run_id == result.run_id]
    types = [e.type for e in wf_events]
    assert types[0] == ev.WORKFLOW_STARTED and types[-1] == ev.WORKFLOW_FINISHED
    assert types.count(ev.TASK_STARTED) == 4 and types.count(ev.TASK_FINISHED) == 5
    position = {
        (e.type, e.payload["task"]): n for n, e in enumerate(wf_events) if "task" in e.payload
    }
    for iid in ids[:4]:
        assert position[(ev.TASK_STARTED, iid)] < position[(ev.TASK_FINISHED, iid)]
    assert position[(ev.TASK_FINISHED, "a")] < position[(ev.TASK_STARTED, "m (k=p)")]
    assert position[(ev.TASK_FINISHED, "m (k=q)")] < position[(ev.TASK_STARTED, "bad")]
    assert (ev.TASK_STARTED, "skipped") not in position
    finished = wf_events[-1].payload
    assert finished["status"] == "failed" and finished["counts"]["skipped"] == 1
    # ... and the events table holds the same ones, in the same order.
    stored = [(e["type"], e["payload"]) for e in reader.events() if e["run_id"] == result.run_id]
    assert stored == [(e.type, json.loads(json.dumps(dict(e.payload)))) for e in wf_events]
    # Each task's own run has its run.* events under its task run id.
    a_events = [e["type"] for e in reader.get_run(tasks["a"]["id"])["events"]]
    assert a_events == [ev.RUN_STARTED, ev.RUN_ATTEMPT_FINISHED, ev.RUN_FINISHED]
    reader.close()
