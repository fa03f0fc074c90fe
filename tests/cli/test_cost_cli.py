"""``scriptrunner cost ...`` and ``run --cost-profile`` end to end, as real processes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.cli import cli
from fixtures.price_apis import AzureHandler, azure_item, moto_server, queue_ce_results, serve

MANIFEST = """\
defaults:
  tags: {env: prod}
resources:
  - name: web
    type: aws.ec2
    instance_type: m5.large
    count: 2
    tags: {team: web}
  - name: assets
    type: aws.s3
    requests: {STANDARD: {put: 100000}}
    egress_gb: 50
    shared: {team: {web: 3, data: 1}}
  - name: gce
    type: gcp.compute
    machine_type: e2-standard-2
    tags: {team: data}
  - name: vm
    type: azure.vm
    size: Standard_D2s_v3
    hours: 100
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "costs.yaml"
    path.write_text(MANIFEST)
    return path


def test_estimate_table_with_stale_warning(home: Path, manifest: Path) -> None:
    r = cli(home, "cost", "estimate", str(manifest))
    assert r.returncode == 0, r.stderr
    assert "ec2/m5.large" in r.stdout and "1,460 hour  x" in r.stdout and "$140.16" in r.stdout
    # 140.16 + 0.5 + 4.5 + 48.91438 + 9.6
    assert "total $203.67 USD" in r.stdout
    assert "warning: aws prices from bundled aws.json are as of 2024-06-01" in r.stderr
    quiet = cli(home, "cost", "estimate", str(manifest), "--summary", "--max-catalog-age", "100000")
    assert quiet.stderr == "" and "ec2/m5.large" not in quiet.stdout
    env = cli(
        home, "cost", "estimate", str(manifest), env={"SCRIPTRUNNER_COST_MAX_AGE_DAYS": "100000"}
    )
    assert env.stderr == ""


def test_estimate_json_breakdown_by_tag(home: Path, manifest: Path) -> None:
    r = cli(home, "cost", "estimate", str(manifest), "--by", "tag:team", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["total_usd"] == "203.67438"
    groups = {g["name"]: Decimal(g["cost_usd"]) for g in doc["breakdown"]["groups"]}
    assert groups == {
        "web": Decimal("143.91"),
        "data": Decimal("50.16438"),
        "untagged": Decimal("9.6"),
    }
    assert sum(groups.values()) == Decimal(doc["total_usd"])
    assert {li["component"] for li in doc["line_items"]} == {"compute", "storage", "network"}


def test_estimate_csv_lines_and_breakdown(home: Path, manifest: Path) -> None:
    lines = cli(home, "cost", "estimate", str(manifest), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(lines.stdout)))
    assert [r["key"] for r in rows][:2] == ["ec2/m5.large", "s3/STANDARD/put"]
    assert rows[0]["tags"] == "env=prod;team=web"
    by = cli(home, "cost", "estimate", str(manifest), "--format", "csv", "--by", "provider")
    assert by.stdout.splitlines() == [
        "group,cost_usd,share",
        "aws,145.16,0.712706",
        "gcp,48.91438,0.24016",
        "azure,9.6,0.047134",
    ]


def test_estimate_of_a_workflow_files_resources(home: Path, tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: etl\ntasks:\n  extract:\n    run: 'true'\n    resources:\n"
        "      - {type: aws.lambda, requests: 1000000, gb_seconds: 400000}\n"
    )
    r = cli(home, "cost", "estimate", str(wf), "--by", "tag:task", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["total_usd"] == "6.86668"  # 0.2 requests + 400000 x 0.0000166667
    assert doc["breakdown"]["groups"] == [{"name": "extract", "cost_usd": "6.86668", "share": 1.0}]


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        (
            "resources: [{type: aws.ec2, instance_type: m5.large, hours: -5}]",
            "resources[0].hours: -5 is negative",
        ),
        (
            "resources: [{type: aws.ec2, instance_type: m5.lage}]",
            "unknown EC2 instance type 'm5.lage' in us-east-1; closest: m5.large",
        ),
        (
            "resources: [{type: gcp.compute, machine_type: e2-standard-2, region: us-centrl1}]",
            "resources[0].region: unknown gcp region 'us-centrl1'; closest: us-central1",
        ),
        (
            "resources: [{type: aws.s3, storage_gb_month: {STANDARD: 1e12}}]",
            "resources[0].storage_gb_month.STANDARD: '1e12' is absurdly large (the limit is 1,000,000,000)",
        ),
    ],
)
def test_bad_manifests_exit_2_with_one_clear_message(
    home: Path, tmp_path: Path, yaml: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml + "\n")
    r = cli(home, "cost", "estimate", str(path))
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith(f"scriptrunner: error: {path}: ")
    assert message in r.stderr


