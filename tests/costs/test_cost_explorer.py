"""Cost Explorer actuals against a real moto server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fixtures.price_apis import queue_ce_results
from scriptrunner.costs.explorer import CostExplorer, group_definition
from scriptrunner.errors import PriceError

START, END = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def period(
    start: str,
    end: str,
    *,
    total: str | None = None,
    groups: dict[str, str] | None = None,
    estimated: bool = False,
) -> dict[str, Any]:
    return {
        "TimePeriod": {"Start": start, "End": end},
        "Total": {"UnblendedCost": {"Amount": total, "Unit": "USD"}} if total else {},
        "Groups": [
            {"Keys": [k], "Metrics": {"UnblendedCost": {"Amount": v, "Unit": "USD"}}}
            for k, v in (groups or {}).items()
        ],
        "Estimated": estimated,
    }


@pytest.fixture
def explorer(moto_server: str, aws_env: dict[str, str]) -> CostExplorer:
    return CostExplorer(endpoint=moto_server)


def test_totals_per_period_are_exact_decimals(explorer: CostExplorer, moto_server: str) -> None:
    queue_ce_results(
        moto_server,
        {
            "ResultsByTime": [
                period("2026-10-01", "2026-10-16", total="12.3456789012"),
                period("2026-10-16", "2026-11-01", total="0.01", estimated=True),
            ]
        },
    )
    rows = explorer.get_cost_and_usage(START, END, granularity="DAILY")
    assert [(r.start, r.group, r.amount, r.estimated) for r in rows] == [
        (dt.date(2026, 10, 1), "total", Decimal("12.3456789012"), False),
        (dt.date(2026, 10, 16), "total", Decimal("0.01"), True),
    ]


def test_grouped_by_tag_with_untagged(explorer: CostExplorer, moto_server: str) -> None:
    queue_ce_results(
        moto_server,
        {
            "ResultsByTime": [
                period("2026-10-01", "2026-11-01", groups={"team$web": "40.5", "team$": "2.25"})
            ]
        },
    )
    rows = explorer.get_cost_and_usage(START, END, granularity="MONTHLY", by="tag:team")
    assert [(r.group, r.amount, r.unit) for r in rows] == [
        ("web", Decimal("40.5"), "USD"),
        ("untagged", Decimal("2.25"), "USD"),
    ]


def test_no_data_is_an_empty_list(explorer: CostExplorer) -> None:
    # Same parameters as no queued result: moto answers with no periods.
    assert (
        explorer.get_cost_and_usage(dt.date(2020, 1, 1), dt.date(2020, 2, 1), metric="BlendedCost")
        == []
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"granularity": "HOURLY"}, r"granularity 'HOURLY'"),
        ({"metric": "Cost"}, r"metric 'Cost'"),
        ({"by": "team"}, r"--by 'team': expected one of service, region, account or tag:KEY"),
    ],
)
def test_bad_arguments(explorer: CostExplorer, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(PriceError, match=message):
        explorer.get_cost_and_usage(START, END, **kw)


def test_empty_period_and_group_definitions(explorer: CostExplorer) -> None:
    with pytest.raises(PriceError, match=r"the end must be after the start"):
        explorer.get_cost_and_usage(END, START)
    assert group_definition("service") == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    assert group_definition("tag:team") == [{"Type": "TAG", "Key": "team"}]


def test_api_errors_are_price_errors(aws_env: dict[str, str]) -> None:
    explorer = CostExplorer(endpoint="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(PriceError, match=r"Cost Explorer"):
        explorer.get_cost_and_usage(START, END)
