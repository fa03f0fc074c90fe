"""The read API's queries over a history the real CLI wrote, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures.cli import cli_env
from fixtures.history import STRIPE, History, write_history
from scriptrunner.server.pagination import PageRequest
from scriptrunner.server.queries import costs, findings, runs, scans, stats, traces, workflows
from scriptrunner.server.queries.common import Window
from scriptrunner.store.reader import HistoryReader


@dataclass(frozen=True, slots=True)
class Written:
    reader: HistoryReader
    ids: History


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def written(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Written]:
    """One CLI-written history per backend, shared by this module's tests (read only)."""
    work = tmp_path_factory.mktemp("history")
    env = cli_env(SCRIPTRUNNER_HOME=str(work / "home"))
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{work / 'home' / 'history.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        drop = f"api_{uuid.uuid4().hex[:12]}"
        url = server.create_database(drop)
        env["SCRIPTRUNNER_DATABASE_URL"] = url
    ids = write_history(url, env, work)
    reader = HistoryReader(url)
    try:
        yield Written(reader, ids)
    finally:
        reader.close()
        if drop is not None:
            server.drop_database(drop)


def test_runs_list_newest_first_with_the_contract_fields(written: Written) -> None:
    page = runs.list_runs(written.reader, runs.RunFilters(top_level=True), PageRequest(50))
    items = page["items"]
    assert page["next"] is None
    assert [i["kind"] for i in items].count("task") == 0
    assert [(i["started_at"], i["id"]) for i in items] == sorted(
        ((i["started_at"], i["id"]) for i in items), key=lambda k: (-k[0], k[1])
    )
    assert set(items[0]) == {
        "id", "kind", "script", "command", "status", "exit_code", "attempts", "started_at",
        "finished_at", "duration_seconds", "peak_rss_bytes", "cpu_percent_avg", "tags",
        "cloud_cost_usd", "workflow_run_id", "task_name", "error",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (runs.RunFilters(tags={"team": "red"}), "tagged"),
        (runs.RunFilters(tags={"team": "red", "env": "prod"}), "tagged"),
        (runs.RunFilters(status="blocked"), "blocked"),
        (runs.RunFilters(kind="workflow"), "workflow"),
        (runs.RunFilters(script="hello.py"), "traced"),
    ],
)
def test_runs_filters_select_exactly_the_matching_runs(
    written: Written, filters: runs.RunFilters, expected: str
) -> None:
    items = runs.list_runs(written.reader, filters, PageRequest(50))["items"]
    assert [i["id"] for i in items] == [getattr(written.ids, expected)]


@pytest.mark.parametrize(
    "filters",
    [
        runs.RunFilters(tags={"team": "blue"}),
        runs.RunFilters(tags={"nope": "red"}),
        runs.RunFilters(status="no-such-status"),
        runs.RunFilters(window=Window(since=4e9)),
        runs.RunFilters(window=Window(until=1.0)),
    ],
)
def test_unknown_filter_values_give_an_empty_list(
    written: Written, filters: runs.RunFilters
) -> None:
    assert runs.list_runs(written.reader, filters, PageRequest(50)) == {"items": [], "next": None}


def test_pages_follow_each_other_without_gaps_or_repeats(written: Written) -> None:
    everything = runs.list_runs(written.reader, runs.RunFilters(), PageRequest(500))["items"]
    seen: list[str] = []
    request = PageRequest(2)
    while True:
        page = runs.list_runs(written.reader, runs.RunFilters(), request)
        seen += [i["id"] for i in page["items"]]
        if page["next"] is None:
            break
        from scriptrunner.server.pagination import decode_cursor

        request = PageRequest(2, decode_cursor(page["next"], 2))
    assert seen == [i["id"] for i in everything] and len(seen) > 4


def test_a_run_in_detail_has_attempts_metrics_cost_and_output(written: Written) -> None:
    failed = runs.get_run(written.reader, written.ids.failed)
    assert failed is not None
    assert [a["attempt"] for a in failed["attempt_rows"]] == [1, 2]
    assert failed["attempts"] == 2 and failed["status"] == "failed"
    assert failed["cloud_cost_usd"] and failed["cloud_cost_usd"] > 0
    assert set(failed["metrics"]) >= {"cpu_user_seconds", "cpu_percent_max", "stdout_bytes"}
    assert failed["gate"] is None and failed["trace_id"] is None
    out = runs.output(written.reader, written.ids.tagged, None)
    assert out["stdout"] == "hello\n" and out["stderr"] == "oops\n"
    assert not out["truncated"] and not out["running"]
    only = runs.output(written.reader, written.ids.tagged, "stderr")
    assert only["stdout"] == "" and only["stderr"] == "oops\n"


def test_a_blocked_run_carries_its_gate_scan_with_redacted_findings(written: Written) -> None:
    blocked = runs.get_run(written.reader, written.ids.blocked)
    assert blocked is not None and blocked["gate"] is not None
    assert blocked["gate"]["kind"] == "gate" and blocked["gate"]["findings_count"] >= 1
    assert STRIPE not in json.dumps(blocked)


def test_a_traced_run_links_to_its_trace(written: Written) -> None:
    run = runs.get_run(written.reader, written.ids.traced)
    assert run is not None and run["trace_id"]
    listed = traces.list_traces(written.reader, written.ids.traced, Window(), PageRequest(10))
    assert [t["trace_id"] for t in listed["items"]] == [run["trace_id"]]
    assert listed["items"][0]["run_id"] == written.ids.traced
    trace = traces.get_trace(written.reader, run["trace_id"])
    assert trace is not None and trace["spans"][0]["parent_span_id"] is None
    assert traces.get_trace(written.reader, "0" * 32) is None


