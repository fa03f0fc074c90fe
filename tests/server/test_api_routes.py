"""The read API end to end: a real ``scriptrunner serve`` answering over HTTP about a
history the real CLI wrote in other processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.fixtures.server import Served, serve

from fixtures.cli import read_line, start_cli
from fixtures.history import STRIPE, WORKFLOW, History, write_history

pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True)
class Api:
    served: Served
    client: httpx.Client
    ids: History
    work: Path


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    work = tmp_path_factory.mktemp("api")
    flows = work / "flows"
    flows.mkdir()
    (flows / "pipeline.yaml").write_text(WORKFLOW)
    (flows / "broken.yml").write_text("name: broken\ntasks:\n  a: {run: 'true', needs: nope}\n")
    with serve(work / "home", workflows_dir=flows) as served:
        ids = write_history(f"sqlite:///{work / 'home' / 'history.db'}", served.env, work)
        with served.client() as client:
            yield Api(served, client, ids, work)


def get(api: Api, route: str, /, **params: object) -> dict:  # type: ignore[type-arg]
    r = api.client.get(f"/api/v1{route}", params=params)  # type: ignore[arg-type]
    assert r.status_code == 200, (route, r.status_code, r.text)
    return r.json()  # type: ignore[no-any-return]


def test_runs_are_listed_filtered_and_paged_with_cursors(api: Api) -> None:
    everything = get(api, "/runs", limit=500)["items"]
    assert len(everything) >= 9  # 5 runs, a workflow and its 4 tasks
    seen, cursor = [], None
    while True:
        page = get(api, "/runs", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in everything]
    r = api.client.get("/api/v1/runs", params=[("tag", "team=red"), ("tag", "env=prod")])
    assert [i["id"] for i in r.json()["items"]] == [api.ids.tagged]
    assert [i["id"] for i in get(api, "/runs", status="blocked")["items"]] == [api.ids.blocked]
    top = get(api, "/runs", top_level="true", limit=500)["items"]
    assert top and all(i["kind"] != "task" for i in top)
    assert get(api, "/runs", kind="task", script="no-such.py") == {"items": [], "next": None}
    assert get(api, "/runs", since="2999-01-01T00:00:00Z") == {"items": [], "next": None}


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/runs", {"since": "yesterday"}, "since must be epoch seconds or an ISO 8601"),
        ("/runs", {"until": "nan"}, "until must be a finite number"),
        ("/runs", {"tag": "team"}, "tag must be key=value"),
        ("/runs", {"cursor": "not-a-cursor"}, "cursor is not a cursor this server gave"),
        ("/runs", {"kind": "job"}, "kind must be one of run, workflow, task"),
        ("/runs/abc12345/output", {"stream": "both"}, None),
        ("/scans", {"kind": "virus"}, "kind must be one of"),
        ("/scans/anything", {"format": "pdf"}, "format must be one of json, sarif"),
        ("/findings", {"severity": "urgent"}, "severity must be one of"),
        ("/findings/trend", {"bucket": "fortnight"}, "bucket must be one of hour, day, week"),
        ("/costs", {"group_by": "colour"}, "group_by must be one of"),
    ],
)
def test_bad_parameters_are_a_400_with_one_sentence(
    api: Api, path: str, params: dict[str, str], words: str | None
) -> None:
    r = api.client.get(f"/api/v1{path}", params=params)
    assert r.status_code in (400, 404), r.text  # the run of the output case does not exist
    if words is not None:
        assert r.status_code == 400 and words in r.json()["detail"]
        assert "\n" not in r.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "501", "many"])
def test_a_limit_out_of_range_is_refused(api: Api, limit: str) -> None:
    r = api.client.get("/api/v1/runs", params={"limit": limit})
    assert r.status_code in (400, 422)


def test_a_run_by_prefix_with_samples_output_and_its_trace(api: Api) -> None:
    run = get(api, f"/runs/{api.ids.failed[:8]}")
    assert run["id"] == api.ids.failed and len(run["attempt_rows"]) == 2
    assert run["cloud_cost_usd"] > 0 and run["gate"] is None
    assert set(get(api, f"/runs/{api.ids.failed}/samples")) == {"items"}
    out = get(api, f"/runs/{api.ids.tagged}/output")
    assert (out["stdout"], out["stderr"], out["running"]) == ("hello\n", "oops\n", False)
    traced = get(api, f"/runs/{api.ids.traced}")
    trace = get(api, f"/traces/{traced['trace_id']}")
    assert trace["spans"][0]["run_id"] == api.ids.traced
    assert get(api, "/traces", run_id=api.ids.traced)["items"][0]["trace_id"] == trace["trace_id"]
    for missing in ("0123456789abcdef", "ab", "/traces/ffff"):
        path = missing if missing.startswith("/") else f"/runs/{missing}"
        assert api.client.get(f"/api/v1{path}").status_code == 404


def test_stats_of_a_script(api: Api) -> None:
    st = get(api, "/runs/stats", script="hello.py", bucket="day")
    assert st["runs"] == 1 and st["failure_rate"] == 0
    assert [s["run_id"] for s in st["series"]] == [api.ids.traced]


def test_a_workflow_run_with_tasks_edges_and_the_definitions(api: Api) -> None:
    listed = get(api, "/workflows")["items"]
    assert [w["id"] for w in listed] == [api.ids.workflow]
    wf = get(api, f"/workflows/{api.ids.workflow}")
    assert [t["name"] for t in wf["tasks"]] == [
        "build (os=linux)", "build (os=mac)", "test", "deploy",
    ]  # fmt: skip
    assert ["test", "deploy"] in wf["edges"] and wf["tasks"][0]["matrix"] == {"os": "linux"}
    assert api.client.get(f"/api/v1/workflows/{api.ids.tagged}").status_code == 404
    defs = {d["path"]: d for d in get(api, "/workflow-definitions")["items"]}
    assert defs["pipeline.yaml"]["valid"] and defs["pipeline.yaml"]["jobs"] == [
        "build", "test", "deploy",
    ]  # fmt: skip
    assert not defs["broken.yml"]["valid"] and "nope" in defs["broken.yml"]["error"]


def test_a_scan_downloads_as_the_sarif_the_cli_writes(api: Api) -> None:
    (code,) = get(api, "/scans", kind="code")["items"]
    r = api.client.get(f"/api/v1/scans/{code['id']}", params={"format": "sarif"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sarif+json")
    assert r.headers["content-disposition"].startswith("attachment;")
    served = r.json()
    cli = api.served.cli(
        "scan", "code", "--tool", "bandit", "--format", "sarif", "--no-record",
        str(api.work / "danger.py"),
    )  # fmt: skip
    written = json.loads(cli.stdout)
    assert served["version"] == written["version"] == "2.1.0"

    def results(doc: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
        return sorted(
            (r["ruleId"], r["level"], r["partialFingerprints"]["scriptrunner/v1"])
            for run in doc["runs"]
            for r in run["results"]
        )

    assert results(served) == results(written)
    scan = get(api, f"/scans/{code['id'][:6]}")
    assert scan["findings_count"] == len(scan["findings"]) == code["findings_count"]


def test_findings_across_scans_and_secrets_stay_redacted(api: Api) -> None:
    bandit = get(api, "/findings", tool="bandit", severity="high")["items"]
    assert [f["rule_id"] for f in bandit] and all(f["severity"] == "HIGH" for f in bandit)
    assert all(f["scan_kind"] == "code" and f["scan_started_at"] for f in bandit)
    assert get(api, "/findings", path="elsewhere") == {"items": [], "next": None}
    secrets = get(api, "/secrets")
    assert secrets["items"] and {f["scan_kind"] for f in secrets["items"]} == {"secrets"}
    assert get(api, "/vulnerabilities") == {"items": [], "next": None}
    trend = get(api, "/findings/trend", bucket="day")["items"]
    assert len(trend) == 1 and trend[0]["HIGH"] >= 1
    for path in ("/secrets", "/findings", f"/runs/{api.ids.blocked}", "/scans?kind=gate"):
        assert STRIPE not in api.client.get(f"/api/v1{path}").text


def test_costs_per_run_by_group_and_top(api: Api) -> None:
    per_run = get(api, "/costs")["items"]
    assert [c["run_id"] for c in per_run] == [api.ids.failed]
    grouped = get(api, "/costs", group_by="provider", bucket="day")
    assert grouped["group_by"] == "provider" and grouped["next"] is None
    assert [(i["group"], i["usd"]) for i in grouped["items"]] == [
        ("aws", pytest.approx(per_run[0]["cloud_cost_usd"]))
    ]
    by_tag = get(api, "/costs", group_by="tag:team")["items"]
    assert [i["group"] for i in by_tag] == ["untagged"]
    assert get(api, "/costs/top", limit=5)["items"][0]["runs"] == 1


def test_a_running_run_shows_running_then_lost_once_its_runner_is_killed(api: Api) -> None:
    proc = start_cli(
        "run", "--tag", "case=lost", "--", "sh", "-c", "echo ready $$; sleep 60",
        env=api.served.env, cwd=api.work,
    )  # fmt: skip
    child = None
    try:
        line = read_line(proc)
        assert line.startswith("ready"), line
        child = int(line.split()[1])
        (run,) = get(api, "/runs", tag="case=lost")["items"]
        assert run["status"] == "running"
        out = get(api, f"/runs/{run['id']}/output")
        assert out["running"] and out["stdout"] == ""
    finally:
        proc.kill()  # the runner dies without finishing its row
        proc.communicate()
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    (lost,) = get(api, "/runs", tag="case=lost")["items"]
    assert lost["status"] == "lost" and lost["error"]
    assert get(api, "/runs", status="running", tag="case=lost")["items"] == []
