"""GCP sustained use discounts (SUDs) in estimates, against hand-computed numbers.

Google's rule (https://cloud.google.com/compute/docs/sustained-use-discounts): the hours a
machine runs in the 1st quarter of a month are at the base rate, the 2nd, 3rd and 4th at a
lower incremental rate.  N1: 80 / 60 / 40 % of base (20 / 40 / 60 % off), 30 % off a whole
month.  N2: 86.78 / 73.57 / 60.35 % (13.22 / 26.43 / 39.65 % off), 19.825 % off a whole
month.  E2 gets none.  Prices: us-central1, N1 and N2 both $0.031611 per vCPU-hour and
$0.004237 per GB-hour; n1-standard-2 is 2 vCPUs / 7.5 GB, n2-standard-2 2 vCPUs / 8 GB.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from scriptrunner.costs import Catalogs, Estimate, estimate, resources_from
from scriptrunner.costs.allocate import breakdown
from scriptrunner.costs.attribution import attribute, parse_profile
from scriptrunner.costs.kinds.gcp import SUD_SOURCE, quarter_hours
from scriptrunner.costs.render import to_table
from scriptrunner.results import AttemptResult, Metrics, RunId, RunResult

SUD = "/sustained-use"


def priced(catalogs: Catalogs, **spec: Any) -> Estimate:
    return estimate(resources_from({"resources": [{"type": "gcp.compute", **spec}]}), catalogs)


def rows(est: Estimate) -> list[tuple[str, str, str, str]]:
    return [
        (
            line.price.key,
            f"{line.quantity.normalize():f}",
            f"{line.unit_usd.normalize():f}",
            f"{line.cost_usd.normalize():f}",
        )
        for line in est.lines
    ]


def test_n1_for_a_whole_month_is_30_percent_off(catalogs: Catalogs) -> None:
    est = priced(catalogs, machine_type="n1-standard-2")
    assert rows(est) == [
        # List price: 2 vCPU x 730 h and 7.5 GB x 730 h.
        ("compute/n1/core", "1460", "0.031611", "46.15206"),
        ("compute/n1/ram", "5475", "0.004237", "23.197575"),
        # Each later quarter is 182.5 h: 365 vCPU-hours and 1,368.75 GB-hours,
        # at 20, 40 and 60 % of the base rate off.
        ("compute/n1/core" + SUD, "365", "-0.0063222", "-2.307603"),
        ("compute/n1/core" + SUD, "365", "-0.0126444", "-4.615206"),
        ("compute/n1/core" + SUD, "365", "-0.0189666", "-6.922809"),
        ("compute/n1/ram" + SUD, "1368.75", "-0.0008474", "-1.15987875"),
        ("compute/n1/ram" + SUD, "1368.75", "-0.0016948", "-2.3197575"),
        ("compute/n1/ram" + SUD, "1368.75", "-0.0025422", "-3.47963625"),
    ]
    # 69.349635 list, 30 % off: 48.5447445
    assert est.total == Decimal("48.5447445") == Decimal("69.349635") * Decimal("0.7")


def test_n1_for_half_a_month_is_10_percent_off(catalogs: Catalogs) -> None:
    est = priced(catalogs, machine_type="n1-standard-2", hours=365)
    assert rows(est) == [
        ("compute/n1/core", "730", "0.031611", "23.07603"),
        ("compute/n1/ram", "2737.5", "0.004237", "11.5987875"),
        # Only the 2nd quarter (182.5 h) is discounted, by 20 %.
        ("compute/n1/core" + SUD, "365", "-0.0063222", "-2.307603"),
        ("compute/n1/ram" + SUD, "1368.75", "-0.0008474", "-1.15987875"),
    ]
    # 34.6748175 list; 182.5 of 365 h at 20 % off = 10 % off: 31.20733575
    assert est.total == Decimal("31.20733575") == Decimal("34.6748175") * Decimal("0.9")


def test_a_quarter_of_a_month_or_less_is_not_discounted(catalogs: Catalogs) -> None:
    est = priced(catalogs, machine_type="n1-standard-2", hours=182.5)
    assert rows(est) == [
        ("compute/n1/core", "365", "0.031611", "11.538015"),
        ("compute/n1/ram", "1368.75", "0.004237", "5.79939375"),
    ]
    assert est.total == Decimal("17.33740875")


def test_n2_for_a_whole_month_is_19_825_percent_off(catalogs: Catalogs) -> None:
    est = priced(catalogs, machine_type="n2-standard-2")
    discounts = [r for r in rows(est) if r[0].endswith(SUD)]
    assert discounts == [
        # 0.031611 x 13.22 %, 26.43 %, 39.65 %
        ("compute/n2/core" + SUD, "365", "-0.0041789742", "-1.525325583"),
        ("compute/n2/core" + SUD, "365", "-0.0083547873", "-3.0494973645"),
        ("compute/n2/core" + SUD, "365", "-0.0125337615", "-4.5748229475"),
        # 8 GB x 182.5 h = 1,460 GB-hours a quarter; 0.004237 x the same shares
        ("compute/n2/ram" + SUD, "1460", "-0.0005601314", "-0.817791844"),
        ("compute/n2/ram" + SUD, "1460", "-0.0011198391", "-1.634965086"),
        ("compute/n2/ram" + SUD, "1460", "-0.0016799705", "-2.45275693"),
    ]
    # List 46.15206 + 24.74408 = 70.89614; 19.825 % off a whole month.
    assert est.total == Decimal("70.89614") * (1 - Decimal("0.19825")) == Decimal("56.8409802450")


def test_several_machines_and_months(catalogs: Catalogs) -> None:
    # Three machines for two whole months: each month is 30 % off, as one month is.
    est = priced(catalogs, machine_type="n1-standard-2", hours=1460, count=3)
    assert est.total == Decimal("48.5447445") * 6
    assert quarter_hours(Decimal(1460)) == (Decimal(365), Decimal(365), Decimal(365))
    # 500 h: the 2nd quarter whole (182.5), the 3rd 135 h, the 4th none.
    assert quarter_hours(Decimal(500)) == (Decimal("182.5"), Decimal("135"), Decimal(0))
    # 1,000 h: one whole month, then 270 h of the next (2nd quarter 87.5 h).
    assert quarter_hours(Decimal(1000)) == (Decimal("270"), Decimal("182.5"), Decimal("182.5"))


def test_e2_gets_no_discount_and_it_can_be_switched_off(catalogs: Catalogs) -> None:
    e2 = priced(catalogs, machine_type="e2-standard-2")
    assert [r[0] for r in rows(e2)] == ["compute/e2/core", "compute/e2/ram"]
    off = priced(catalogs, machine_type="n1-standard-2", sustained_use=False)
    assert [r[0] for r in rows(off)] == ["compute/n1/core", "compute/n1/ram"]
    assert off.total == Decimal("69.349635")


def test_a_discount_line_says_what_it_is_and_where_the_rule_is(catalogs: Catalogs) -> None:
    est = priced(catalogs, machine_type="n1-standard-2")
    line = est.lines[2]
    assert line.price.source == SUD_SOURCE
    assert line.price.description == (
        "N1 vCPU sustained use discount: hours in quarter 2 of a month are billed 20% below "
        "the base rate"
    )
    assert line.price.as_of == est.lines[0].price.as_of
    table = to_table(est, breakdown(est.lines, "component"))
    row = r"compute/n1/core/sustained-use +365 vCPU-hour +x +-\$0\.0063222 += +-\$2\.31 "
    assert re.search(row, table)
    assert "total $48.54 USD" in table


def test_a_run_is_priced_at_the_list_price(catalogs: Catalogs) -> None:
    # A whole month of one run: no sustained use discount (the account's month is unknown).
    month = 730 * 3600.0
    run = RunResult(
        RunId("r" * 32),
        ("true",),
        None,
        "/",
        "succeeded",
        0,
        0.0,
        month,
        (AttemptResult(1, "succeeded", 0, 0.0, month, Metrics(wall_seconds=month)),),
        Metrics(wall_seconds=month),
    )
    a = attribute(run, parse_profile("gcp:n1-standard-2", catalogs), catalogs)
    assert a.usd == Decimal("69.349635")
    assert not any(line["key"].endswith(SUD) for line in a.event.payload["lines"])


@pytest.mark.parametrize("hours", [0, 1, 182.5, 200, 547.5, 730, 731, 8760])
def test_discount_never_exceeds_the_full_month_share(catalogs: Catalogs, hours: float) -> None:
    est = priced(catalogs, machine_type="n1-standard-4", hours=hours)
    listed = sum(line.cost_usd for line in est.lines if line.cost_usd > 0)
    off = -sum(line.cost_usd for line in est.lines if line.cost_usd < 0)
    assert 0 <= off <= listed * Decimal("0.3")
    for line in est.lines:
        assert line.quantity * line.unit_usd == line.cost_usd
