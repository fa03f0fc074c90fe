"""The run path's SQLite reader (``run --json``) reads a run exactly as ``HistoryReader``
does: the same story for every kind of run, scans and findings included."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.cli import cli
from scriptrunner.app.story import run_story
from scriptrunner.errors import StoreError
from scriptrunner.store import schema
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.reader_sqlite import JSON_COLUMNS, SqliteRunReader


def test_json_columns_are_the_schemas() -> None:
    from sqlalchemy import JSON

    for table, columns in JSON_COLUMNS.items():
        typed = [c.name for c in schema.metadata.tables[table].columns if isinstance(c.type, JSON)]
        assert tuple(typed) == columns, table


def test_both_readers_tell_the_same_story(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "job.py").write_text("KEY = '" + "sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN'\n")
    (tmp_path / "wf.yaml").write_text("name: w\ntasks:\n  a: {run: 'true'}\n  b: {run: 'false'}\n")
    assert cli(home, "run", "-q", "--scan", "secrets", "job.py").returncode == 3
    assert cli(home, "run", "-q", "--tag", "k=v", "--retries", "1", "--retry-delay", "0",
               "--", "sh", "-c", "echo é; exit 5").returncode == 5  # fmt: skip
    assert cli(home, "workflow", "run", "-q", "wf.yaml").returncode == 1
    reader = HistoryReader(f"sqlite:///{home / 'history.db'}")
    try:
        ids = [str(r["id"]) for r in reader.list_runs(limit=0)]
        assert len(ids) == 5
        with SqliteRunReader(home / "history.db") as light:
            for run_id in ids:
                assert run_story(light, run_id) == run_story(reader, run_id), run_id
    finally:
        reader.close()


def test_errors_are_one_line_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot read history store"):
        SqliteRunReader(tmp_path / "no-such-dir" / "history.db")
    garbage = tmp_path / "history.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with SqliteRunReader(garbage) as light, pytest.raises(StoreError) as info:
        light.get_run("0" * 32)
    assert "cannot read history store" in str(info.value) and "\n" not in str(info.value)
    home = tmp_path / "home"
    assert cli(home, "run", "-q", "--", "true").returncode == 0
    with SqliteRunReader(home / "history.db") as light, pytest.raises(StoreError) as info:
        light.get_run("0" * 32)
    assert "no run with id" in str(info.value)
