"""Leases on running rows (``runs.heartbeat_at``): renewed while a runner runs, and read by
any host: a row of another host whose lease expired is ``lost``, one with a fresh lease (or
no lease at all) is still ``running``.  On real SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fixtures.waiting import wait_until
from scriptrunner.errors import ConfigError
from scriptrunner.results import new_run_id
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store_url, schema
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.lease import Lease
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.recorder import Recorder
from scriptrunner.store.rows import run_start_row

#: A host name that is not this one: rows "written from another host".
ELSEWHERE = "worker-7.elsewhere.example"


def _row(run_id: str, *, host: str = ELSEWHERE, heartbeat_at: float | None) -> dict[str, Any]:
    row = run_start_row(
        run_id=run_id,
        kind="run",
        script=None,
        command=["sleep", "600"],
        cwd="/",
        tags={},
        started_at=time.time() - 7200,
    )
    row.update(hostname=host, pid=4242, pid_started=1, heartbeat_at=heartbeat_at)
    return row


def _stored(url: str, run_id: str) -> dict[str, Any]:
    reader = HistoryReader(url)
    try:
        r = schema.runs
        (row,) = reader.select_rows(select(r.c.status, r.c.error).where(r.c.id == run_id))
        return row
    finally:
        reader.close()


def test_a_row_of_another_host_is_lost_once_its_lease_expired_and_running_while_fresh(
    empty_store_url: str,
) -> None:
    now = time.time()
    expired, fresh, unleased = new_run_id(), new_run_id(), new_run_id()
    store = open_store_url(empty_store_url)
    try:
        store.start_run(_row(expired, heartbeat_at=now - 3600))
        store.start_run(_row(fresh, heartbeat_at=now - 1))
        store.start_run(_row(unleased, heartbeat_at=None))  # the fast path, an older version
    finally:
        store.close()
    reader = HistoryReader(empty_store_url)  # default lease timeout: 60 s
    try:
        shown = {r["id"]: r for r in reader.list_runs(limit=0)}
    finally:
        reader.close()
    assert shown[expired]["status"] == "lost"
    assert shown[fresh]["status"] == "running"
    assert shown[unleased]["status"] == "running"
    row = _stored(empty_store_url, expired)  # stored, not only shown
    assert row["status"] == "lost"
    assert "lease expired at" in row["error"] and ELSEWHERE in row["error"]
    assert "pid 4242" in row["error"]


def test_the_lease_timeout_is_the_readers_setting(empty_store_url: str) -> None:
    run_id = new_run_id()
    store = open_store_url(empty_store_url)
    try:
        store.start_run(_row(run_id, heartbeat_at=time.time() - 5))
    finally:
        store.close()
    patient = HistoryReader(empty_store_url, lease_timeout=60)
    try:
        assert patient.get_run(run_id)["status"] == "running"
    finally:
        patient.close()
    strict = HistoryReader(empty_store_url, lease_timeout=2)
    try:
        assert strict.get_run(run_id)["status"] == "lost"
    finally:
        strict.close()


def test_a_lease_renews_running_rows_until_their_end(empty_store_url: str) -> None:
    """The rows a recorder with a lease starts get ``heartbeat_at`` in their insert, are
    renewed together while they run, and no longer once they ended."""
    store = open_store_url(empty_store_url)
    lease = Lease(store, 0.1)
    try:
        recorder = Recorder(store, lease=lease)
        first, second = new_run_id(), new_run_id()
        before = time.time()
        recorder.start_run(_row(first, host="here", heartbeat_at=None))
        recorder.start_run(_row(second, host="here", heartbeat_at=None))
        stamped = _heartbeats(empty_store_url, first, second)
        assert all(t is not None and t >= before for t in stamped.values())
        assert set(lease.held()) == {first, second}
        wait_until(
            lambda: all(
                t > stamped[k] + 0.15 for k, t in _heartbeats(empty_store_url, first).items()
            ),
            "the lease to be renewed",
            10,
        )
        recorder.finish_run(first, {"status": "succeeded", "finished_at": time.time()})
        assert lease.held() == [second]
        ended = _heartbeats(empty_store_url, first)[first]
        wait_until(lambda: lease.renewals >= 3, "more renewals", 10)
        assert _heartbeats(empty_store_url, first)[first] == ended  # no longer renewed
        assert _heartbeats(empty_store_url, second)[second] > ended
    finally:
        lease.close()
        store.close()


def test_a_run_shorter_than_the_interval_writes_no_renewal(tmp_path: Path) -> None:
    store = open_store_url(f"sqlite:///{tmp_path / 'history.db'}")
    lease = Lease(store, 10.0)
    try:
        recorder = Recorder(store, lease=lease)
        run_id = new_run_id()
        recorder.start_run(_row(run_id, host="here", heartbeat_at=None))
        recorder.finish_run(run_id, {"status": "succeeded", "finished_at": time.time()})
    finally:
        lease.close()
        store.close()
    assert lease.renewals == 0 and lease.held() == []


def test_rows_that_are_not_running_take_no_lease(tmp_path: Path) -> None:
    store = open_store_url(f"sqlite:///{tmp_path / 'history.db'}")
    lease = Lease(store, 10.0)
    try:
        row = {**_row(new_run_id(), host="here", heartbeat_at=None), "status": "skipped"}
        Recorder(store, lease=lease).start_run(row)
        assert lease.held() == []
    finally:
        lease.close()
        store.close()


def test_the_background_writer_renews_at_once_on_the_callers_thread(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    store = open_store_url(url)
    writer = BackgroundWriter(store)
    try:
        run_id = new_run_id()
        writer.start_run(_row(run_id, host="here", heartbeat_at=1.0))
        writer.flush()
        writer.heartbeat([run_id], 1234.5)
        assert _heartbeats(url, run_id)[run_id] == 1234.5
    finally:
        writer.close()
        store.close()


def test_a_renewal_never_touches_a_row_that_ended(empty_store_url: str) -> None:
    store = open_store_url(empty_store_url)
    try:
        run_id = new_run_id()
        store.start_run(_row(run_id, host="here", heartbeat_at=1.0))
        store.finish_run(run_id, {"status": "lost"}, [], [])
        store.heartbeat([run_id], 99.0)
        store.heartbeat([], 99.0)
    finally:
        store.close()
    assert _heartbeats(empty_store_url, run_id)[run_id] == 1.0


def test_a_lease_that_cannot_renew_keeps_trying(tmp_path: Path) -> None:
    class Down:
        where = "nowhere"
        calls = 0

        def heartbeat(self, run_ids: Any, now: float) -> None:
            Down.calls += 1
            raise OSError("connection refused")

    lease = Lease(Down(), 0.1)  # type: ignore[arg-type]
    try:
        lease.hold({"id": "r1", "status": "running"})
        wait_until(lambda: Down.calls >= 3, "renewals to be retried", 10)
        assert isinstance(lease.error, OSError)
    finally:
        lease.close()


def test_a_lease_must_outlive_two_renewals(tmp_path: Path) -> None:
    env = {"SCRIPTRUNNER_HEARTBEAT_INTERVAL": "10", "SCRIPTRUNNER_LEASE_TIMEOUT": "15"}
    with pytest.raises(ConfigError, match="lease_timeout.*at least twice.*heartbeat_interval"):
        load_settings(cwd=tmp_path, environ=env)
    with pytest.raises(ConfigError, match="0 \\(no lease\\) or at least 0.1"):
        load_settings(cwd=tmp_path, environ={"SCRIPTRUNNER_HEARTBEAT_INTERVAL": "0.01"})
    off = load_settings(cwd=tmp_path, environ={"SCRIPTRUNNER_HEARTBEAT_INTERVAL": "0"})
    assert off.heartbeat_interval == 0
    short = {"SCRIPTRUNNER_HEARTBEAT_INTERVAL": "0.2", "SCRIPTRUNNER_LEASE_TIMEOUT": "1"}
    assert load_settings(cwd=tmp_path, environ=short).lease_timeout == 1.0


def _heartbeats(url: str, *run_ids: str) -> dict[str, float | None]:
    reader = HistoryReader(url)
    try:
        r = schema.runs
        query = select(r.c.id, r.c.heartbeat_at).where(r.c.id.in_(list(run_ids)))
        return {row["id"]: row["heartbeat_at"] for row in reader.select_rows(query)}
    finally:
        reader.close()
