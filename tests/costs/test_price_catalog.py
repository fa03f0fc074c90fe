"""The bundled price catalogs: schema, contents, loading checks, lookups, staleness."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scriptrunner.costs import Catalogs, PriceSource
from scriptrunner.costs.catalog import (
    PROVIDERS,
    Catalog,
    check_provider,
    dump_catalog,
    load_catalog,
    local_path,
    stale_warning,
)
from scriptrunner.errors import PriceError

PACKAGE = resources.files("scriptrunner.costs")


def raw(provider: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PACKAGE / "catalogs" / f"{provider}.json").read_text())
    return data


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PACKAGE / "catalog.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_bundled_catalog_validates_against_the_schema(
    provider: str, schema: dict[str, Any]
) -> None:
    jsonschema.validate(raw(provider), schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_price_has_unit_usd_as_of_and_a_public_source(provider: str) -> None:
    catalog = load_catalog(provider)
    for price in catalog.prices():
        assert price.unit and price.description and price.usd > 0
        assert price.source.startswith("https://")
        assert dt.date(2023, 1, 1) <= price.as_of <= dt.date.today()
        if price.tiers:
            assert price.tiers[0].usd == price.usd and price.tiers[0].start == 0
            assert [t.start for t in price.tiers] == sorted({t.start for t in price.tiers})


@pytest.mark.parametrize(
    ("provider", "region"), [("aws", "us-east-1"), ("azure", "eastus"), ("gcp", "us-central1")]
)
def test_three_regions_each_including_the_default(provider: str, region: str) -> None:
    catalog = load_catalog(provider)
    assert catalog.default_region == region
    assert len({p.region for p in catalog.prices()}) >= 3
    assert region in catalog.regions


@pytest.mark.parametrize(
    ("provider", "region", "key", "usd"),
    [
        # Spot checks of well-known published list prices.
        ("aws", "us-east-1", "ec2/m5.large", "0.096"),
        ("aws", "us-east-1", "lambda/requests", "0.0000002"),
        ("aws", "us-east-1", "s3/STANDARD/storage", "0.023"),
        ("azure", "eastus", "vm/Standard_D2s_v3", "0.096"),
        ("gcp", "us-central1", "compute/e2/core", "0.021811"),
        # The price audit of issue 22: East US blob storage (the old figures were West US 2's).
        ("azure", "eastus", "blob/hot/storage", "0.0208"),
        ("azure", "eastus", "blob/cool/storage", "0.0152"),
        ("aws", "us-east-1", "ebs/gp3/storage", "0.08"),
        ("aws", "us-east-1", "ebs/gp3/iops", "0.005"),
        ("aws", "us-east-1", "ebs/gp3/throughput", "0.04"),
        ("aws", "eu-west-1", "ebs/gp3/storage", "0.088"),
    ],
)
def test_known_list_prices(provider: str, region: str, key: str, usd: str) -> None:
    assert load_catalog(provider).price(key, region).usd == Decimal(usd)


def test_east_us_hot_blob_tiers_are_east_us_prices() -> None:
    hot = load_catalog("azure").price("blob/hot/storage", "eastus")
    assert [(t.start, t.usd) for t in hot.tiers] == [
        (Decimal(0), Decimal("0.0208")),
        (Decimal(51200), Decimal("0.0200")),
        (Decimal(512000), Decimal("0.0191")),
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_shape_of_gcp_and_every_instance_is_priced_in_the_default_region(
    provider: str,
) -> None:
    catalog = load_catalog(provider)
    keys = set(catalog.keys(catalog.default_region))
    for name in catalog.shapes:
        if provider == "gcp":
            family = name.split("-")[0]
            assert {f"compute/{family}/core", f"compute/{family}/ram"} <= keys
        else:
            assert f"{'ec2' if provider == 'aws' else 'vm'}/{name}" in keys


def test_catalog_is_a_price_source() -> None:
    source: PriceSource = load_catalog("aws")
    assert source.price("ec2/t3.micro", "eu-west-1", dt.date.today()).usd == Decimal("0.0114")


def test_unknown_key_lists_the_closest_keys() -> None:
    with pytest.raises(
        PriceError, match=r"no aws price for ec2/m5\.lage in us-east-1; closest: ec2/m5\.large"
    ):
        load_catalog("aws").price("ec2/m5.lage", "us-east-1")


def test_unknown_region_lists_the_closest_regions() -> None:
    with pytest.raises(PriceError, match=r"unknown aws region 'us-east1'; closest: us-east-1"):
        load_catalog("aws").price("ec2/m5.large", "us-east1")


def test_unknown_provider_suggests_one() -> None:
    with pytest.raises(PriceError, match=r"unknown provider 'awz'.*did you mean aws"):
        check_provider("awz")


def corrupt(provider: str, edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw(provider))
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["prices"][0].update(usd=0.096),
            r"prices\[0\]\.usd: expected a decimal string",
        ),
        (lambda d: d["prices"][0].update(usd="-1"), r"prices\[0\]\.usd: expected a decimal string"),
        (lambda d: d["prices"][0].pop("as_of"), r"prices\[0\]\.as_of: required"),
        (
            lambda d: d["prices"][0].update(as_of="June 2024"),
            r"prices\[0\]\.as_of: expected a date",
        ),
        (
            lambda d: d["prices"][0].update(source="aws page"),
            r"prices\[0\]\.source: expected the URL",
        ),
        (
            lambda d: d["prices"][0].update(region="mars-1"),
            r"prices\[0\]\.region: 'mars-1' is not listed",
        ),
        (lambda d: d["prices"].append(d["prices"][0]), r"ebs/gp3/iops in eu-west-1 twice"),
        (lambda d: d.update(format=2), r"not a price catalog of format 1"),
        (lambda d: d.update(currency="EUR"), r"only USD catalogs"),
        (lambda d: d.update(default_region="mars-1"), r"default_region: 'mars-1' is not a region"),
        (lambda d: d.update(prices=[]), r"prices: expected a non-empty list"),
        (
            lambda d: d["shapes"].update(bad={"vcpu": 2}),
            r"shapes\.bad: expected vcpu and memory_gb",
        ),
        (
            lambda d: d["prices"][0].update(tiers=[{"from": "1", "usd": d["prices"][0]["usd"]}]),
            r"the first tier must start at 0",
        ),
        (
            lambda d: d["prices"][0].update(
                tiers=[{"from": "0", "usd": "1"}, {"from": "0", "usd": "1"}]
            ),
            r"tiers must start at increasing quantities",
        ),
    ],
)
def test_a_bad_catalog_entry_is_an_error_naming_it(edit: Any, message: str) -> None:
    with pytest.raises(PriceError, match=message):
        Catalog(corrupt("aws", edit), "test.json")


def test_a_refreshed_local_catalog_is_used_instead_of_the_bundled_one(tmp_path: Path) -> None:
    data = corrupt("aws", lambda d: d["prices"][0].update(usd="0.5"))
    path = local_path(tmp_path, "aws")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    catalog = Catalogs(tmp_path)["aws"]
    assert catalog.origin == str(path)
    assert catalog.prices()[0].usd == Decimal("0.5")


def test_unreadable_local_catalogs_are_errors(tmp_path: Path) -> None:
    path = local_path(tmp_path, "gcp")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(PriceError, match=r"gcp\.json: not valid JSON"):
        load_catalog("gcp", tmp_path)
    path.write_text(json.dumps(raw("aws")))
    with pytest.raises(PriceError, match=r"holds 'aws' prices, expected 'gcp'"):
        load_catalog("gcp", tmp_path)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_dumped_catalog_loads_back_identical(provider: str, schema: dict[str, Any]) -> None:
    catalog = load_catalog(provider)
    text = dump_catalog(catalog.to_json())
    jsonschema.validate(json.loads(text), schema, cls=jsonschema.Draft202012Validator)
    again = Catalog(json.loads(text), "again")
    assert again.prices() == catalog.prices() and again.shapes == catalog.shapes


def test_stale_warning_names_the_date_and_the_fix() -> None:
    catalog = load_catalog("aws")
    oldest = catalog.oldest()
    today = oldest + dt.timedelta(days=200)
    warning = stale_warning(catalog, oldest, today=today, max_age_days=180)
    assert warning is not None
    assert f"as of {oldest.isoformat()}, 200 days old (limit 180)" in warning
    assert "cost prices update --provider aws" in warning
    assert stale_warning(catalog, oldest, today=today, max_age_days=200) is None
