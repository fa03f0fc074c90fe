"""A script name the user types is text, not a LIKE pattern: ``_`` and ``%`` match themselves
(issue 15, defect 8), on SQLite and on PostgreSQL, in ``history --script`` and ``stats``."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.cli import cli_env, run_cli


def _record(tmp_path: Path, env: dict[str, str], name: str, code: int) -> None:
    script = tmp_path / name
    script.write_text(f"raise SystemExit({code})\n")
    done = run_cli("run", "-q", str(script), env=env, cwd=tmp_path)
    assert done.returncode == code, done.stderr


def test_script_filters_match_underscore_and_percent_literally(
    empty_store_url: str, tmp_path: Path
) -> None:
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"), SCRIPTRUNNER_DATABASE_URL=empty_store_url
    )
    _record(tmp_path, env, "etl_job.py", 0)
    for _ in range(3):
        _record(tmp_path, env, "etl-job.py", 1)  # "_" as a wildcard would match these
    _record(tmp_path, env, "50%.py", 0)
    _record(tmp_path, env, "500.py", 1)  # "%" as a wildcard would match this

    stats = run_cli("stats", "--json", "etl_job.py", env=env, cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert (json.loads(stats.stdout)["runs"], json.loads(stats.stdout)["failures"]) == (1, 0)

    history = run_cli("history", "--json", "--script", "etl_job.py", env=env, cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert [Path(r["script"]).name for r in json.loads(history.stdout)] == ["etl_job.py"]

    for pattern, expected in (("50%.py", ["50%.py"]), ("%.py", []), ("5__.py", [])):
        found = run_cli("history", "--json", "--script", pattern, env=env, cwd=tmp_path)
        assert found.returncode == 0, found.stderr
        assert [Path(r["script"]).name for r in json.loads(found.stdout)] == expected, pattern
    stats = run_cli("stats", "--json", "5%", env=env, cwd=tmp_path)
    assert json.loads(stats.stdout)["runs"] == 0
    # The full path still matches, and so does a trailing part of it.
    full = run_cli("stats", "--json", str(tmp_path / "etl-job.py"), env=env, cwd=tmp_path)
    assert json.loads(full.stdout)["runs"] == 3
    part = run_cli("stats", "--json", f"{tmp_path.name}/etl-job.py", env=env, cwd=tmp_path)
    assert json.loads(part.stdout)["runs"] == 3
