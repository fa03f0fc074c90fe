"""Breakdowns: hand-computed groups, shared splits, untagged, and sums that are exact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scriptrunner.costs import Catalogs, breakdown, estimate, resources_from
from scriptrunner.costs.allocate import DIMENSIONS, check_by, split
from scriptrunner.costs.base import exact
from scriptrunner.errors import PriceError

MANIFEST = {
    "resources": [
        # 140.16 compute
        {
            "name": "web",
            "type": "aws.ec2",
            "instance_type": "m5.large",
            "count": 2,
            "tags": {"team": "web"},
        },
        # 0.5 + 4.5 (put + egress) = 5.00, shared 3:1 between web and data
        {
            "name": "assets",
            "type": "aws.s3",
            "requests": {"STANDARD": {"put": 100000}},
            "egress_gb": 50,
            "shared": {"team": {"web": 3, "data": 1}},
            "tags": {"team": "ignored-when-shared"},
        },
        # 48.91438 compute, team data
        {
            "name": "gce",
            "type": "gcp.compute",
            "machine_type": "e2-standard-2",
            "tags": {"team": "data"},
        },
        # 9.6 compute, no team tag
        {"name": "vm", "type": "azure.vm", "size": "Standard_D2s_v3", "hours": 100},
        # 282.88 database, no team tag
        {
            "name": "db",
            "type": "aws.rds",
            "instance_class": "db.m5.large",
            "engine": "postgres",
            "storage_gb": 100,
            "multi_az": True,
        },
    ]
}
TOTAL = Decimal("486.55438")


@pytest.fixture(scope="module")
def lines(catalogs: Catalogs) -> Any:
    est = estimate(resources_from(MANIFEST), catalogs)
    assert est.total == TOTAL
    return est.lines


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            "component",
            {"database": "282.88", "compute": "198.67438", "network": "4.5", "storage": "0.5"},
        ),
        ("provider", {"aws": "428.04", "gcp": "48.91438", "azure": "9.6"}),
        ("region", {"us-east-1": "428.04", "us-central1": "48.91438", "eastus": "9.6"}),
        (
            "kind",
            {
                "aws.rds": "282.88",
                "aws.ec2": "140.16",
                "gcp.compute": "48.91438",
                "azure.vm": "9.6",
                "aws.s3": "5",
            },
        ),
        (
            "resource",
            {"db": "282.88", "web": "140.16", "gce": "48.91438", "vm": "9.6", "assets": "5"},
        ),
        # web: 140.16 + 3/4 of 5 = 143.91; data: 48.91438 + 1.25; untagged: 9.6 + 282.88
        ("tag:team", {"untagged": "292.48", "web": "143.91", "data": "50.16438"}),
        ("tag:owner", {"untagged": "486.55438"}),
    ],
)
def test_hand_computed_breakdowns(lines: Any, by: str, expected: dict[str, str]) -> None:
    b = breakdown(lines, by)
    assert list(b.as_dict()) == list(expected)  # largest first
    assert b.as_dict() == {k: Decimal(v) for k, v in expected.items()}
    assert b.total == TOTAL and b.by == by


def test_groups_of_equal_cost_are_ordered_by_name(catalogs: Catalogs) -> None:
    spec = {"type": "aws.ec2", "instance_type": "t3.micro"}
    est = estimate(resources_from({"resources": {"b": spec, "c": spec, "a": spec}}), catalogs)
    assert [g.name for g in breakdown(est.lines, "resource").groups] == ["a", "b", "c"]


def test_bad_by_lists_the_dimensions() -> None:
    with pytest.raises(
        PriceError, match=r"--by 'team': expected one of component, provider, .* or tag:KEY"
    ):
        check_by("team")
    with pytest.raises(PriceError):
        check_by("tag:")


def test_split_gives_the_remainder_to_the_last_part() -> None:
    parts = split(Decimal("1"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert [p for _, p in parts] == [Decimal("0.33333333333333333333")] * 2 + [
        Decimal("0.33333333333333333334")
    ]
    with exact():
        assert sum(p for _, p in parts) == 1


# -- property: whatever the resources, every breakdown adds up to the total exactly --------

quantity = st.one_of(
    st.integers(min_value=0, max_value=800_000),
    st.decimals(min_value=0, max_value=10**5, places=6, allow_nan=False, allow_infinity=False).map(
        str
    ),
    st.floats(min_value=0, max_value=10**5, allow_nan=False, allow_infinity=False),
)
team = st.sampled_from(["web", "data", "ml"])
tags = st.dictionaries(st.sampled_from(["team", "env"]), team, max_size=2)
shared = st.one_of(
    st.just(None),
    st.dictionaries(team, st.integers(min_value=1, max_value=7), min_size=1, max_size=3).map(
        lambda w: {"team": w}
    ),
)


@st.composite
def resource(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ec2", "ebs", "s3", "lambda", "gce", "blob", "gsql"]))
    if kind == "ec2":
        spec: dict[str, Any] = {
            "type": "aws.ec2",
            "instance_type": draw(st.sampled_from(["t3.micro", "m5.large", "r5.large"])),
            "hours": draw(quantity),
        }
    elif kind == "ebs":
        spec = {
            "type": "aws.ebs",
            "size_gb": draw(quantity),
            "iops": draw(st.integers(3000, 64000)),
            "throughput_mbps": draw(st.integers(125, 1000)),
            "hours": draw(quantity),
        }
    elif kind == "s3":
        spec = {
            "type": "aws.s3",
            "storage_gb_month": {"STANDARD": draw(quantity)},
            "requests": {"GLACIER": {"put": draw(st.integers(0, 10**9))}},
            "egress_gb": draw(quantity),
        }
    elif kind == "lambda":
        spec = {
            "type": "aws.lambda",
            "requests": draw(st.integers(0, 10**9)),
            "memory_mb": draw(st.integers(128, 10240)),
            "duration_ms": draw(quantity),
            "architecture": draw(st.sampled_from(["x86_64", "arm64"])),
        }
    elif kind == "gce":
        spec = {
            "type": "gcp.compute",
            "machine_type": draw(st.sampled_from(["e2-micro", "n1-standard-1", "n2-standard-8"])),
            "hours": draw(quantity),
            "count": draw(st.integers(1, 50)),
        }
    elif kind == "blob":
        spec = {
            "type": "azure.blob",
            "storage_gb_month": {"hot": draw(quantity)},
            "operations": {"archive": {"read": draw(st.integers(0, 10**8))}},
        }
    else:
        spec = {
            "type": "gcp.sql",
            "vcpus": draw(st.integers(1, 96)),
            "memory_gb": draw(st.integers(1, 624)),
            "storage_gb": draw(quantity),
            "hours": draw(st.integers(0, 8760)),
            "high_availability": draw(st.booleans()),
        }
    spec["tags"] = draw(tags)
    weights = draw(shared)
    if weights:
        spec["shared"] = weights
    return spec


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(resource(), max_size=25))
@example(  # found by hypothesis: tiny quantities once made sums round
    specs=[
        {"type": "aws.lambda", "requests": 24, "memory_mb": 128, "duration_ms": 4.5e-41},
        {"type": "aws.lambda", "requests": 26, "memory_mb": 131, "duration_ms": 4.5e-41},
    ]
)
def test_every_breakdown_sums_exactly_to_the_total(
    catalogs: Catalogs, specs: list[dict[str, Any]]
) -> None:
    est = estimate(resources_from({"resources": specs}), catalogs)
    with exact():
        assert est.total == sum((line.cost_usd for line in est.lines), Decimal(0))
        for line in est.lines:
            assert line.quantity * line.unit_usd == line.cost_usd
            # Only a discount (GCP sustained use) is a negative line.
            assert line.cost_usd >= 0 or line.price.key.endswith("/sustained-use")
        for by in (*DIMENSIONS, "tag:team", "tag:env"):
            b = breakdown(est.lines, by)
            assert sum((g.cost_usd for g in b.groups), Decimal(0)) == est.total == b.total
            assert all(g.cost_usd >= 0 for g in b.groups)