def test_bad_options_exit_2(home: Path, manifest: Path) -> None:
    r = cli(home, "cost", "estimate", str(manifest), "--by", "team")
    assert r.returncode == 2 and "expected one of component" in r.stderr
    r = cli(home, "cost", "estimate", str(manifest), env={"SCRIPTRUNNER_COST_MAX_AGE_DAYS": "soon"})
    assert r.returncode == 2 and "SCRIPTRUNNER_COST_MAX_AGE_DAYS='soon'" in r.stderr


def test_prices_show(home: Path) -> None:
    r = cli(
        home,
        "cost",
        "prices",
        "show",
        "--provider",
        "aws",
        "--region",
        "us-east-1",
        "--key",
        "ec2/m5",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "# aws: bundled aws.json (version 2024.06.1)"
    assert any(
        "ec2/m5.large" in line and "$0.096/hour" in line and "as of 2024-06-01" in line
        for line in r.stdout.splitlines()
    )
    doc = json.loads(cli(home, "cost", "prices", "show", "--json").stdout)
    assert set(doc["catalogs"]) == {"aws", "azure", "gcp"}
    assert all({"key", "usd", "unit", "as_of", "source"} <= set(p) for p in doc["prices"])
    none = cli(home, "cost", "prices", "show", "--provider", "gcp", "--key", "nothing")
    assert "no matching prices" in none.stdout


def test_prices_update_from_a_stand_in_then_used(home: Path, manifest: Path) -> None:
    items = [
        azure_item(
            serviceName="Virtual Machines",
            armSkuName="Standard_D2s_v3",
            retailPrice=0.1,
            productName="Virtual Machines DSv3 Series",
            skuName="D2s v3",
        ),
    ]
    with serve(AzureHandler, items) as server:
        r = cli(
            home,
            "cost",
            "prices",
            "update",
            "--provider",
            "azure",
            "--region",
            "eastus",
            "--endpoint",
            f"{server.url}/api/retail/prices",
        )
    assert r.returncode == 0, r.stderr
    assert "changed  eastus vm/Standard_D2s_v3: $0.096 -> $0.1 per hour" in r.stdout
    assert f"wrote {home / 'costs' / 'azure.json'}" in r.stdout
    shown = cli(
        home,
        "cost",
        "prices",
        "show",
        "--provider",
        "azure",
        "--key",
        "vm/Standard_D2s_v3",
        "--region",
        "eastus",
    )
    assert str(home / "costs" / "azure.json") in shown.stdout and "$0.1/hour" in shown.stdout
    est = json.loads(cli(home, "cost", "estimate", str(manifest), "--format", "json").stdout)
    assert [li["cost_usd"] for li in est["line_items"] if li["resource"] == "vm"] == ["10"]


def test_prices_update_network_errors_are_clear(home: Path) -> None:
    r = cli(
        home,
        "cost",
        "prices",
        "update",
        "--provider",
        "azure",
        "--endpoint",
        "http://127.0.0.1:9/api",
    )
    assert r.returncode == 2
    assert "cannot reach http://127.0.0.1:9/api" in r.stderr
    r = cli(home, "cost", "prices", "update", "--provider", "gcp")
    assert r.returncode == 2 and "needs an API key" in r.stderr


@pytest.mark.slow
def test_run_with_a_cost_profile_stores_wall_hours_times_the_hourly_price(home: Path) -> None:
    r = cli(home, "run", "--cost-profile", "aws:m5.large", "--tag", "team=web", "--", "true")
    assert r.returncode == 0, r.stderr
    assert "scriptrunner: cost $" in r.stderr and "as aws:m5.large" in r.stderr
    rows = json.loads(cli(home, "history", "--json").stdout)
    assert len(rows) == 1
    row = rows[0]
    expected = Decimal(repr(row["duration_seconds"])) / 3600 * Decimal("0.096")
    assert row["cloud_cost_usd"] > 0
    assert row["cloud_cost_usd"] == pytest.approx(float(expected), rel=1e-12)
    assert row["cloud_cost_usd"] == pytest.approx(row["duration_seconds"] / 3600 * 0.096, rel=1e-12)
    shown = json.loads(cli(home, "show", row["id"], "--json").stdout)
    events = [e for e in shown["events"] if e["type"] == "cost.calculated"]
    assert len(events) == 1 and events[0]["payload"]["profile"] == "aws:m5.large"
    assert "COST" in cli(home, "history").stdout


def test_run_json_summary_includes_the_cost(home: Path) -> None:
    r = cli(
        home, "run", "--json", "-q", "--cost-profile", "gcp:e2-standard-2@us-east1", "--", "true"
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    # e2-standard-2 costs 2 x 0.021811 + 8 x 0.002923 = 0.067006 per hour
    wall = summary["finished_at"] - summary["started_at"]
    assert summary["cloud_cost_usd"] == pytest.approx(wall / 3600 * 0.067006, rel=1e-12)
    assert r.stderr == ""  # -q: no cost line, no warning


def test_a_bad_profile_fails_before_anything_runs(home: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    r = cli(home, "run", "--cost-profile", "aws:m5.lage", "--", "touch", str(marker))
    assert r.returncode == 2
    assert (
        "--cost-profile 'aws:m5.lage': unknown aws instance type 'm5.lage'; closest: m5.large"
        in r.stderr
    )
    assert not marker.exists()
    assert "COST" not in cli(home, "history").stdout


@pytest.mark.slow
def test_cost_report_over_history(home: Path) -> None:
    assert "no runs with an attributed cost" in cli(home, "cost", "report").stdout
    for team in ("web", "web", "data"):
        assert (
            cli(
                home,
                "run",
                "-q",
                "--cost-profile",
                "aws:lambda:1024MB",
                "--tag",
                f"team={team}",
                "--",
                "true",
            ).returncode
            == 0
        )
    cli(home, "run", "-q", "--", "true")  # no cost: not in the report
    doc = json.loads(
        cli(home, "cost", "report", "--since", "1d", "--by", "tag:team", "--json").stdout
    )
    assert doc["runs"] == 3
    # Groups are ordered by cost, which depends on each run's measured duration.
    assert {g["name"]: g["runs"] for g in doc["groups"]} == {"web": 2, "data": 1}
    assert sum(Decimal(g["cost_usd"]) for g in doc["groups"]) == Decimal(doc["total_usd"])
    table = cli(home, "cost", "report", "--by", "script")
    assert table.stdout.splitlines()[-1].startswith("total") and "  3  $" in table.stdout
    assert cli(home, "cost", "report", "--since", "soon").returncode == 2


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    # moto is installed by `make test` (dev extra); a missing install fails here, never skips.
    with moto_server() as url:
        yield url


@pytest.mark.slow
def test_cost_actuals_from_cost_explorer(home: Path, moto: str) -> None:
    queue_ce_results(
        moto,
        {
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"},
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": ["Amazon Elastic Compute Cloud - Compute"],
                            "Metrics": {"UnblendedCost": {"Amount": "70.08", "Unit": "USD"}},
                        }
                    ],
                    "Estimated": False,
                }
            ]
        },
    )
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    r = cli(home, "cost", "actuals", "--by", "service", "--json", "--endpoint", moto, env=aws)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [
        {
            "start": "2026-10-01",
            "end": "2026-11-01",
            "group": "Amazon Elastic Compute Cloud - Compute",
            "amount": "70.08",
            "unit": "USD",
            "estimated": False,
        }
    ]
    table = cli(home, "cost", "actuals", "--by", "service", "--endpoint", moto, env=aws)
    assert "Amazon Elastic Compute Cloud - Compute" in table.stdout and "70.08 USD" in table.stdout


