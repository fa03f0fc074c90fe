"""What the writers store comes back through ``HistoryReader``, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scriptrunner
from scriptrunner.core.retry import RetryPolicy
from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.settings import Settings
from scriptrunner.store import HistoryStore, open_store, rows
from scriptrunner.store.reader import HistoryReader


@pytest.fixture
def settings(empty_store_url: str, tmp_path: Path) -> Settings:
    # A short first sampling interval so sub-second scripts get monitoring samples.
    return Settings(home=tmp_path / "home", database_url=empty_store_url, sample_interval=0.05)


@pytest.fixture
def store(settings: Settings) -> Iterator[HistoryStore]:
    s = open_store(settings)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def reader(settings: Settings, store: HistoryStore) -> Iterator[HistoryReader]:
    r = HistoryReader(settings.store_url)
    try:
        yield r
    finally:
        r.close()


def add_run(
    store: HistoryStore,
    run_id: str,
    *,
    script: str | None = "/w/job.py",
    status: str = "succeeded",
    started_at: float = 1000.0,
    duration: float = 1.0,
    kind: str = "run",
    workflow_run_id: str | None = None,
    task_name: str | None = None,
) -> None:
    """Write one run the way the runner does: a start row, then (unless running) its end."""
    store.start_run(
        rows.run_start_row(
            run_id=run_id,
            kind=kind,
            script=script,
            command=["python", script or "-c"],
            cwd="/w",
            tags={},
            started_at=started_at,
            workflow_run_id=workflow_run_id,
            task_name=task_name,
        )
    )
    if status != "running":
        store.finish_run(
            run_id,
            {
                "status": status,
                "exit_code": 0 if status == "succeeded" else 1,
                "finished_at": started_at + duration,
                "duration_seconds": duration,
                "attempts": 1,
            },
            [],
            [],
        )


def rid(n: int) -> str:
    return f"{n:032x}"


# -- real runs -------------------------------------------------------------------------------


def test_run_with_retry_round_trips_attempts_samples_and_events(
    tmp_path: Path, settings: Settings, reader: HistoryReader
) -> None:
    marker = tmp_path / "second-time"
    script = tmp_path / "flaky.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os, sys, time
            time.sleep(0.4)  # long enough for monitoring samples
            print("attempt", os.environ["SCRIPTRUNNER_ATTEMPT"])
            if not os.path.exists({str(marker)!r}):
                open({str(marker)!r}, "w").close()
                sys.exit(3)
            """
        )
    )

    result = scriptrunner.run(
        script,
        ["--flag"],
        tags={"team": "data", "note": "é"},
        retry=RetryPolicy(retries=2, delay=0),
        settings=settings,
    )
    assert result.ok

    run = reader.get_run(result.run_id[:8])
    assert run["id"] == result.run_id
    assert run["status"] == "succeeded" and run["exit_code"] == 0
    assert run["kind"] == "run"
    assert run["script"] == str(script)
    assert run["command"] == [sys.executable, str(script), "--flag"]
    assert run["cwd"] == os.getcwd()
    assert run["tags"] == {"team": "data", "note": "é"}
    assert run["attempts"] == 2
    assert run["started_at"] == pytest.approx(result.started_at)
    assert run["duration_seconds"] == pytest.approx(result.duration)
    assert run["cpu_user_seconds"] == pytest.approx(result.metrics.cpu_user_seconds)
    assert run["peak_rss_bytes"] == result.metrics.peak_rss_bytes
    assert run["peak_rss_bytes"] > 0
    assert "attempt 1" in run["stdout_tail"] and run["stdout_tail"].endswith("attempt 2\n")
    assert run["stdout_bytes"] == result.stdout.total_bytes
    assert run["hostname"] == socket.gethostname() and run["pid"] == os.getpid()
    assert run["error"] is None

    assert [(a["attempt"], a["status"], a["exit_code"]) for a in run["attempt_rows"]] == [
        (1, "failed", 3),
        (2, "succeeded", 0),
    ]
    assert {s["attempt"] for s in run["samples"]} == {1, 2}
    assert max(s["rss_bytes"] for s in run["samples"]) > 0
    assert all(s["num_procs"] >= 1 for s in run["samples"])
    assert [s["t"] for s in run["samples"] if s["attempt"] == 1] == sorted(
        s["t"] for s in run["samples"] if s["attempt"] == 1
    )

    assert [e["type"] for e in run["events"]] == [
        "run.started",
        "run.attempt.finished",
        "run.attempt.finished",
        "run.finished",
    ]
    assert all(e["run_id"] == result.run_id for e in run["events"])
    assert run["events"][0]["payload"]["tags"] == {"team": "data", "note": "é"}
    assert run["events"][-1]["payload"]["status"] == "succeeded"
    assert run["events"][-1]["payload"]["attempts"] == 2


