"""The fast path of ``scriptrunner run`` stores what the full path stores.

The same command runs once on each path (``SCRIPTRUNNER_FAST_PATH=0`` forces the full
path); every stored row and event of the two runs must agree, column by column and key by
key, but for what differs between any two runs: ids, times, measured figures.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli

#: Columns and payload keys whose values differ between any two runs of one command.
_VARYING = {
    "id",
    "run_id",
    "ts",
    "started_at",
    "finished_at",
    "duration_seconds",
    "wall_seconds",
    "cpu_user_seconds",
    "cpu_system_seconds",
    "peak_rss_bytes",
    "cpu_percent_avg",
    "cpu_percent_max",
    "pid",
    "pid_started",
}


def _stored(home: Path, run_id: str) -> dict[str, Any]:
    conn = sqlite3.connect(home / "history.db")
    conn.row_factory = sqlite3.Row

    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sql, (run_id,))]

    try:
        return {
            "runs": rows("SELECT * FROM runs WHERE id = ?"),
            "run_tags": rows("SELECT * FROM run_tags WHERE run_id = ? ORDER BY key"),
            "run_attempts": rows("SELECT * FROM run_attempts WHERE run_id = ?"),
            "metric_samples": rows("SELECT * FROM metric_samples WHERE run_id = ?"),
            "events": [
                {**e, "payload": json.loads(e["payload"])}
                for e in rows("SELECT type, run_id, ts, payload FROM events WHERE run_id = ?")
            ],
        }
    finally:
        conn.close()


def _without_samples(stored: dict[str, Any]) -> dict[str, Any]:
    """``stored`` without its samples: whether a run gets any, how many and when depends
    on how long it ran (a loaded machine slows a short script past the first sampling
    interval); ``test_a_long_run_is_sampled_on_both_paths`` checks them."""
    return {k: v for k, v in stored.items() if k != "metric_samples"}


#: Known or not (None) depending on timing: sampled, or above the runner's own peak.
_MAYBE_KNOWN = {"peak_rss_bytes"}


def _varying(key: str, value: Any) -> Any:
    if key in _MAYBE_KNOWN and (value is None or isinstance(value, int)):
        return "int or None"
    return type(value).__name__ if value is not None else None


def _shape(value: Any) -> Any:
    """``value`` with every varying field replaced by its type's name (None stays None)."""
    if isinstance(value, dict):
        return {k: _varying(k, v) if k in _VARYING else _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def _last_run(home: Path) -> str:
    conn = sqlite3.connect(home / "history.db")
    try:
        return str(conn.execute("SELECT id FROM runs ORDER BY started_at DESC").fetchone()[0])
    finally:
        conn.close()


def _both(tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``scriptrunner run ARGS`` on each path; what each stored."""
    home = tmp_path / "home"
    assert cli(home, "run", "-q", "--", "true").returncode == 0  # the store exists
    stored = {}
    for path, env in (("fast", {}), ("full", {"SCRIPTRUNNER_FAST_PATH": "0"})):
        r = cli(home, "run", *args, env=env, cwd=tmp_path)
        # The fast path took it (it leaves the WAL, not checkpointed); the full path did
        # (its close checkpoints and removes it).
        assert (home / "history.db-wal").exists() == (path == "fast"), (path, r.stderr)
        found = _stored(home, _last_run(home))
        # The one column the paths store apart: the full path takes a lease on its running
        # row (``store.lease``), the fast path renews none (its row keeps the pid check).
        lease = found["runs"][0].pop("heartbeat_at")
        assert (lease is None) == (path == "fast"), (path, lease)
        stored[path] = (r.returncode, r.stdout, _shape(found))
    assert stored["fast"][:2] == stored["full"][:2]  # exit code and output
    return stored["fast"][2], stored["full"][2]


@pytest.mark.parametrize(
    "args",
    [
        ("-q", "--", "sh", "-c", "echo out; echo err >&2; exit 3"),
        (
            "--tag",
            "team=data",
            "--tag",
            "k=v",
            "--env",
            "GREETING=hi",
            "--",
            "sh",
            "-c",
            "echo $GREETING",
        ),
        ("-q", "--", "sh", "-c", "kill -TERM $$"),
        ("-q", "--", "printf", "%s", "--password", "hunter2", "caf\u00e9"),
        ("-q", "--keep-daemons", "--", "true"),
    ],
    ids=["failing", "tags-env", "killed", "masked", "keep-daemons"],
)
def test_a_command_is_stored_alike_on_both_paths(tmp_path: Path, args: tuple[str, ...]) -> None:
    fast, full = _both(tmp_path, *args)
    assert _without_samples(fast) == _without_samples(full)


def test_a_script_is_stored_alike_on_both_paths(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text("import sys\nprint('x' * 100000)\nsys.exit(sys.argv[1] == 'a')\n")
    fast, full = _both(
        tmp_path, "-q", "--tail-bytes", "1000", "--cwd", str(tmp_path), str(script), "a"
    )
    assert _without_samples(fast) == _without_samples(full)
    (run,) = fast["runs"]
    assert run["script"] == str(script) and run["exit_code"] == 1
    assert len(run["stdout_tail"]) == 1000 and run["stdout_bytes"] == 100001


def test_a_relative_script_through_a_symlink_is_stored_alike(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "job.py").write_text("print('hi')\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "real" / "job.py")
    fast, full = _both(tmp_path, "-q", "./link.py", "x")
    assert _without_samples(fast) == _without_samples(full)
    (run,) = fast["runs"]
    assert run["script"] == str(tmp_path / "real" / "job.py")
    assert json.loads(run["command"])[1:] == [str(tmp_path / "link.py"), "x"]


def test_a_long_run_is_sampled_on_both_paths(tmp_path: Path) -> None:
    """Past the first sampling interval the fast path hands the tree to the monitor."""
    fast, full = _both(tmp_path, "-q", "--", sys.executable, "-c", "import time; time.sleep(0.4)")
    assert fast["runs"] == full["runs"]
    assert fast["metric_samples"] and full["metric_samples"]
    columns = {tuple(sorted(row)) for row in fast["metric_samples"] + full["metric_samples"]}
    assert len(columns) == 1
    for side in (fast, full):
        (run,) = side["runs"]
        assert run["peak_rss_bytes"] == "int or None"
