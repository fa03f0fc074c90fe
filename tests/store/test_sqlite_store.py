"""The embedded SQLite store: creation, the fast writer's rows, and refusing bad files."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Table, create_engine

from fixtures.cli import cli_env, run_cli
from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import StoreError
from scriptrunner.events import Event
from scriptrunner.results import RunResult, Sample
from scriptrunner.settings import Settings
from scriptrunner.store import SCHEMA_VERSION, open_store, rows, schema
from scriptrunner.store.base import event_row
from scriptrunner.store.migrations import migrate
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.sqlite import SqliteHistory


def columns(table: Table) -> set[str]:
    return {c.name for c in table.columns}


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` with its bytes: "left untouched" means this is unchanged."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# -- a fresh store ---------------------------------------------------------------------------


def test_fresh_store_is_created_in_wal_mode_and_stamped(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "history.db"
    SqliteHistory(path).close()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM scriptrunner_schema").fetchall() == [
            (SCHEMA_VERSION,)
        ]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert {"runs", "run_attempts", "metric_samples", "events", "scriptrunner_schema"} <= tables


def test_reopening_a_store_does_not_stamp_it_again(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    for _ in range(3):
        SqliteHistory(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM scriptrunner_schema").fetchone() == (1,)
    finally:
        conn.close()


def test_switch_to_wal_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    # A store another runner has just created and stamped, before it switched it to WAL.
    path = tmp_path / "history.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate(engine, str(path))
    engine.dispose()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # ... and is writing its first run
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        # SQLite refuses this journal-mode change at once (no busy wait): it must be retried.
        SqliteHistory(path, busy_timeout=10).close()
    finally:
        release.join()
        other.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_open_store_uses_sqlite_file_in_home(tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path))
    try:
        assert isinstance(store, SqliteHistory)
        assert store.where == str(tmp_path / "history.db")
    finally:
        store.close()
    assert (tmp_path / "history.db").is_file()


# -- the fast writer's rows are the SQLAlchemy tables' columns ------------------------------


@pytest.fixture(scope="module")
def real_result() -> RunResult:
    """A real run (no store) whose result feeds the row builders."""
    return Runner().run(RunSpec(command=(sys.executable, "-c", "print('x')"), tags={"a": "b"}))


def test_run_rows_cover_exactly_the_runs_columns(real_result: RunResult) -> None:
    start = rows.run_start_row(
        run_id=real_result.run_id,
        kind="run",
        script=None,
        command=real_result.command,
        cwd=real_result.cwd,
        tags=real_result.tags,
        started_at=real_result.started_at,
    )
    finish = rows.run_finish_values(real_result, outputs={"k": "v"})
    assert set(start) <= columns(schema.runs), set(start) - columns(schema.runs)
    assert set(finish) <= columns(schema.runs), set(finish) - columns(schema.runs)
    # Between them, the two writes fill every column: none is silently left NULL forever.
    assert set(start) | set(finish) == columns(schema.runs)


@pytest.mark.parametrize(
    ("table", "build"),
    [
        (schema.run_attempts, lambda r: rows.attempt_row(r.run_id, r.attempts[0])),
        (
            schema.metric_samples,
            lambda r: rows.sample_rows(r.run_id, 1, [Sample(0.1, 12.5, 4096, 2)])[0],
        ),
        (schema.events, lambda r: event_row(Event("run.started", r.run_id, {"k": 1}))),
    ],
    ids=["run_attempts", "metric_samples", "events"],
)
def test_child_rows_match_their_table_columns(
    real_result: RunResult,
    table: Table,
    build: Callable[[RunResult], dict[str, object]],
) -> None:
    # "id" is the auto-increment key the database assigns.
    assert set(build(real_result)) == columns(table) - {"id"}


def test_rows_written_by_fast_writer_read_back_through_sqlalchemy(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "history.db")
    try:
        result = Runner(store).run(
            RunSpec(command=(sys.executable, "-c", "print('hé')"), tags={"team": "ops"})
        )
    finally:
        store.close()
    reader = HistoryReader(f"sqlite:///{tmp_path / 'history.db'}")
    try:
        run = reader.get_run(result.run_id)
    finally:
        reader.close()
    # JSON columns written as text by sqlite3 come back as Python values through SQLAlchemy.
    assert run["command"] == list(result.command)
    assert run["tags"] == {"team": "ops"}
    assert run["stdout_tail"] == "hé\n"
    assert run["status"] == "succeeded" and run["exit_code"] == 0
    assert [e["type"] for e in run["events"]] == [
        "run.started",
        "run.attempt.finished",
        "run.finished",
    ]
    assert run["events"][-1]["payload"]["status"] == "succeeded"


def test_failed_write_is_rolled_back_whole(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "history.db")
    try:
        start = rows.run_start_row(
            run_id="a" * 32,
            kind="run",
            script=None,
            command=["x"],
            cwd="/",
            tags={},
            started_at=1.0,
        )
        store.start_run(start)
        bad_attempt = {"run_id": "a" * 32, "no_such_column": 1}
        with pytest.raises(StoreError, match="cannot write history store"):
            store.finish_run("a" * 32, {"status": "succeeded"}, [bad_attempt], [])
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "history.db")
    try:
        # The UPDATE before the failing INSERT did not survive: finish_run is atomic.
        assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]
    finally:
        conn.close()


# -- refusing files that are not (this version's) stores ------------------------------------


def open_with_store(path: Path) -> None:
    SqliteHistory(path).close()


def open_with_reader(path: Path) -> None:
    HistoryReader(f"sqlite:///{path}").close()


OPENERS = pytest.mark.parametrize(
    "opener", [open_with_store, open_with_reader], ids=["store", "reader"]
)


@OPENERS
def test_corrupt_store_is_refused_and_left_untouched(
    tmp_path: Path, opener: Callable[[Path], None]
) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(random.Random(7).randbytes(16384))
    before = snapshot(tmp_path)

    with pytest.raises(StoreError) as info:
        opener(path)

    message = str(info.value)
    assert str(path) in message
    assert "not a database" in message
    assert snapshot(tmp_path) == before


def make_newer_store(path: Path) -> int:
    SqliteHistory(path).close()
    newer = SCHEMA_VERSION + 1
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO scriptrunner_schema VALUES (?, 0)", (newer,))
        conn.execute(f"PRAGMA user_version = {newer}")  # as every migration stamps it
    conn.close()
    return newer


@OPENERS
def test_store_from_newer_version_is_refused_and_left_untouched(
    tmp_path: Path, opener: Callable[[Path], None]
) -> None:
    path = tmp_path / "history.db"
    newer = make_newer_store(path)
    before = snapshot(tmp_path)

    with pytest.raises(StoreError) as info:
        opener(path)

    message = str(info.value)
    assert f"schema version {newer}" in message
    assert "newer" in message and "upgrade scriptrunner" in message
    assert str(path) in message
    assert snapshot(tmp_path) == before


@OPENERS
def test_foreign_runs_table_without_schema_table_is_refused(
    tmp_path: Path, opener: Callable[[Path], None]
) -> None:
    path = tmp_path / "history.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE runs (name TEXT, laps INTEGER)")
        conn.execute("INSERT INTO runs VALUES ('morning', 3)")
    conn.close()
    before = snapshot(tmp_path)

    with pytest.raises(StoreError, match="not a scriptrunner store"):
        opener(path)

    assert snapshot(tmp_path) == before


def test_unwritable_home_gives_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the history directory") as info:
        open_store(Settings(home=blocker / "home"))
    assert "SCRIPTRUNNER_HOME" in str(info.value)


# -- the same refusals through the command line ---------------------------------------------


@pytest.mark.parametrize("problem", ["corrupt", "newer", "unwritable"])
def test_cli_refuses_bad_store_before_running_anything(tmp_path: Path, problem: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    if problem == "corrupt":
        (home / "history.db").write_bytes(random.Random(1).randbytes(8192))
        expected = "not a readable SQLite database"
    elif problem == "newer":
        make_newer_store(home / "history.db")
        expected = "newer than this scriptrunner"
    else:
        (home / "blocker").write_text("")
        home = home / "blocker" / "home"
        expected = "cannot create the history directory"
    before = snapshot(tmp_path / "home")
    marker = tmp_path / "ran"
    script = tmp_path / "touch.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")

    proc = run_cli("run", str(script), env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=tmp_path)

    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("scriptrunner: error: ")
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not marker.exists(), "the script ran although its run could not be recorded"
    assert snapshot(tmp_path / "home") == before


def test_cli_run_is_recorded_in_sqlite_store(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text("print('hello')\n")
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))

    proc = run_cli("run", "-q", "--tag", "k=v", str(script), env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    history = run_cli("history", "--json", env=env, cwd=tmp_path)
    assert history.returncode == 0, history.stderr

    (run,) = json.loads(history.stdout)
    assert run["status"] == "succeeded"
    assert run["script"] == str(script)
    assert run["tags"] == {"k": "v"}
    assert run["stdout_tail"] == "hello\n"
