"""The migration scheme on both backends: create and stamp, upgrade, refuse what is not ours."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, inspect, text

from scriptrunner.errors import StoreError
from scriptrunner.store import SCHEMA_VERSION, migrations, schema, version
from scriptrunner.store.migrations import MIGRATIONS, Migration, migrate
from scriptrunner.store.sqla import make_engine


@pytest.fixture
def engine(empty_store_url: str) -> Iterator[Engine]:
    eng = make_engine(empty_store_url)
    try:
        yield eng
    finally:
        eng.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def versions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [
            r[0] for r in conn.execute(text("SELECT version FROM scriptrunner_schema ORDER BY 1"))
        ]


def dump(engine: Engine) -> dict[str, Any]:
    """Every table's columns and rows: equal dumps mean nothing was changed."""
    result: dict[str, Any] = {}
    with engine.connect() as conn:
        for name in sorted(tables(engine)):
            cols = sorted(c["name"] for c in inspect(conn).get_columns(name))
            rows = conn.execute(text(f"SELECT * FROM {name}")).mappings().all()
            result[name] = (cols, sorted(repr(sorted(r.items())) for r in rows))
    return result


def test_empty_database_is_created_and_stamped_once(engine: Engine) -> None:
    assert migrate(engine, "test store") == 0
    assert versions(engine) == [SCHEMA_VERSION]
    assert tables(engine) == set(schema.metadata.tables)

    # Opening again finds the current version and changes nothing (same engine, too).
    assert migrate(engine, "test store") == SCHEMA_VERSION
    assert versions(engine) == [SCHEMA_VERSION]


def test_store_from_newer_version_is_refused_and_left_unchanged(engine: Engine) -> None:
    migrate(engine, "test store")
    newer = SCHEMA_VERSION + 5
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO scriptrunner_schema VALUES (:v, 0)"), {"v": newer})
        conn.execute(text("DROP TABLE metric_samples"))  # as a future version might
    before = dump(engine)

    with pytest.raises(StoreError) as info:
        migrate(engine, "the-store")

    assert str(info.value) == (
        f"history store the-store has schema version {newer}, newer than this scriptrunner "
        f"understands ({SCHEMA_VERSION}); upgrade scriptrunner. The store was not changed."
    )
    # Not even the missing table was "repaired": a newer store is not ours to touch.
    assert dump(engine) == before


def test_foreign_runs_table_without_schema_table_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE runs (athlete TEXT, km INTEGER)"))
        conn.execute(text("INSERT INTO runs VALUES ('ana', 10)"))
    before = dump(engine)

    with pytest.raises(StoreError, match="not a scriptrunner store") as info:
        migrate(engine, "the-store")

    assert "the-store" in str(info.value) and "nothing was changed" in str(info.value)
    assert dump(engine) == before
    assert tables(engine) == {"runs"}


def pretend_code_is_ahead(monkeypatch: pytest.MonkeyPatch, *steps: Migration) -> int:
    """Make this code's schema version ``len(steps)`` ahead, reached by the real ``steps``."""
    target = SCHEMA_VERSION + len(steps)
    for n, step in enumerate(steps, start=SCHEMA_VERSION + 1):
        monkeypatch.setitem(MIGRATIONS, n, step)
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", target)
    monkeypatch.setattr(version, "SCHEMA_VERSION", target)
    return target


def old_store_with_a_run(engine: Engine) -> None:
    migrate(engine, "test store")
    with engine.begin() as conn:
        conn.execute(
            schema.runs.insert(),
            [
                {
                    "id": "r1",
                    "command": ["x"],
                    "cwd": "/",
                    "tags": {},
                    "status": "succeeded",
                    "started_at": 1.0,
                }
            ],
        )


