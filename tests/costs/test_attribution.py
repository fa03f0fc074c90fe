"""Cost per run: profiles, hand-computed attributions, and the cost written to the store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from scriptrunner.core.runner import Runner
from scriptrunner.core.spec import RunSpec
from scriptrunner.costs import Catalogs
from scriptrunner.costs.attribution import (
    COST_CALCULATED,
    attribute,
    parse_profile,
    prepare,
    record_run_cost,
)
from scriptrunner.errors import PriceError
from scriptrunner.results import AttemptResult, Metrics, RunId, RunResult
from scriptrunner.store.background import BackgroundWriter
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.recorder import Recorder
from scriptrunner.store.sqla import SqlAlchemyHistory
from scriptrunner.store.sqlite import SqliteHistory


def result(
    seconds: float,
    *,
    attempts: tuple[float, ...] | None = None,
    cpu: float = 0.0,
    rss: int | None = None,
) -> RunResult:
    """A finished run of ``seconds`` wall time (one attempt per entry of ``attempts``)."""
    walls = attempts or (seconds,)
    tries = tuple(
        AttemptResult(i + 1, "succeeded", 0, 1000.0, 1000.0 + w, Metrics(wall_seconds=w))
        for i, w in enumerate(walls)
    )
    metrics = Metrics(wall_seconds=sum(walls), cpu_user_seconds=cpu, peak_rss_bytes=rss)
    return RunResult(
        RunId("r" * 32),
        ("true",),
        None,
        "/",
        "succeeded",
        0,
        1000.0,
        1000.0 + seconds,
        tries,
        metrics,
    )


@pytest.mark.parametrize(
    ("text", "kind", "name", "region"),
    [
        ("aws:m5.large", "aws.ec2", "m5.large", "us-east-1"),
        ("aws:t3.micro@eu-west-1", "aws.ec2", "t3.micro", "eu-west-1"),
        ("azure:Standard_D2s_v3", "azure.vm", "Standard_D2s_v3", "eastus"),
        ("gcp:e2-standard-2@us-east1", "gcp.compute", "e2-standard-2", "us-east1"),
        ("aws:lambda:1024MB", "aws.lambda", "x86_64", "us-east-1"),
        ("aws:lambda:2048mb:arm64", "aws.lambda", "arm64", "us-east-1"),
    ],
)
def test_profiles(catalogs: Catalogs, text: str, kind: str, name: str, region: str) -> None:
    p = parse_profile(text, catalogs)
    assert (p.kind, p.name, p.region) == (kind, name, region)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("m5.large", r"expected PROVIDER:NAME"),
        ("awz:m5.large", r"unknown provider 'awz'; closest: aws"),
        ("aws:m5.lage", r"unknown aws instance type 'm5\.lage'; closest: m5\.large"),
        ("gcp:e2-standrd-2", r"unknown gcp machine type 'e2-standrd-2'; closest: e2-standard-2"),
        ("aws:m5.large@us-east1", r"unknown aws region 'us-east1'; closest: us-east-1"),
        (
            "azure:Standard_E2s_v3@westus2",
            r"no price for vm/Standard_E2s_v3 in westus2; it is priced in eastus",
        ),
        ("aws:lambda:64MB", r"expected aws:lambda:MEMORYMB with 128-10240 MB"),
        ("aws:lambda:1GB", r"expected aws:lambda:MEMORYMB"),
        ("aws:lambda:1024MB:sparc", r"unknown Lambda architecture 'sparc'"),
    ],
)
def test_bad_profiles_fail_with_the_closest_names(
    catalogs: Catalogs, text: str, message: str
) -> None:
    with pytest.raises(PriceError, match=message):
        parse_profile(text, catalogs)


@pytest.mark.parametrize(
    ("profile", "run", "usd"),
    [
        # An hour of m5.large is its hourly price.
        ("aws:m5.large", result(3600), "0.096"),
        # 90 s on t3.micro in eu-west-1: 90/3600 h x 0.0114 = 0.000285
        ("aws:t3.micro@eu-west-1", result(90), "0.000285"),
        # Half an hour of e2-standard-2: 1 vCPU-h x 0.021811 + 4 GB-h x 0.002923
        ("gcp:e2-standard-2", result(1800), "0.033503"),
        # 2 h of a D2s_v3
        ("azure:Standard_D2s_v3", result(7200), "0.192"),
        # Lambda: 2 attempts of 1.0004 s and 0.25 s -> 1001 + 250 ms, at 1024 MB
        # = 1.251 GB-s x 0.0000166667 + 2 requests x 0.0000002
        ("aws:lambda:1024MB", result(2, attempts=(1.0004, 0.25)), "0.0000212500417"),
        # arm64 at 512 MB, one 100 ms invocation: 0.05 GB-s x 0.0000133334 + 0.0000002
        ("aws:lambda:512MB:arm64", result(0.1), "0.00000086667"),
    ],
)
def test_hand_computed_run_costs(
    catalogs: Catalogs, profile: str, run: RunResult, usd: str
) -> None:
    a = attribute(run, parse_profile(profile, catalogs), catalogs)
    assert a.usd == Decimal(usd)
    assert a.event.type == COST_CALCULATED and a.event.run_id == run.run_id
    assert a.event.payload["usd_exact"] == usd and a.event.payload["usd"] == float(usd)


def test_the_event_reports_cpu_and_memory_use_against_the_profile(catalogs: Catalogs) -> None:
    run = result(10, cpu=5.0, rss=2**30)
    a = attribute(run, parse_profile("aws:m5.large", catalogs), catalogs, today=dt.date(2030, 1, 1))
    payload = a.event.payload
    assert payload["cpu_utilisation"] == 0.25  # 5 CPU s over 10 s of 2 vCPUs
    assert payload["memory_utilisation"] == 0.125  # 1 GiB of 8
    assert payload["basis"] == "wall time" and payload["wall_seconds"] == 10
    assert payload["lines"] == [
        {
            "key": "ec2/m5.large",
            "component": "compute",
            "quantity": "0.00277777777777777778",
            "unit": "hour",
            "unit_usd": "0.096",
            "cost_usd": "0.00026666666666666666688",
        }
    ]
    assert "2024-06-01" in payload["warnings"][0]


def test_a_real_run_gets_its_cost_and_event_in_the_store(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.db")
    try:
        coster = prepare("aws:m5.large", None)
        run = Runner(store).run(RunSpec(command=("true",)))
        a = coster.record(Recorder(store), run)
    finally:
        store.close()
    reader = HistoryReader(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        row = reader.get_run(run.run_id)
    finally:
        reader.close()
    expected = Decimal(repr(run.duration)) / 3600 * Decimal("0.096")
    assert row["cloud_cost_usd"] == float(a.usd) == pytest.approx(float(expected), rel=1e-15)
    events = [e for e in row["events"] if e["type"] == COST_CALCULATED]
    assert len(events) == 1 and events[0]["payload"]["profile"] == "aws:m5.large"


def test_set_run_cost_on_every_backend_and_through_the_background_writer(
    empty_store_url: str, catalogs: Catalogs
) -> None:
    store = SqlAlchemyHistory(empty_store_url)
    writer = BackgroundWriter(store)
    try:
        runner = Runner(store)
        first = runner.run(RunSpec(command=("true",)))
        second = runner.run(RunSpec(command=("true",)))
        profile = parse_profile("gcp:e2-micro", catalogs)
        record_run_cost(Recorder(store), attribute(first, profile, catalogs))
        record_run_cost(Recorder(writer), attribute(second, profile, catalogs))
        writer.flush()
    finally:
        writer.close()
        store.close()
    reader = HistoryReader(empty_store_url)
    try:
        for run in (first, second):
            row = reader.get_run(run.run_id)
            assert row["cloud_cost_usd"] > 0
            assert [e["type"] for e in row["events"]].count(COST_CALCULATED) == 1
    finally:
        reader.close()
