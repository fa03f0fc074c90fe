"""Renderers: the table (golden text), JSON and CSV with exact decimal strings."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from scriptrunner.costs import Catalogs, breakdown, estimate, resources_from
from scriptrunner.costs.render import (
    breakdown_csv,
    exact_text,
    fmt_quantity,
    fmt_usd,
    lines_csv,
    to_json,
    to_table,
)

MANIFEST = {
    "resources": [
        {
            "name": "web",
            "type": "aws.ec2",
            "instance_type": "m5.large",
            "count": 2,
            "tags": {"team": "web"},
        },
        {"name": "fn", "type": "aws.lambda", "requests": 1000, "gb_seconds": 3},
    ]
}

GOLDEN_TABLE = """\
RESOURCE  REGION         COMPONENT  ITEM                         QUANTITY        UNIT PRICE         COST  TAGS
web       aws:us-east-1  compute    ec2/m5.large               1,460 hour  x         $0.096  =   $140.16  team=web
fn        aws:us-east-1  compute    lambda/requests         1,000 request  x     $0.0000002  =   $0.0002  -
fn        aws:us-east-1  compute    lambda/x86_64/duration    3 GB-second  x  $0.0000166667  =  $0.00005  -

TAG:TEAM      COST   SHARE
web        $140.16  100.0%
untagged  $0.00025    0.0%
total      $140.16  100.0%

2 resources, 3 line items, total $140.16 USD; catalogs: aws 2024.06.1 (oldest price as of 2024-06-01)
"""


@pytest.fixture(scope="module")
def est(catalogs: Catalogs):  # type: ignore[no-untyped-def]
    return estimate(resources_from(MANIFEST), catalogs)


def test_table_golden(est) -> None:  # type: ignore[no-untyped-def]
    assert to_table(est, breakdown(est.lines, "tag:team")) == GOLDEN_TABLE


def test_table_summary_leaves_the_lines_out(est) -> None:  # type: ignore[no-untyped-def]
    text = to_table(est, breakdown(est.lines, "component"), lines=False)
    assert text.startswith("COMPONENT     COST   SHARE\ncompute    $140.16  100.0%\n")


def test_json_has_exact_strings_and_sources(est) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(to_json(est, breakdown(est.lines, "resource")))
    assert doc["total_usd"] == "140.1602500001" and doc["currency"] == "USD"
    assert doc["line_items"][2] == {
        "resource": "fn",
        "kind": "aws.lambda",
        "provider": "aws",
        "region": "us-east-1",
        "component": "compute",
        "key": "lambda/x86_64/duration",
        "description": doc["line_items"][2]["description"],
        "quantity": "3",
        "unit": "GB-second",
        "unit_usd": "0.0000166667",
        "cost_usd": "0.0000500001",
        "tags": {},
        "as_of": "2024-06-01",
        "source": "https://aws.amazon.com/lambda/pricing/",
    }
    assert doc["breakdown"]["groups"][0] == {"name": "web", "cost_usd": "140.16", "share": 0.999998}
    assert doc["catalogs"][0]["oldest_as_of"] == "2024-06-01"
    assert doc["warnings"] and "refresh them" in doc["warnings"][0]


def test_csv_line_items_and_breakdown(est) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(lines_csv(est.lines))))
    assert [
        (r["resource"], r["quantity"], r["unit_usd"], r["cost_usd"], r["tags"]) for r in rows
    ] == [
        ("web", "1460", "0.096", "140.16", "team=web"),
        ("fn", "1000", "0.0000002", "0.0002", ""),
        ("fn", "3", "0.0000166667", "0.0000500001", ""),
    ]
    groups = list(csv.reader(io.StringIO(breakdown_csv(breakdown(est.lines, "provider")))))
    assert groups == [["group", "cost_usd", "share"], ["aws", "140.1602500001", "1.0"]]


@pytest.mark.parametrize(
    ("value", "usd", "quantity", "exact"),
    [
        ("0", "$0.00", "0", "0"),
        ("1234.5678", "$1,234.57", "1,234.5678", "1234.5678"),
        ("0.01", "$0.01", "0.01", "0.01"),
        ("0.0000001234567", "$0.000000123", "0.0000001235", "0.0000001234567"),
        ("1E+3", "$1,000.00", "1,000", "1000"),
    ],
)
def test_number_formats(value: str, usd: str, quantity: str, exact: str) -> None:
    d = Decimal(value)
    assert (fmt_usd(d), fmt_quantity(d), exact_text(d)) == (usd, quantity, exact)
