"""EBS volumes (``aws.ebs``, gp3) against hand-computed costs, and their bad input.

gp3 prices (AWS's EBS pricing page): us-east-1 and us-west-2 $0.08 per GB-month, $0.005
per IOPS-month over the 3,000 every volume includes, $0.04 per MB/s-month over the 125
included; eu-west-1 $0.088, $0.0055, $0.044.  Quantities are per month: ``x hours / 730``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scriptrunner.costs import Catalogs, estimate, resources_from
from scriptrunner.errors import PriceError

CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, str, str]], str]] = [
    (
        "ebs: gp3 500 GB with 6,000 IOPS and 250 MB/s for a month",
        {"type": "aws.ebs", "size_gb": 500, "iops": 6000, "throughput_mbps": 250},
        [
            ("ebs/gp3/storage", "500", "0.08", "40"),
            # 3,000 IOPS and 125 MB/s are included; the rest is provisioned.
            ("ebs/gp3/iops", "3000", "0.005", "15"),
            ("ebs/gp3/throughput", "125", "0.04", "5"),
        ],
        "60",
    ),
    (
        "ebs: 3 x 20 GB gp3 at the included IOPS and throughput in eu-west-1",
        {"type": "aws.ebs", "size_gb": 20, "count": 3, "region": "eu-west-1"},
        [("ebs/gp3/storage", "60", "0.088", "5.28")],
        "5.28",
    ),
    (
        "ebs: 100 GB gp3 with 4,000 IOPS for half a month (365 h)",
        {"type": "aws.ebs", "volume_type": "GP3", "size_gb": 100, "iops": 4000, "hours": 365},
        [("ebs/gp3/storage", "50", "0.08", "4"), ("ebs/gp3/iops", "500", "0.005", "2.5")],
        "6.5",
    ),
]


@pytest.mark.parametrize(
    ("spec", "expected", "total"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hand_computed_gp3_costs(
    catalogs: Catalogs, spec: dict[str, Any], expected: list[tuple[str, str, str, str]], total: str
) -> None:
    est = estimate(resources_from({"resources": [spec]}), catalogs)
    got = [
        (
            line.price.key,
            f"{line.quantity.normalize():f}",
            f"{line.unit_usd.normalize():f}",
            f"{line.cost_usd.normalize():f}",
        )
        for line in est.lines
    ]
    assert got == expected
    assert est.total == Decimal(total)
    assert {line.component for line in est.lines} == {"storage"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"type": "aws.ebs", "size_gb": 10, "iops": 1000},
            r"resources\[0\]\.iops: a gp3 volume has at least 3,000 IOPS",
        ),
        (
            {"type": "aws.ebs", "size_gb": 10, "throughput_mbps": 100},
            r"resources\[0\]\.throughput_mbps: a gp3 volume has at least 125 MB/s",
        ),
        (
            {"type": "aws.ebs", "size_gb": 10, "volume_type": "gp2"},
            r"resources\[0\]\.volume_type: .*gp2.*gp3",
        ),
    ],
)
def test_bad_gp3_volumes_are_errors_naming_the_field(
    catalogs: Catalogs, spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(PriceError, match=message):
        estimate(resources_from({"resources": [spec]}), catalogs)


def test_gp3_is_priced_in_every_aws_region_of_the_catalog(catalogs: Catalogs) -> None:
    aws = catalogs["aws"]
    for region in aws.regions:
        units = {
            k: aws.price(f"ebs/gp3/{k}", region).unit for k in ("storage", "iops", "throughput")
        }
        assert units == {"storage": "GB-month", "iops": "IOPS-month", "throughput": "MBps-month"}
