"""The read API's rows are keyed by plain ``str``: SQLAlchemy's ``quoted_name`` keys made
pydantic (FastAPI's serialiser) probe every key of every row, 3.6 ms of a 50-run page's
8 ms (``bench/dashboard.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.cli import cli
from scriptrunner.server.pagination import PageRequest
from scriptrunner.server.queries import runs
from scriptrunner.store.reader import HistoryReader


def test_listed_rows_have_plain_str_keys(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = cli(home, "run", "--json", "-q", "--tag", "team=red", "--", "true")
    assert done.returncode == 0, done.stderr
    reader = HistoryReader(f"sqlite:///{home / 'history.db'}")
    try:
        items = runs.list_runs(reader, runs.RunFilters(), PageRequest(50))["items"]
        assert [i["id"] for i in items] == [json.loads(done.stdout)["id"]]
        assert {type(key) for item in items for key in item} == {str}
        detail = runs.get_run(reader, items[0]["id"])
        assert detail is not None
        assert {type(key) for key in detail} == {str}
        assert {type(key) for row in detail["attempt_rows"] for key in row} == {str}
    finally:
        reader.close()