def test_run_that_cannot_start_records_nothing(
    tmp_path: Path, settings: Settings, reader: HistoryReader
) -> None:
    with pytest.raises(scriptrunner.errors.RunnerError):
        scriptrunner.run(["/no/such/program"], settings=settings)
    assert reader.count_runs() == 0
    assert reader.events() == []


# -- list_runs -------------------------------------------------------------------------------


def test_list_runs_is_newest_first_and_filters(store: HistoryStore, reader: HistoryReader) -> None:
    add_run(store, rid(1), script="/w/job.py", started_at=1001)
    add_run(store, rid(2), script="/w/job.py", status="failed", started_at=1002)
    add_run(store, rid(3), script="/w/other.py", started_at=1003)
    add_run(store, rid(4), script="/w/sub/job.py", status="running", started_at=1004)
    add_run(store, rid(5), script=None, kind="workflow", started_at=1005)
    add_run(
        store,
        rid(6),
        script="/w/job.py",
        kind="task",
        workflow_run_id=rid(5),
        task_name="t",
        started_at=1006,
    )
    add_run(store, rid(7), script="/w/notjob.py", started_at=1007)

    def ids(**filters: Any) -> list[int]:
        return [int(r["id"], 16) for r in reader.list_runs(**filters)]

    assert ids() == [7, 6, 5, 4, 3, 2, 1]
    assert ids(limit=2) == [7, 6]
    assert ids(limit=0) == [7, 6, 5, 4, 3, 2, 1]
    assert ids(status="failed") == [2]
    assert ids(status="running") == [4]
    # A file name matches that file in any directory, but not a longer name ending in it.
    assert ids(script="job.py") == [6, 4, 2, 1]
    assert ids(script="/w/job.py") == [6, 2, 1]
    assert ids(script="job.py", status="succeeded") == [6, 1]
    assert ids(kind="workflow") == [5]
    assert ids(workflow_run_id=rid(5)) == [6]
    assert reader.count_runs() == 7


def test_empty_store_answers_with_no_runs(reader: HistoryReader) -> None:
    assert reader.list_runs() == []
    assert reader.count_runs() == 0
    assert reader.events() == []


def test_reader_creates_a_missing_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "history.db"
    reader = HistoryReader(f"sqlite:///{path}")
    try:
        assert reader.list_runs() == []
    finally:
        reader.close()
    assert path.is_file()


def test_sqlite_reader_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = open_store(Settings(home=tmp_path))
    add_run(store, rid(1))
    reader = HistoryReader(f"sqlite:///{path}", busy_timeout=0.5)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a run holding the write lock
        writer.execute("UPDATE runs SET status = 'failed'")
        # WAL: the reader sees the last committed state at once instead of "database is locked".
        assert [r["status"] for r in reader.list_runs()] == ["succeeded"]
        assert reader.stats().runs == 1
        writer.execute("COMMIT")
        assert [r["status"] for r in reader.list_runs()] == ["failed"]
    finally:
        writer.close()
        reader.close()
        store.close()


# -- resolve_id and get_run ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("abcd0", "abcd" + "0" * 28),
        ("ABCD1", "abcd" + "1" * 28),
        ("  abcd1 ", "abcd" + "1" * 28),
        ("abcd" + "0" * 28, "abcd" + "0" * 28),
        ("abc", "'abc' is too short: give at least 4 characters"),
        ("abcd", "'abcd' is ambiguous; give more characters"),
        ("ffff", "no run with id 'ffff' in "),
        # LIKE wildcards in the input are plain characters, not "any id".
        ("____", "no run with id '____' in "),
        ("abc%", "no run with id 'abc%' in "),
    ],
)
def test_resolve_id_prefixes(
    store: HistoryStore, reader: HistoryReader, prefix: str, expected: str
) -> None:
    add_run(store, "abcd" + "0" * 28)
    add_run(store, "abcd" + "1" * 28)
    if len(expected) == 32:
        assert reader.resolve_id(prefix) == expected
        assert reader.get_run(prefix)["id"] == expected
    else:
        with pytest.raises(StoreError, match="run id|no run") as info:
            reader.resolve_id(prefix)
        assert expected in str(info.value)


