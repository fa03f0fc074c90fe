"""The PostgreSQL store, end to end against a real server: API, CLI, driver, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import scriptrunner
from fixtures.cli import cli_env, run_cli, start_cli
from fixtures.postgres import free_port
from scriptrunner.errors import StoreError
from scriptrunner.settings import Settings, load_settings
from scriptrunner.store import SCHEMA_VERSION, open_reader, open_store
from scriptrunner.store.sqla import SqlAlchemyHistory, make_engine, normalise_url

pytestmark = pytest.mark.postgres

PASSWORD = "s3cr3t-Pa55"


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_plain_postgresql_urls_use_psycopg3(scheme: str) -> None:
    url = f"{scheme}://u@127.0.0.1:5/db"
    assert normalise_url(url) == "postgresql+psycopg://u@127.0.0.1:5/db"
    engine = make_engine(url)  # creating an engine does not connect
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    engine.dispose()


def test_an_explicit_driver_is_kept() -> None:
    assert normalise_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_open_store_on_postgresql_url(postgres_db_url: str, tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path / "home", database_url=postgres_db_url))
    try:
        assert isinstance(store, SqlAlchemyHistory)
        assert store.engine.dialect.driver == "psycopg"
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM scriptrunner_schema")).all() == [
                (SCHEMA_VERSION,)
            ]
    finally:
        store.close()
    assert not (tmp_path / "home").exists(), "a PostgreSQL store must not create a SQLite file"


def test_api_run_is_recorded_via_database_url_env(
    postgres_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRIPTRUNNER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCRIPTRUNNER_DATABASE_URL", postgres_db_url)
    ok = script(tmp_path, "ok.py", "print('from postgres')\n")
    bad = script(tmp_path, "bad.py", "raise SystemExit(4)\n")

    first = scriptrunner.run(ok, tags={"db": "pg"})
    second = scriptrunner.run(bad)

    reader = open_reader(load_settings())
    try:
        runs = reader.list_runs()
        shown = reader.get_run(first.run_id)
        stats = reader.stats()
    finally:
        reader.close()
    assert [(r["id"], r["status"], r["exit_code"]) for r in runs] == [
        (second.run_id, "failed", 4),
        (first.run_id, "succeeded", 0),
    ]
    assert shown["stdout_tail"] == "from postgres\n"
    assert shown["tags"] == {"db": "pg"}
    assert [e["type"] for e in shown["events"]] == [
        "run.started",
        "run.attempt.finished",
        "run.finished",
    ]
    assert len(shown["attempt_rows"]) == 1
    assert (stats.runs, stats.failures) == (2, 1)
    assert not (tmp_path / "home").exists()


@pytest.mark.slow
def test_cli_run_history_show_stats_via_database_url_env(
    postgres_db_url: str, tmp_path: Path
) -> None:
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_DATABASE_URL=postgres_db_url
    )
    ok = script(tmp_path, "ok.py", "print('hello pg')\n")
    bad = script(tmp_path, "bad.py", "import sys; print('oops', file=sys.stderr); sys.exit(4)\n")

    first = run_cli("run", "-q", "--json", "--tag", "via=cli", str(ok), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run_cli("run", "-q", str(bad), env=env, cwd=tmp_path)
    assert second.returncode == 4, second.stderr

    history = run_cli("history", "--json", env=env, cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    runs = json.loads(history.stdout)
    assert [(r["script"], r["status"], r["exit_code"]) for r in runs] == [
        (str(bad), "failed", 4),
        (str(ok), "succeeded", 0),
    ]
    run_id = json.loads(first.stdout)["id"]
    assert runs[1]["id"] == run_id

    show = run_cli("show", "--json", run_id[:10], env=env, cwd=tmp_path)
    assert show.returncode == 0, show.stderr
    shown = json.loads(show.stdout)
    assert shown["tags"] == {"via": "cli"}
    assert shown["stdout_tail"] == "hello pg\n"
    assert [e["type"] for e in shown["events"]] == [
        "run.started",
        "run.attempt.finished",
        "run.finished",
    ]

    stats = run_cli("stats", "--json", "bad.py", env=env, cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["failure_rate"] == 1.0

    assert not (tmp_path / "home").exists()
    for proc in (first, second, history, show, stats):
        assert "Traceback" not in proc.stderr


# -- errors --------------------------------------------------------------------------------


def unreachable_urls(server_port: int) -> list[str]:
    return [
        # The server is up but the database does not exist.
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:{server_port}/no_such_db",
        # Nothing listens on the port.
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/scriptrunner_test",
    ]


def test_connection_errors_hide_the_password(postgres_url: str) -> None:
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    for url in unreachable_urls(port):
        with pytest.raises(StoreError) as info:
            open_store(Settings(database_url=url))
        message = str(info.value)
        assert message.startswith(
            "cannot prepare history store postgresql://postgres:***@127.0.0.1:"
        )
        assert PASSWORD not in message


@pytest.mark.slow
def test_cli_connection_error_hides_the_password(postgres_url: str, tmp_path: Path) -> None:
    port = int(postgres_url.rsplit(":", 1)[1].split("/")[0])
    marker = tmp_path / "ran"
    touch = script(tmp_path, "touch.py", f"open({str(marker)!r}, 'w').close()\n")
    for url in unreachable_urls(port):
        env = cli_env(SCRIPTRUNNER_DATABASE_URL=url)
        for args in (["run", str(touch)], ["history"]):
            proc = run_cli(*args, env=env, cwd=tmp_path)
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr.startswith("scriptrunner: error: cannot prepare history store ")
            assert "postgres:***@" in proc.stderr
            assert PASSWORD not in proc.stderr + proc.stdout
    assert not marker.exists()


def test_invalid_database_url_hides_the_password() -> None:
    with pytest.raises(StoreError, match="invalid database URL") as info:
        open_store(Settings(database_url=f"nosuchdb://admin:{PASSWORD}@db.example/x"))
    assert PASSWORD not in str(info.value)
    assert "admin:***@db.example" in str(info.value)


def test_store_from_newer_version_is_refused(postgres_db_url: str, tmp_path: Path) -> None:
    SqlAlchemyHistory(postgres_db_url).close()
    engine = create_engine(normalise_url(postgres_db_url))
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO scriptrunner_schema VALUES (:v, 0)"), {"v": SCHEMA_VERSION + 1}
        )

    with pytest.raises(StoreError, match=f"has schema version {SCHEMA_VERSION + 1}, newer than"):
        open_store(Settings(database_url=postgres_db_url))
    touch = script(tmp_path, "touch.py", "open('ran', 'w').close()\n")
    proc = run_cli(
        "run", str(touch), env=cli_env(SCRIPTRUNNER_DATABASE_URL=postgres_db_url), cwd=tmp_path
    )

    assert proc.returncode == 2
    assert "upgrade scriptrunner. The store was not changed." in proc.stderr
    assert not (tmp_path / "ran").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 0
        assert [
            r[0] for r in conn.execute(text("SELECT version FROM scriptrunner_schema ORDER BY 1"))
        ] == [
            SCHEMA_VERSION,
            SCHEMA_VERSION + 1,
        ]
    engine.dispose()


@pytest.mark.slow
def test_concurrent_first_use_creates_the_schema_once(postgres_db_url: str, tmp_path: Path) -> None:
    # Eight runners start at once on an empty database: the advisory lock lets one create it.
    env = cli_env(SCRIPTRUNNER_DATABASE_URL=postgres_db_url)
    procs = [start_cli("run", "-q", "--", "true", env=env, cwd=tmp_path) for _ in range(8)]
    results = [(p.wait(timeout=120), p.communicate()) for p in procs]
    assert [code for code, _ in results] == [0] * 8, [err for _, (_, err) in results]

    engine = create_engine(normalise_url(postgres_db_url))
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM runs WHERE status = 'succeeded'")).scalar() == 8
        )
        assert conn.execute(text("SELECT version FROM scriptrunner_schema")).all() == [
            (SCHEMA_VERSION,)
        ]
    engine.dispose()
