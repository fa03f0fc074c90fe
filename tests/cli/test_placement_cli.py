"""Where a remote attempt ran, and the ``lost``/``infrastructure`` statuses, wherever runs are
shown: ``history --status``, ``show`` (text and JSON), the dashboard's run API and its
status filter."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import scriptrunner.server
from fixtures.cli import cli
from scriptrunner.results import STORED_STATUSES, AttemptResult, Metrics, Placement, new_run_id
from scriptrunner.server.queries.runs import get_run
from scriptrunner.store import rows
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory

STATIC = Path(scriptrunner.server.__file__).parent / "static"
WORKER = "tcp://10.0.0.7:40000"


def _attempt(n: int, status: str, placement: Placement | None) -> AttemptResult:
    now = time.time()
    return AttemptResult(
        attempt=n,
        status=status,  # type: ignore[arg-type]
        exit_code=-1 if status != "succeeded" else 0,
        started_at=now - 1,
        finished_at=now,
        metrics=Metrics(wall_seconds=1.0),
        placement=placement,
    )


def _record(home: Path, status: str, attempts: list[AttemptResult]) -> str:
    store = SqliteHistory(home / "history.db")
    try:
        run_id = new_run_id()
        start = rows.run_start_row(
            run_id=run_id,
            kind="run",
            script=None,
            command=["train.sh"],
            cwd="/",
            tags={},
            started_at=time.time() - 2,
        )
        store.start_run(start)
        values = {"status": status, "attempts": len(attempts), "finished_at": time.time()}
        store.finish_run(run_id, values, [rows.attempt_row(run_id, a) for a in attempts], [])
        return run_id
    finally:
        store.close()


def test_show_history_and_the_run_api_tell_where_remote_attempts_ran(tmp_path: Path) -> None:
    home = tmp_path / "home"
    remote = _record(
        home,
        "infrastructure",
        [
            _attempt(1, "lost", Placement("a1", "gpu-2", 31337, WORKER, 0.25)),
            _attempt(2, "infrastructure", Placement("a2", None, None, None, None)),
        ],
    )
    local = _record(home, "succeeded", [_attempt(1, "succeeded", None)])

    listed = json.loads(cli(home, "history", "--status", "infrastructure", "--json").stdout)
    assert [r["id"] for r in listed] == [remote]
    assert cli(home, "history", "--status", "lost", "--json").stdout.strip() == "[]"

    text = cli(home, "show", remote[:8]).stdout
    assert "infrastructure" in text and "lost" in text
    assert f"on gpu-2 pid 31337 (worker {WORKER}), queued" in text
    assert "on ? pid ?" in text  # a placement known only by its attempt id

    story = json.loads(cli(home, "show", remote[:8], "--json").stdout)
    first, second = story["attempts"]
    assert (first["attempt_id"], first["host"], first["pid"]) == ("a1", "gpu-2", 31337)
    assert (first["worker"], first["queued_seconds"]) == (WORKER, 0.25)
    assert second["attempt_id"] == "a2" and second["host"] is None
    (plain,) = json.loads(cli(home, "show", local[:8], "--json").stdout)["attempts"]
    assert "host" not in plain and "attempt_id" not in plain  # only when set

    reader = HistoryReader(f"sqlite:///{home / 'history.db'}")
    try:
        api = get_run(reader, remote)
        assert api is not None
        assert api["status"] == "infrastructure"
        assert api["attempt_rows"][0]["host"] == "gpu-2"
        assert api["attempt_rows"][0]["worker"] == WORKER
        assert api["attempt_rows"][0]["queued_seconds"] == 0.25
    finally:
        reader.close()


def test_the_dashboard_filters_and_draws_every_stored_status() -> None:
    source = (STATIC / "runs.js").read_text(encoding="utf-8")
    found = re.search(r"const STATUSES = \[(.*?)\];", source)
    assert found is not None
    listed = re.findall(r'"([a-z_]*)"', found.group(1))
    assert listed == ["", *STORED_STATUSES]
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    icons = (STATIC / "format.js").read_text(encoding="utf-8")
    for status in STORED_STATUSES:
        assert f".st-{status}" in css, status
        assert re.search(rf"^\s+{status}: ", icons, re.MULTILINE), status
