"""Price refresh against loopback stand-ins serving the providers' documented formats."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fixtures.price_apis import (
    AwsHandler,
    AzureHandler,
    GcpHandler,
    aws_product,
    azure_item,
    gcp_sku,
    serve,
)
from scriptrunner.costs.catalog import load_catalog
from scriptrunner.costs.providers import make_feed, update_catalog
from scriptrunner.costs.providers.aws import AwsPriceList
from scriptrunner.costs.providers.azure import AzureRetailPrices
from scriptrunner.costs.providers.base import get_json
from scriptrunner.costs.providers.gcp import COMPUTE, STORAGE, CloudBillingCatalog
from scriptrunner.errors import PriceError

TODAY = dt.date(2026, 11, 27)


def by_key(report: Any) -> dict[tuple[str, str], Any]:
    return {(p.region, p.key): p for p in report.result.prices}


# -- Azure Retail Prices ---------------------------------------------------------------------

VM = {
    "serviceName": "Virtual Machines",
    "armSkuName": "Standard_D2s_v3",
    "serviceFamily": "Compute",
}
AZURE_ITEMS = [
    azure_item(
        **VM,
        retailPrice=0.1,
        productName="Virtual Machines DSv3 Series",
        skuName="D2s v3",
        meterName="D2s v3",
    ),
    azure_item(
        **VM,
        retailPrice=0.188,
        productName="Virtual Machines DSv3 Series Windows",
        skuName="D2s v3",
        meterName="D2s v3",
    ),
    azure_item(
        **VM,
        retailPrice=0.02,
        productName="Virtual Machines DSv3 Series",
        skuName="D2s v3 Spot",
        meterName="D2s v3 Spot",
    ),
    azure_item(
        **VM,
        retailPrice=0.096,
        armRegionName="eastus2",
        productName="Virtual Machines DSv3 Series",
        skuName="D2s v3",
        meterName="D2s v3",
    ),
    *[
        azure_item(
            serviceName="Storage",
            productName="General Block Blob v2",
            skuName="Hot LRS",
            meterName="Hot LRS Data Stored",
            meterId="hot-stored",
            unitOfMeasure="1 GB/Month",
            tierMinimumUnits=start,
            retailPrice=usd,
        )
        for start, usd in ((512000.0, 0.018), (0.0, 0.02), (51200.0, 0.019))
    ],
    azure_item(
        serviceName="Storage",
        productName="General Block Blob v2",
        skuName="Hot LRS",
        meterName="Hot LRS Write Operations",
        unitOfMeasure="10K",
        retailPrice=0.065,
    ),
    azure_item(
        serviceName="SQL Database",
        productName="SQL Database Single/Elastic Pool General Purpose - Compute Gen5",
        skuName="1 vCore",
        meterName="vCore",
        retailPrice=0.2522,
    ),
    azure_item(
        serviceName="SQL Database",
        productName="SQL Database Single General Purpose - Serverless - Compute Gen5",
        skuName="1 vCore",
        meterName="vCore",
        retailPrice=0.522,
    ),
    azure_item(
        serviceName="Storage",
        productName="General Block Blob v2",
        skuName="Cool LRS",
        meterName="Cool LRS Data Stored",
        unitOfMeasure="1 TB/Month",
        retailPrice=10.0,
    ),
]


def test_azure_refresh_follows_pages_and_converts_units(home: Path) -> None:
    with serve(AzureHandler, AZURE_ITEMS, page=2) as server:
        feed = AzureRetailPrices(f"{server.url}/api/retail/prices")
        report = update_catalog("azure", home, feed, region="eastus", today=TODAY)
        filters = [r["$filter"] for r in server.requests]
    prices = by_key(report)
    vm = prices["eastus", "vm/Standard_D2s_v3"]
    assert (vm.usd, vm.as_of, vm.source) == (
        Decimal("0.1"),
        TODAY,
        f"{server.url}/api/retail/prices",
    )
    hot = prices["eastus", "blob/hot/storage"]
    assert [(t.start, t.usd) for t in hot.tiers] == [
        (0, Decimal("0.02")),
        (51200, Decimal("0.019")),
        (512000, Decimal("0.018")),
    ]
    assert prices["eastus", "blob/hot/write"].usd == Decimal("0.0000065")  # $0.065 per 10K
    assert prices["eastus", "sql/serverless/vcore"].usd == Decimal(
        "0.000145"
    )  # $0.522/h per second
    assert prices["eastus", "sql/general-purpose/vcore"].as_of == TODAY  # confirmed, unchanged
    assert report.result.confirmed == 2
    # Not refreshed: kept with their old date, and said why.
    missed = {(m.key, m.reason) for m in report.result.missed}
    assert ("blob/cool/storage", "the API's unit does not match the catalog's") in missed
    assert ("blob/archive/read", "not in the API's answer") in missed
    assert prices["eastus", "blob/archive/read"].as_of == dt.date(2023, 10, 1)
    # Other regions untouched by --region eastus.
    assert prices["eastus2", "vm/Standard_D2s_v3"].as_of == dt.date(2024, 6, 1)
    assert any(
        "armRegionName eq 'eastus'" in f and "priceType eq 'Consumption'" in f for f in filters
    )
    # The written file is a catalog that loads, and is used from now on.
    assert report.path == home / "costs" / "azure.json"
    catalog = load_catalog("azure", home)
    assert catalog.version == "2026.11.27"
    assert catalog.price("vm/Standard_D2s_v3", "eastus").usd == Decimal("0.1")


def test_azure_refuses_paging_links_to_another_host() -> None:
    with serve(AzureHandler, AZURE_ITEMS, page=1) as server:
        port = server.url.rsplit(":", 1)[1]
        feed = AzureRetailPrices(f"http://localhost:{port}/api/retail/prices")
        with pytest.raises(PriceError, match=r"refusing a NextPageLink to another host"):
            feed.items({"serviceName": "Virtual Machines"})


def test_azure_errors_name_the_endpoint() -> None:
    with serve(AzureHandler, AZURE_ITEMS) as server:
        with pytest.raises(PriceError, match=r"/nowhere: HTTP 404"):
            AzureRetailPrices(f"{server.url}/nowhere").items({})
        url = server.url
    with pytest.raises(PriceError, match=r"cannot reach http://127\.0\.0\.1:\d+/api/retail/prices"):
        AzureRetailPrices(f"{url}/api/retail/prices").items({})


# -- GCP Cloud Billing Catalog ---------------------------------------------------------------

AMERICAS = ["us-central1", "us-east1", "us-west1"]
GCP_SKUS = {
    COMPUTE: [
        gcp_sku("E2 Instance Core running in Americas", AMERICAS, "h", [(0, 0, 21811590)]),
        gcp_sku("E2 Instance Ram running in Americas", AMERICAS, "GiBy.h", [(0, 0, 2923530)]),
        gcp_sku(
            "Spot Preemptible E2 Instance Core running in Americas",
            AMERICAS,
            "h",
            [(0, 0, 6543000)],
            usage="Preemptible",
        ),
        gcp_sku(
            "N1 Predefined Instance Core running in Americas", AMERICAS, "h", [(0, 0, 31611000)]
        ),
        gcp_sku("N2 Instance Core running in Americas", AMERICAS, "h", [(0, 0, 31611000)]),
        gcp_sku(
            "N2 Instance Core running in Americas (duplicate)", AMERICAS, "h", [(0, 0, 31611000)]
        ),
        gcp_sku("N2 Instance Ram running in Americas", AMERICAS, "GiBy.mo", [(0, 3, 0)]),
    ],
    STORAGE: [
        gcp_sku("Standard Storage US Regional", AMERICAS, "GiBy.mo", [(0, 0, 0), (5, 0, 20000000)]),
        gcp_sku("Standard Storage US Multi-region", ["us"], "GiBy.mo", [(0, 0, 26000000)]),
    ],
}


def test_gcp_refresh_lists_each_service_once_across_pages(home: Path) -> None:
    with serve(GcpHandler, GCP_SKUS, page=2) as server:
        feed = CloudBillingCatalog(GcpHandler.API_KEY, server.url)
        report = update_catalog("gcp", home, feed, region="us-central1", today=TODAY)
        paths = [r["path"] for r in server.requests]
    prices = by_key(report)
    assert prices["us-central1", "compute/e2/core"].usd == Decimal("0.02181159")
    assert prices["us-central1", "compute/e2/ram"].usd == Decimal("0.00292353")
    assert prices["us-central1", "compute/n1/core"].usd == Decimal("0.031611")
    standard = prices["us-central1", "storage/STANDARD/storage"]
    assert [(t.start, t.usd) for t in standard.tiers] == [(0, 0), (5, Decimal("0.02"))]
    missed = {m.key: m.reason for m in report.result.missed}
    assert missed["compute/n2/core"] == "ambiguous: 2 SKUs match"
    assert missed["compute/n2/ram"] == "the API's unit does not match the catalog's"
    assert missed["sql/zonal/core"] == "no refresh rule for this kind of price"
    assert missed["storage/NEARLINE/storage"] == "not in the API's answer"
    # 7 compute SKUs in pages of 2 = 4 requests; 2 storage SKUs = 1: each service listed once.
    assert paths.count(f"/v1/services/{COMPUTE}/skus") == 4
    assert paths.count(f"/v1/services/{STORAGE}/skus") == 1


def test_gcp_needs_a_key_and_never_shows_it() -> None:
    with pytest.raises(PriceError, match=r"needs an API key"):
        CloudBillingCatalog("")
    with serve(GcpHandler, GCP_SKUS) as server:
        feed = CloudBillingCatalog("wrong-secret-key", server.url)
        with pytest.raises(PriceError, match=r"HTTP 403") as info:
            feed.skus(COMPUTE)
    assert "wrong-secret-key" not in str(info.value)


# -- AWS Price List query API ----------------------------------------------------------------

EC2_ATTRS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
    "regionCode": "us-east-1",
}
AWS_PRODUCTS = [
    aws_product(
        "AmazonEC2", {**EC2_ATTRS, "instanceType": "m5.large"}, [("0", "Inf", "0.0960000000")]
    ),
    aws_product(
        "AmazonEC2", {**EC2_ATTRS, "instanceType": "t3.micro"}, [("0", "Inf", "0.0105000000")]
    ),
    aws_product("AmazonEC2", {**EC2_ATTRS, "instanceType": "c5.large"}, [("0", "Inf", "0.085")]),
    aws_product(
        "AmazonEC2",
        {**EC2_ATTRS, "instanceType": "c5.large", "marketoption": "OnDemand"},
        [("0", "Inf", "0.085")],
    ),
    aws_product(
        "AmazonEC2",
        {**EC2_ATTRS, "instanceType": "m5.large", "regionCode": "us-west-2"},
        [("0", "Inf", "0.5")],
    ),
    aws_product(
        "AmazonS3",
        {"regionCode": "us-east-1", "productFamily": "Storage", "volumeType": "Standard"},
        [("512000", "Inf", "0.021"), ("0", "51200", "0.023"), ("51200", "512000", "0.022")],
    ),
    aws_product(
        "AWSLambda",
        {"regionCode": "us-east-1", "group": "AWS-Lambda-Requests"},
        [("0", "Inf", "0.0000002000")],
    ),
    aws_product(
        "AWSDataTransfer",
        {"fromRegionCode": "us-east-1", "transferType": "AWS Outbound", "toLocation": "External"},
        [("0", "100", "0.00"), ("100", "10240", "0.09")],
    ),
    aws_product(
        "AmazonRDS",
        {
            "regionCode": "us-east-1",
            "instanceType": "db.t3.micro",
            "databaseEngine": "MySQL",
            "deploymentOption": "Single-AZ",
        },
        [("0", "Inf", "oops")],
    ),
]


def test_aws_refresh_through_boto3_get_products(home: Path, aws_env: dict[str, str]) -> None:
    with serve(AwsHandler, AWS_PRODUCTS, page=1) as server:
        feed = AwsPriceList(endpoint=server.url)
        report = update_catalog("aws", home, feed, region="us-east-1", today=TODAY)
        requests = server.requests
    prices = by_key(report)
    assert prices["us-east-1", "ec2/m5.large"].usd == Decimal("0.096")  # confirmed
    assert prices["us-east-1", "ec2/m5.large"].as_of == TODAY
    assert prices["us-east-1", "ec2/m5.large"].sku and prices[
        "us-east-1", "ec2/m5.large"
    ].sku.startswith("SKU")
    assert [old.usd for old, new in report.result.changed if new.key == "ec2/t3.micro"] == [
        Decimal("0.0104")
    ]
    assert prices["us-east-1", "ec2/t3.micro"].usd == Decimal("0.0105")
    s3 = prices["us-east-1", "s3/STANDARD/storage"]
    assert [t.usd for t in s3.tiers] == [Decimal("0.023"), Decimal("0.022"), Decimal("0.021")]
    egress = prices["us-east-1", "network/internet-egress"]
    assert [(t.start, t.usd) for t in egress.tiers] == [(0, 0), (100, Decimal("0.09"))]
    assert prices["us-east-1", "lambda/requests"].usd == Decimal("0.0000002")
    missed = {m.key: m.reason for m in report.result.missed}
    assert missed["ec2/c5.large"] == "ambiguous: 2 products match"
    assert (
        missed["rds/mysql/db.t3.micro/single-az"]
        == "the product's on-demand price could not be read"
    )
    assert missed["s3/STANDARD/put"] == "no refresh rule for this kind of price"
    assert missed["ec2/r5.large"] == "not in the API's answer"
    first = requests[0]
    assert (
        first["target"] == "AWSPriceListService.GetProducts" and first["FormatVersion"] == "aws_v1"
    )
    assert {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"} in first["Filters"]
    assert any(r.get("NextToken") for r in requests)  # paging followed
    assert load_catalog("aws", home).price("ec2/t3.micro", "us-east-1").usd == Decimal("0.0105")


def test_aws_api_errors_are_price_errors(aws_env: dict[str, str]) -> None:
    with serve(AzureHandler, []) as server:  # answers POST with 501: not the pricing API
        feed = AwsPriceList(endpoint=server.url)
        with pytest.raises(PriceError, match=r"AWS Price List API"):
            feed.products("AmazonEC2", {})


def test_feed_registry_and_bad_region(home: Path) -> None:
    assert isinstance(make_feed("azure"), AzureRetailPrices)
    assert isinstance(make_feed("gcp", api_key="k"), CloudBillingCatalog)
    with pytest.raises(PriceError, match=r"unknown provider 'ibm'"):
        make_feed("ibm")
    with pytest.raises(
        PriceError, match=r"--region: unknown azure region 'east-us'; closest: eastus"
    ):
        update_catalog("azure", home, make_feed("azure"), region="east-us")


def test_non_json_answers_are_errors() -> None:
    with serve(GcpHandler, GCP_SKUS) as server:
        with pytest.raises(PriceError, match=r"HTTP 403"):
            get_json(f"{server.url}/v1/services/x/skus")
    assert json.dumps(AZURE_ITEMS)  # the sample data itself is plain JSON