def test_get_run_of_a_workflow_lists_its_tasks(store: HistoryStore, reader: HistoryReader) -> None:
    add_run(store, rid(10), script=None, kind="workflow", started_at=1000)
    add_run(
        store, rid(11), kind="task", workflow_run_id=rid(10), task_name="build", started_at=1001
    )
    add_run(store, rid(12), kind="task", workflow_run_id=rid(10), task_name="test", started_at=1002)
    add_run(store, rid(13), started_at=1003)

    run = reader.get_run(rid(10))

    assert [t["task_name"] for t in run["tasks"]] == ["test", "build"]
    assert "tasks" not in reader.get_run(rid(13))


# -- stats -------------------------------------------------------------------------------------


def test_stats_percentiles_failure_rate_and_trend(
    store: HistoryStore, reader: HistoryReader
) -> None:
    # job.py ran 10 times, 1 s .. 10 s in order; runs 3 and 7 failed.
    for n in range(1, 11):
        status = "failed" if n in (3, 7) else "succeeded"
        add_run(
            store, rid(n), script="/w/job.py", status=status, started_at=1000 + n, duration=float(n)
        )
    add_run(store, rid(20), script="/w/job.py", status="running", started_at=2000)
    add_run(
        store, rid(21), script="/w/other.py", status="timed_out", started_at=900, duration=100.0
    )
    add_run(store, rid(22), script="/w/other.py", kind="task", started_at=901, duration=50.0)

    job = reader.stats("job.py")
    assert job.script == "job.py"
    assert job.runs == 10  # the running one is not finished
    assert job.failures == 2 and job.failure_rate == pytest.approx(0.2)
    assert job.by_status == {"succeeded": 8, "failed": 2}
    assert job.p50_seconds == pytest.approx(5.5)
    assert job.p95_seconds == pytest.approx(9.55)  # linear interpolation, like numpy
    assert job.mean_seconds == pytest.approx(5.5)
    # Median of the newer half (6..10 -> 8) over the older half (1..5 -> 3).
    assert job.trend == pytest.approx(8 / 3)

    everything = reader.stats()
    # Tasks are counted through their workflow, not twice.
    assert everything.runs == 11
    assert everything.by_status == {"succeeded": 8, "failed": 2, "timed_out": 1}
    assert everything.failures == 3
    assert everything.p95_seconds == pytest.approx(10 + (100 - 10) * 0.5)
    # Ordered by start, other.py's 100 s run is the oldest: older half 100, 1..4 (median 3),
    # newer half 5..10 (median 7.5).
    assert everything.trend == pytest.approx(2.5)


def test_stats_without_enough_runs(store: HistoryStore, reader: HistoryReader) -> None:
    empty = reader.stats("job.py")
    assert (empty.runs, empty.failure_rate, empty.p50_seconds, empty.trend) == (0, 0.0, None, None)

    add_run(store, rid(1), duration=2.0)
    add_run(store, rid(2), duration=4.0, started_at=1001, status="failed")
    few = reader.stats("job.py")
    assert few.p50_seconds == pytest.approx(3.0) and few.p95_seconds == pytest.approx(3.9)
    assert few.failure_rate == pytest.approx(0.5)
    assert few.trend is None  # fewer than 4 durations say nothing about a trend


# -- events ------------------------------------------------------------------------------------


def test_events_after_id_in_order_with_limit(store: HistoryStore, reader: HistoryReader) -> None:
    for n in range(5):
        store.append_event(
            Event("test.tick", rid(1) if n % 2 else None, {"n": n, "text": "é"}, ts=100.0 + n)
        )

    events = reader.events()
    assert [e["payload"]["n"] for e in events] == [0, 1, 2, 3, 4]
    assert [e["run_id"] for e in events] == [None, rid(1), None, rid(1), None]
    assert events[0]["payload"]["text"] == "é" and events[0]["ts"] == 100.0
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)

    assert [e["payload"]["n"] for e in reader.events(after_id=ids[1])] == [2, 3, 4]
    assert [e["payload"]["n"] for e in reader.events(after_id=ids[1], limit=2)] == [2, 3]
    assert reader.events(after_id=ids[-1]) == []


def test_event_payload_values_that_are_not_json_are_stored_as_text(
    store: HistoryStore, reader: HistoryReader
) -> None:
    when = dt.datetime(2024, 5, 1, 12, 0)
    store.append_event(Event("test.odd", None, {"path": Path("/w/x.py"), "when": when}))
    (event,) = reader.events()
    assert event["payload"] == {"path": "/w/x.py", "when": str(when)}
