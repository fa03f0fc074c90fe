"""Estimates of every resource kind against hand-computed costs, and unknown names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from scriptrunner.costs import Catalogs, Estimate, estimate, resources_from
from scriptrunner.costs.estimate import line_total
from scriptrunner.errors import PriceError


def priced(catalogs: Catalogs, *specs: dict[str, Any], **kw: Any) -> Estimate:
    return estimate(resources_from({"resources": list(specs)}), catalogs, **kw)


def lines(est: Estimate) -> list[tuple[str, str, str, str]]:
    """(key, quantity, unit price, cost) of each line, as plain decimal strings."""
    return [
        (
            line.price.key,
            f"{line.quantity.normalize():f}",
            f"{line.unit_usd.normalize():f}",
            f"{line.cost_usd.normalize():f}",
        )
        for line in est.lines
    ]


# Every expectation below is worked out by hand from the catalog's published prices.
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str, str]], str]] = [
    (
        "ec2: 2 x m5.large for a 730 h month",
        {"type": "aws.ec2", "instance_type": "m5.large", "count": 2},
        [("ec2/m5.large", "1460", "0.096", "140.16")],
        "140.16",
    ),
    (
        "ec2: t3.micro in eu-west-1 for 200 h",
        {"type": "aws.ec2", "instance_type": "t3.micro", "region": "eu-west-1", "hours": 200},
        [("ec2/t3.micro", "200", "0.0114", "2.28")],
        "2.28",
    ),
    (
        "s3: Standard over the 50 TB tier, Glacier, requests, egress",
        {
            "type": "aws.s3",
            "storage_gb_month": {"STANDARD": 60000, "GLACIER": 1000},
            "requests": {"STANDARD": {"put": 100000, "get": 1000000}},
            "egress_gb": 50,
        },
        [
            ("s3/STANDARD/storage", "51200", "0.023", "1177.6"),
            ("s3/STANDARD/storage", "8800", "0.022", "193.6"),
            ("s3/GLACIER/storage", "1000", "0.0036", "3.6"),
            ("s3/STANDARD/put", "100000", "0.000005", "0.5"),
            ("s3/STANDARD/get", "1000000", "0.0000004", "0.4"),
            ("network/internet-egress", "50", "0.09", "4.5"),
        ],
        "1380.2",
    ),
    (
        "s3: all three Standard tiers, IA retrieval, two egress tiers",
        {
            "type": "aws.s3",
            "storage_gb_month": {"standard": 600000},
            "retrieval_gb": {"STANDARD_IA": 10},
            "egress_gb": 20000,
        },
        [
            ("s3/STANDARD/storage", "51200", "0.023", "1177.6"),
            ("s3/STANDARD/storage", "460800", "0.022", "10137.6"),
            ("s3/STANDARD/storage", "88000", "0.021", "1848"),
            ("s3/STANDARD_IA/retrieval", "10", "0.01", "0.1"),
            ("network/internet-egress", "10240", "0.09", "921.6"),
            ("network/internet-egress", "9760", "0.085", "829.6"),
        ],
        "14914.5",
    ),
    (
        "rds: PostgreSQL db.m5.large Multi-AZ with 100 GB",
        {
            "type": "aws.rds",
            "instance_class": "db.m5.large",
            "engine": "postgresql",
            "storage_gb": 100,
            "multi_az": True,
        },
        [
            ("rds/postgres/db.m5.large/multi-az", "730", "0.356", "259.88"),
            ("rds/storage/gp2/multi-az", "100", "0.23", "23"),
        ],
        "282.88",
    ),
    (
        "rds: MySQL db.t3.micro Single-AZ, half a month, 20 GB",
        {
            "type": "aws.rds",
            "instance_class": "db.t3.micro",
            "engine": "mysql",
            "storage_gb": 20,
            "hours": 365,
        },
        [
            ("rds/mysql/db.t3.micro/single-az", "365", "0.017", "6.205"),
            ("rds/storage/gp2/single-az", "10", "0.115", "1.15"),
        ],
        "7.355",
    ),
    (
        "lambda: 1M requests of 200 ms at 1024 MB on arm64",
        {
            "type": "aws.lambda",
            "requests": 1000000,
            "memory_mb": 1024,
            "duration_ms": 200,
            "architecture": "arm64",
        },
        [
            ("lambda/requests", "1000000", "0.0000002", "0.2"),
            ("lambda/arm64/duration", "200000", "0.0000133334", "2.66668"),
        ],
        "2.86668",
    ),
    (
        "lambda: 3M requests of 100 ms at 512 MB on x86",
        {"type": "aws.lambda", "requests": 3000000, "memory_mb": 512, "duration_ms": 100},
        [
            ("lambda/requests", "3000000", "0.0000002", "0.6"),
            ("lambda/x86_64/duration", "150000", "0.0000166667", "2.500005"),
        ],
        "3.100005",
    ),
    (
        "lambda: GB-seconds given directly",
        {"type": "aws.lambda", "gb_seconds": 400000},
        [
            ("lambda/requests", "0", "0.0000002", "0"),
            ("lambda/x86_64/duration", "400000", "0.0000166667", "6.66668"),
        ],
        "6.66668",
    ),
    (
        "azure vm: D2s_v3 for 100 h",
        {"type": "azure.vm", "size": "Standard_D2s_v3", "hours": 100},
        [("vm/Standard_D2s_v3", "100", "0.096", "9.6")],
        "9.6",
    ),
    (
        "azure vm: 3 x B2s in westus2",
        {"type": "azure.vm", "size": "Standard_B2s", "region": "westus2", "count": 3},
        [("vm/Standard_B2s", "2190", "0.0416", "91.104")],
        "91.104",
    ),
    (
        "azure blob: hot and archive tiers with operations and retrieval",
        {
            "type": "azure.blob",
            "storage_gb_month": {"hot": 100, "archive": 1000},
            "operations": {"hot": {"write": 10000, "read": 100000}},
            "retrieval_gb": {"archive": 10},
        },
        [
            ("blob/hot/storage", "100", "0.0208", "2.08"),
            ("blob/archive/storage", "1000", "0.00099", "0.99"),
            ("blob/hot/write", "10000", "0.000005", "0.05"),
            ("blob/hot/read", "100000", "0.0000004", "0.04"),
            ("blob/archive/retrieval", "10", "0.02", "0.2"),
        ],
        "3.36",
    ),
    (
        "azure sql: 2 provisioned vCores for a month with 32 GB",
        {"type": "azure.sql", "vcores": 2, "storage_gb": 32},
        [
            ("sql/general-purpose/vcore", "1460", "0.2522", "368.212"),
            ("sql/general-purpose/storage", "32", "0.115", "3.68"),
        ],
        "371.892",
    ),
    (
        "azure sql: serverless, 100k vCore-seconds with 10 GB",
        {"type": "azure.sql", "compute": "serverless", "vcore_seconds": 100000, "storage_gb": 10},
        [
            ("sql/serverless/vcore", "100000", "0.000145", "14.5"),
            ("sql/general-purpose/storage", "10", "0.115", "1.15"),
        ],
        "15.65",
    ),
    (
        "gcp compute: e2-standard-2 for a month = 730 x $0.067006",
        {"type": "gcp.compute", "machine_type": "e2-standard-2"},
        [
            ("compute/e2/core", "1460", "0.021811", "31.84406"),
            ("compute/e2/ram", "5840", "0.002923", "17.07032"),
        ],
        "48.91438",
    ),
    (
        "gcp compute: 2 x n1-standard-1 in us-east1 for 10 h",
        {
            "type": "gcp.compute",
            "machine_type": "n1-standard-1",
            "region": "us-east1",
            "hours": 10,
            "count": 2,
        },
        [
            ("compute/n1/core", "20", "0.031611", "0.63222"),
            ("compute/n1/ram", "75", "0.004237", "0.317775"),
        ],
        "0.949995",
    ),
    (
        "gcp storage: Standard, operations, Archive retrieval, two egress tiers",
        {
            "type": "gcp.storage",
            "storage_gb_month": {"STANDARD": 100},
            "operations": {"STANDARD": {"class_a": 10000, "class_b": 1000000}},
            "retrieval_gb": {"ARCHIVE": 100},
            "egress_gb": 2048,
        },
        [
            ("storage/STANDARD/storage", "100", "0.02", "2"),
            ("storage/STANDARD/class-a", "10000", "0.000005", "0.05"),
            ("storage/STANDARD/class-b", "1000000", "0.0000004", "0.4"),
            ("storage/ARCHIVE/retrieval", "100", "0.05", "5"),
            ("network/internet-egress", "1024", "0.12", "122.88"),
            ("network/internet-egress", "1024", "0.11", "112.64"),
        ],
        "242.97",
    ),
    (
        "gcp sql: 2 vCPU / 8 GB zonal with 10 GB SSD",
        {"type": "gcp.sql", "vcpus": 2, "memory_gb": 8, "storage_gb": 10},
        [
            ("sql/zonal/core", "1460", "0.0413", "60.298"),
            ("sql/zonal/ram", "5840", "0.007", "40.88"),
            ("sql/zonal/storage/ssd", "10", "0.17", "1.7"),
        ],
        "102.878",
    ),
    (
        "gcp sql: high availability doubles every rate; HDD storage",
        {
            "type": "gcp.sql",
            "vcpus": 2,
            "memory_gb": 8,
            "storage_gb": 100,
            "storage_type": "hdd",
            "high_availability": True,
        },
        [
            ("sql/ha/core", "1460", "0.0826", "120.596"),
            ("sql/ha/ram", "5840", "0.014", "81.76"),
            ("sql/ha/storage/hdd", "100", "0.18", "18"),
        ],
        "220.356",
    ),
]


@pytest.mark.parametrize(
    ("spec", "expected", "total"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hand_computed_cost_of_every_kind(
    catalogs: Catalogs, spec: dict[str, Any], expected: list[tuple[str, str, str, str]], total: str
) -> None:
    est = priced(catalogs, spec)
    assert lines(est) == expected
    assert est.total == Decimal(total) == line_total(est.lines)
    for line in est.lines:
        assert line.quantity * line.unit_usd == line.cost_usd


def test_lines_carry_component_provider_region_and_tags(catalogs: Catalogs) -> None:
    est = priced(
        catalogs,
        {
            "type": "aws.s3",
            "name": "assets",
            "storage_gb_month": {"STANDARD": 1},
            "egress_gb": 1,
            "tags": {"team": "web"},
        },
        {"type": "gcp.sql", "name": "db", "vcpus": 1, "memory_gb": 4, "region": "us-west1"},
    )
    assert [(li.resource.name, li.component, li.provider, li.region) for li in est.lines] == [
        ("assets", "storage", "aws", "us-east-1"),
        ("assets", "network", "aws", "us-east-1"),
        ("db", "database", "gcp", "us-west1"),
        ("db", "database", "gcp", "us-west1"),
    ]
    assert est.lines[0].tags == {"team": "web"}
    assert est.lines[0].price.as_of == dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"type": "aws.ec2", "instance_type": "m5.lage"},
            r"resources\[0\]\.instance_type: unknown EC2 instance type 'm5\.lage' in us-east-1; closest: m5\.large",
        ),
        (
            {"type": "aws.ec2", "instance_type": "m5.large", "region": "us-east1"},
            r"resources\[0\]\.region: unknown aws region 'us-east1'; closest: us-east-1",
        ),
        (
            {"type": "azure.vm", "size": "Standard_D2_v3"},
            r"resources\[0\]\.size: unknown Azure VM size 'Standard_D2_v3' in eastus; closest: Standard_D2s_v3",
        ),
        (
            {"type": "gcp.compute", "machine_type": "e2-standrd-2"},
            r"resources\[0\]\.machine_type: unknown Compute Engine machine type 'e2-standrd-2'; closest: e2-standard-2",
        ),
        (
            {
                "type": "aws.rds",
                "instance_class": "db.m5.large",
                "engine": "postgres",
                "region": "eu-west-1",
            },
            r"resources\[0\]\.instance_class: the aws catalog has no price for rds/postgres/db\.m5\.large/single-az in eu-west-1; it is priced in us-east-1, us-west-2",
        ),
        (
            {
                "type": "aws.rds",
                "instance_class": "db.m5.lage",
                "engine": "postgres",
                "region": "eu-west-1",
            },
            r"has no rds/postgres/\*/single-az prices in eu-west-1 \(it has them in us-east-1, us-west-2\)",
        ),
        (
            {"type": "aws.rds", "instance_class": "db.m5.lage", "engine": "mysql"},
            r"resources\[0\]\.instance_class: unknown RDS mysql instance class 'db\.m5\.lage' in us-east-1; closest: db\.m5\.large",
        ),
        (
            {"type": "azure.blob", "storage_gb_month": {"hot": 1}, "region": "westus2"},
            r"resources\[0\]\.storage_gb_month\.hot: the azure catalog has no price for blob/hot/storage in westus2; it is priced in eastus",
        ),
    ],
)
def test_unknown_names_are_errors_with_the_closest_valid_names(
    catalogs: Catalogs, spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(PriceError, match=message):
        priced(catalogs, spec)


def test_a_missing_price_is_never_zero(catalogs: Catalogs) -> None:
    with pytest.raises(PriceError):
        priced(catalogs, {"type": "aws.ec2", "instance_type": "m5.large", "region": "ap-south-1"})


def test_stale_catalog_warning_per_provider_used(catalogs: Catalogs) -> None:
    specs = (
        {"type": "aws.ec2", "instance_type": "m5.large"},
        {"type": "azure.vm", "size": "Standard_B1s"},
    )
    fresh = priced(catalogs, *specs, today=dt.date(2024, 7, 1), max_age_days=180)
    assert fresh.warnings == ()
    stale = priced(catalogs, *specs, today=dt.date(2025, 7, 1), max_age_days=180)
    assert len(stale.warnings) == 2
    assert (
        "aws prices from bundled aws.json are as of 2024-06-01, 395 days old (limit 180)"
        in stale.warnings[0]
    )
    assert "azure prices" in stale.warnings[1] and "2024-06-01" in stale.warnings[1]
    assert [c.provider for c in stale.catalogs] == ["aws", "azure"]
    # Only prices actually used count: the Azure VM price is newer than the blob prices.
    assert stale.catalogs[1].oldest_as_of == dt.date(2024, 6, 1)


def test_empty_estimate(catalogs: Catalogs) -> None:
    est = estimate([], catalogs)
    assert est.total == 0 and est.lines == () and est.warnings == ()


def test_lambda_free_tier_is_named_and_neither_half_is_subtracted(catalogs: Catalogs) -> None:
    # Exactly the monthly free tier, 1M requests and 400,000 GB-seconds: an estimate is at
    # list prices, so both are charged in full (0.2 + 6.66668), consistently.
    est = priced(catalogs, {"type": "aws.lambda", "requests": 1_000_000, "gb_seconds": 400_000})
    assert lines(est) == [
        ("lambda/requests", "1000000", "0.0000002", "0.2"),
        ("lambda/x86_64/duration", "400000", "0.0000166667", "6.66668"),
    ]
    aws = catalogs["aws"]
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        requests = aws.price("lambda/requests", region).description
        assert "free tier's 1M requests per month is not subtracted" in requests
        for arch in ("x86_64", "arm64"):
            duration = aws.price(f"lambda/{arch}/duration", region).description
            assert "free tier's 400,000 GB-seconds per month" in duration
            assert "is not subtracted" in duration
