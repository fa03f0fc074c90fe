"""The runs list's tag filter takes the plan that suits the tag: a common tag is tested on
the runs newest first (their own ``tags``), a rare one starts from the ``run_tags`` index
(``IN``); both answer the same runs.  (Over 100,000 runs the wrong plan cost 64 ms for a
common tag and 70 ms for a rare one; ``EXISTS`` on ``run_tags`` was planned by the index
SQLite happened to pick, 1 or 120 ms: ``bench/dashboard.py``.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.cli import cli
from scriptrunner.server.pagination import PageRequest
from scriptrunner.server.queries import runs
from scriptrunner.store.reader import HistoryReader


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Runs written by the CLI: three tagged team=red, one team=blue, one untagged; the
    ids of each team, newest first."""
    home = tmp_path_factory.mktemp("tags") / "home"
    teams: dict[str, list[str]] = {"red": [], "blue": []}
    for team in ("red", "blue", "red", None, "red"):
        tags = ["--tag", f"team={team}", "--tag", "env=prod"] if team else []
        done = cli(home, "run", "--json", "-q", *tags, "--", "true")
        assert done.returncode == 0, done.stderr
        if team:
            teams[team].insert(0, json.loads(done.stdout)["id"])
    teams["home"] = [str(home)]
    return teams


def _plan(reader: HistoryReader, filters: runs.RunFilters) -> str:
    query = runs.runs_query(reader, filters, PageRequest(50))
    sql = str(query.compile(reader.engine, compile_kwargs={"literal_binds": True}))
    with reader.engine.connect() as conn:
        return " | ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_common_and_rare_tags_take_their_plans_and_list_the_same_runs(
    tagged: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = HistoryReader(f"sqlite:///{Path(tagged['home'][0]) / 'history.db'}")
    try:
        monkeypatch.setattr(runs, "COMMON_TAG_RUNS", 1)  # red (3 runs) is common, blue rare
        red, blue = runs.RunFilters(tags={"team": "red"}), runs.RunFilters(tags={"team": "blue"})
        assert runs.common_tag_keys(reader, red.tags) == {"team"}
        assert runs.common_tag_keys(reader, blue.tags) == frozenset()
        # Common: the runs newest first by the started_at index, each run's tags tested.
        assert "ix_runs_started_at" in _plan(reader, red)
        assert "TEMP B-TREE FOR ORDER BY" not in _plan(reader, red)
        assert "run_tags" not in _plan(reader, red)
        # Rare: the tag index first.
        assert "ix_run_tags_key_value" in _plan(reader, blue)
        for filters, team in ((red, "red"), (blue, "blue")):
            items = runs.list_runs(reader, filters, PageRequest(50))["items"]
            assert [i["id"] for i in items] == tagged[team]
        both = runs.RunFilters(tags={"team": "red", "env": "prod"})  # env=prod: common too
        items = runs.list_runs(reader, both, PageRequest(2))
        assert [i["id"] for i in items["items"]] == tagged["red"][:2]
        assert items["next"] is not None
        monkeypatch.setattr(runs, "COMMON_TAG_RUNS", 1000)  # both rare: the same answers
        for filters, team in ((red, "red"), (blue, "blue")):
            items = runs.list_runs(reader, filters, PageRequest(50))["items"]
            assert [i["id"] for i in items] == tagged[team]
        assert "ix_run_tags_key_value" in _plan(reader, red)
    finally:
        reader.close()