def test_older_store_is_upgraded_one_stamped_step_at_a_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_store_with_a_run(engine)

    def add_note_column(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE runs ADD COLUMN note TEXT"))

    def fill_note(conn: Connection) -> None:
        conn.execute(text("UPDATE runs SET note = 'upgraded'"))

    target = pretend_code_is_ahead(monkeypatch, add_note_column, fill_note)

    assert migrate(engine, "test store") == SCHEMA_VERSION
    assert versions(engine) == list(range(SCHEMA_VERSION, target + 1))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM runs")).all() == [("upgraded",)]
    assert migrate(engine, "test store") == target


def test_failing_migration_leaves_store_at_its_old_version(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_store_with_a_run(engine)
    before = dump(engine)

    def half_done(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE runs ADD COLUMN note TEXT"))
        conn.execute(text("UPDATE no_such_table SET x = 1"))

    pretend_code_is_ahead(monkeypatch, half_done)

    with pytest.raises(StoreError, match="cannot prepare history store the-store"):
        migrate(engine, "the-store")

    # The step and its stamp share one transaction: the added column was rolled back too.
    assert dump(engine) == before
    assert versions(engine) == [SCHEMA_VERSION]


#: The ``run_attempts`` columns of schema version 6 (``results.Placement``).
PLACEMENT = ("attempt_id", "host", "pid", "worker", "queued_seconds")


def test_version_1_store_is_upgraded_step_by_step_keeping_its_runs(empty_store_url: str) -> None:
    """A real v1 store (later objects removed by hand) gains every later table and column."""
    eng = make_engine(empty_store_url)
    try:
        migrate(eng, "test")
        with eng.begin() as conn:
            conn.execute(text("DROP TABLE api_tokens"))
            conn.execute(text("DROP TABLE run_tags"))
            for name in ("script", "status", "kind"):
                conn.execute(text(f"DROP INDEX ix_runs_{name}_started"))
            conn.execute(text("CREATE INDEX ix_runs_script ON runs (script)"))
            conn.execute(text("CREATE INDEX ix_runs_status ON runs (status)"))
            conn.execute(text("DROP TABLE findings"))
            conn.execute(text("DROP TABLE scans"))
            conn.execute(text("DROP TABLE spans"))
            conn.execute(text("ALTER TABLE runs DROP COLUMN cloud_cost_usd"))
            conn.execute(text("ALTER TABLE runs DROP COLUMN pid_started"))
            conn.execute(text("ALTER TABLE runs DROP COLUMN heartbeat_at"))
            for column in PLACEMENT:
                conn.execute(text(f"ALTER TABLE run_attempts DROP COLUMN {column}"))
            conn.execute(text("UPDATE scriptrunner_schema SET version = 1"))
            conn.execute(
                text(
                    "INSERT INTO runs (id, kind, command, cwd, tags, status, attempts, started_at)"
                    " VALUES ('r1', 'run', '[]', '/', '{\"team\": \"a\"}', 'succeeded', 1, 1.0)"
                )
            )
        assert not {"spans", "scans", "findings", "api_tokens", "run_tags"} & tables(eng)
        assert migrate(eng, "test") == 1
        assert {"spans", "scans", "findings", "api_tokens", "run_tags"} <= tables(eng)
        indexes = {i["name"] for i in inspect(eng).get_indexes("runs")}
        assert {
            "ix_runs_script_started",
            "ix_runs_status_started",
            "ix_runs_kind_started",
        } <= indexes
        assert not {"ix_runs_script", "ix_runs_status"} & indexes
        assert versions(eng) == [1, 2, 3, 4, 5, 6]
        columns = {c["name"] for c in inspect(eng).get_columns("runs")}
        assert {"cloud_cost_usd", "pid_started", "heartbeat_at"} <= columns
        attempt_columns = {c["name"] for c in inspect(eng).get_columns("run_attempts")}
        assert set(PLACEMENT) <= attempt_columns
        with eng.connect() as conn:
            query = text("SELECT id, cloud_cost_usd, pid_started, heartbeat_at FROM runs")
            assert conn.execute(query).all() == [("r1", None, None, None)]
            tags = text("SELECT run_id, key, value FROM run_tags")
            assert conn.execute(tags).all() == [("r1", "team", "a")]  # filled from runs.tags
    finally:
        eng.dispose()