def test_traces_page_by_cursor_and_refuse_a_foreign_one(written: Written) -> None:
    everything = traces.list_traces(written.reader, None, Window(), PageRequest(100))["items"]
    seen, after = [], None
    while True:
        got = traces.list_traces(written.reader, None, Window(), PageRequest(1, after))
        seen += [t["trace_id"] for t in got["items"]]
        if got["next"] is None:
            break
        after = (got["items"][-1]["start_time"], got["items"][-1]["trace_id"])
    assert seen == [t["trace_id"] for t in everything] and seen
    with pytest.raises(Exception, match="not a cursor this server gave"):
        traces.list_traces(written.reader, None, Window(), PageRequest(1, ("x", 1)))


def test_a_workflow_has_its_matrix_instances_needs_edges_and_skipped_task(
    written: Written,
) -> None:
    wf = workflows.get_workflow(written.reader, written.ids.workflow)
    assert wf is not None
    tasks = {t["name"]: t for t in wf["tasks"]}
    assert list(tasks) == ["build (os=linux)", "build (os=mac)", "test", "deploy"]
    assert tasks["build (os=mac)"]["matrix"] == {"os": "mac"}
    assert tasks["build (os=mac)"]["job"] == "build" and tasks["test"]["matrix"] is None
    assert tasks["test"]["needs"] == ["build (os=linux)", "build (os=mac)"]
    assert sorted(map(tuple, wf["edges"])) == [
        ("build (os=linux)", "test"), ("build (os=mac)", "test"), ("test", "deploy"),
    ]  # fmt: skip
    assert [t["status"] for t in wf["tasks"]] == ["succeeded", "succeeded", "failed", "skipped"]
    assert tasks["test"]["attempt_rows"][0]["exit_code"] == 1
    assert workflows.get_workflow(written.reader, written.ids.tagged) is None


def test_scans_findings_and_sarif_from_the_store(written: Written) -> None:
    listed = scans.list_scans(written.reader, scans.ScanFilters(kind="code"), PageRequest(10))
    (code,) = listed["items"]
    assert code["findings_count"] == 2 and code["status"] == "findings"
    scan = scans.get_scan(written.reader, code["id"])
    assert scan is not None and {f["rule_id"] for f in scan["findings"]} >= {"bandit.B404"}
    sarif = json.loads(scans.scan_sarif(scan))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "bandit"
    assert {r["ruleId"] for r in run["results"]} == {f["rule_id"] for f in scan["findings"]}
    bandit = findings.list_findings(
        written.reader, findings.FindingFilters(tool="bandit"), PageRequest(50)
    )
    assert {f["scan_id"] for f in bandit["items"]} == {code["id"]}
    assert all(f["scan_kind"] == "code" for f in bandit["items"])


def test_secret_findings_are_redacted_and_counted_in_the_trend(written: Written) -> None:
    found = findings.list_findings(
        written.reader, findings.FindingFilters(kind="secrets"), PageRequest(50)
    )
    assert found["items"] and STRIPE not in json.dumps(found)
    trend = findings.trend(written.reader, findings.FindingFilters(), 86400)
    (day,) = trend["items"]
    assert day["INFO"] == 1 and day["HIGH"] == 1 and day["CRITICAL"] >= 1


def test_costs_per_run_grouped_and_top(written: Written) -> None:
    per_run = costs.run_costs(written.reader, Window(), PageRequest(10))
    assert [r["run_id"] for r in per_run["items"]] == [written.ids.failed]
    for group_by, name in (("component", "compute"), ("provider", "aws"), ("service", "ec2")):
        grouped = costs.grouped(written.reader, group_by, Window(), "day")
        assert [i["group"] for i in grouped["items"]] == [name]
        assert grouped["items"][0]["usd"] == pytest.approx(per_run["items"][0]["cloud_cost_usd"])
    top = costs.top_scripts(written.reader, Window(), 10)
    assert top["items"][0]["runs"] == 1


def test_stats_give_a_series_oldest_first(written: Written) -> None:
    st = stats.script_stats(written.reader, None)
    starts = [s["started_at"] for s in st["series"]]
    assert starts == sorted(starts) and st["runs"] == len(starts)
    assert st["failures"] >= 2 and 0 < st["failure_rate"] < 1


def test_workflow_definitions_are_validated(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("name: ok\ntasks:\n  a: {run: 'true'}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.yml").write_text("name: bad\ntasks:\n  a: {run: 'true', needs: b}\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("name: outside\ntasks:\n  a: {run: 'true'}\n")
    (tmp_path / "link.yaml").symlink_to(outside)
    items = workflows.definitions([tmp_path])["items"]
    assert sorted(i["path"] for i in items) == ["ok.yaml", "sub/bad.yml"]
    by_path = {i["path"]: i for i in items}
    assert by_path["ok.yaml"]["valid"] and by_path["ok.yaml"]["jobs"] == ["a"]
    assert not by_path["sub/bad.yml"]["valid"] and "b" in by_path["sub/bad.yml"]["error"]


@pytest.mark.parametrize("skip_scan_limit", [runs.SKIP_SCAN_LIMIT, 1])
def test_the_script_filter_matches_literally_by_index_walk_and_by_scan(
    written: Written, skip_scan_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "SKIP_SCAN_LIMIT", skip_scan_limit)
    (found,) = runs.matching_scripts(written.reader, "hello.py")
    assert found.endswith("/hello.py")
    assert runs.matching_scripts(written.reader, "hello_py") == []
    assert runs.matching_scripts(written.reader, "%.py") == []