def test_estimate_and_report_tables_escape_control_characters(home: Path, tmp_path: Path) -> None:
    """Resource names, tags and report groups are user data: tables show them escaped
    (issue 15, defect 12), JSON keeps them exact."""
    path = tmp_path / "esc.yaml"
    path.write_text(
        'resources:\n  - name: "web\\e[2J"\n    type: aws.ec2\n    instance_type: m5.large\n'
        '    tags: {team: "a\\e]0;x\\a"}\n'
    )
    r = cli(home, "cost", "estimate", str(path), "--by", "tag:team", "--max-catalog-age", "100000")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "web\\x1b[2J" in r.stdout and "a\\x1b]0;x\\x07" in r.stdout
    as_json = cli(home, "cost", "estimate", str(path), "--format", "json")
    assert json.loads(as_json.stdout)["line_items"][0]["resource"] == "web\x1b[2J"

    ran = cli(
        home, "run", "-q", "--tag", "team=t\x1b[2J", "--cost-profile", "aws:m5.large", "--", "true"
    )
    assert ran.returncode == 0, ran.stderr
    report = cli(home, "cost", "report", "--by", "tag:team")
    assert report.returncode == 0, report.stderr
    assert "\x1b" not in report.stdout and "t\\x1b[2J" in report.stdout
