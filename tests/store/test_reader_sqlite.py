"""The run path's SQLite reader (``run --json``) reads a run exactly as ``HistoryReader``
does: the same story for every kind of run, scans and findings included."""

from __future__ import annotations

from pathlib import Path

from fixtures.cli import cli
from scriptrunner.app.story import run_story
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
