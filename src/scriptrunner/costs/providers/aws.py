"""AWS Price List Query API (``pricing:GetProducts``), through boto3.

The query API is an AWS API (signed requests, so it needs AWS credentials; any IAM user
may call it), and answers a few products per query where the public bulk files would be
hundreds of megabytes for EC2 alone.  Each catalog entry becomes one ``TERM_MATCH`` query;
the answer is ``{"PriceList": ["<product JSON>", ...], "NextToken": ...}`` and each product
has ``terms.OnDemand.*.priceDimensions`` (``pricePerUnit.USD``, ``beginRange`` for tiers).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Price
from scriptrunner.costs.providers.base import Found, Missed, tiers_from
from scriptrunner.errors import PriceError

#: The Price List API is served from us-east-1 (and a few others), whatever region is priced.
API_REGION = "us-east-1"
SOURCE = "https://api.pricing.us-east-1.amazonaws.com"
_S3_VOLUME = {
    "STANDARD": "Standard",
    "STANDARD_IA": "Standard - Infrequent Access",
    "ONEZONE_IA": "One Zone - Infrequent Access",
    "GLACIER_IR": "Glacier Instant Retrieval",
    "GLACIER": "Amazon Glacier",
    "DEEP_ARCHIVE": "Glacier Deep Archive",
}
_ENGINE = {"mysql": "MySQL", "postgres": "PostgreSQL"}
_DEPLOYMENT = {"single-az": "Single-AZ", "multi-az": "Multi-AZ"}
_LAMBDA = {
    "lambda/requests": "AWS-Lambda-Requests",
    "lambda/x86_64/duration": "AWS-Lambda-Duration",
    "lambda/arm64/duration": "AWS-Lambda-Duration-ARM",
}


def query_for(price: Price) -> tuple[str, dict[str, str]] | None:
    """(service code, attribute filters) for the entries this feed can refresh."""
    parts = price.key.split("/")
    region = {"regionCode": price.region}
    if parts[0] == "ec2" and len(parts) == 2:
        return "AmazonEC2", {
            **region,
            "instanceType": parts[1],
            "operatingSystem": "Linux",
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
            "licenseModel": "No License required",
        }
    if parts[0] == "rds" and len(parts) == 4 and parts[1] in _ENGINE:
        return "AmazonRDS", {
            **region,
            "instanceType": parts[2],
            "databaseEngine": _ENGINE[parts[1]],
            "deploymentOption": _DEPLOYMENT[parts[3]],
        }
    if price.key in _LAMBDA:
        return "AWSLambda", {**region, "group": _LAMBDA[price.key]}
    if parts[0] == "s3" and len(parts) == 3 and parts[2] == "storage":
        return "AmazonS3", {
            **region,
            "productFamily": "Storage",
            "volumeType": _S3_VOLUME[parts[1]],
        }
    if price.key == "network/internet-egress":
        return "AWSDataTransfer", {
            "fromRegionCode": price.region,
            "transferType": "AWS Outbound",
            "toLocation": "External",
        }
    return None


def on_demand_tiers(product: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    """The (beginRange, USD per unit) pairs of a product's single on-demand term."""
    terms = list((product.get("terms") or {}).get("OnDemand", {}).values())
    if len(terms) != 1:
        raise ValueError(f"{len(terms)} on-demand terms")
    return [
        (Decimal(str(d.get("beginRange", "0"))), Decimal(str(d["pricePerUnit"]["USD"])))
        for d in terms[0]["priceDimensions"].values()
    ]


class AwsPriceList:
    """A :class:`~scriptrunner.costs.providers.base.PriceFeed` over GetProducts."""

    def __init__(self, endpoint: str | None = None, client: Any = None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:
                raise PriceError(
                    "refreshing AWS prices needs boto3: pip install 'scriptrunner[aws]'"
                ) from exc
            client = boto3.client("pricing", region_name=API_REGION, endpoint_url=endpoint)
        self.client = client
        self.source = endpoint or SOURCE

    def products(self, service: str, filters: dict[str, str]) -> list[dict[str, Any]]:
        from botocore.exceptions import BotoCoreError, ClientError

        terms = [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()]
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            args: dict[str, Any] = {
                "ServiceCode": service,
                "Filters": terms,
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            if token:
                args["NextToken"] = token
            try:
                answer = self.client.get_products(**args)
            except (BotoCoreError, ClientError) as exc:
                raise PriceError(f"AWS Price List API ({self.source}): {exc}") from exc
            found += [
                json.loads(p) if isinstance(p, str) else p for p in answer.get("PriceList", [])
            ]
            token = answer.get("NextToken")
            if not token:
                return found

    def lookup(self, price: Price) -> Found | Missed:
        rule = query_for(price)
        if rule is None:
            return Missed(price.region, price.key, "no refresh rule for this kind of price")
        products = self.products(*rule)
        if not products:
            return Missed(price.region, price.key, "not in the API's answer")
        if len(products) > 1:
            return Missed(price.region, price.key, f"ambiguous: {len(products)} products match")
        try:
            tiers = tiers_from(on_demand_tiers(products[0]))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return Missed(
                price.region, price.key, "the product's on-demand price could not be read"
            )
        sku = (products[0].get("product") or {}).get("sku")
        return Found(tiers, source=self.source, sku=sku)
