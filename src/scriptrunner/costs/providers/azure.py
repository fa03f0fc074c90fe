"""Azure Retail Prices API (``https://prices.azure.com/api/retail/prices``), no key needed.

Each catalog entry becomes one OData ``$filter`` query; the answer is
``{"Items": [...], "NextPageLink": URL | null}`` and every page is followed.  An item's
``retailPrice`` is per ``unitOfMeasure`` (``1 Hour``, ``1 GB/Month``, ``10K``), converted
to the catalog's unit; items with several ``tierMinimumUnits`` become volume tiers.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Price, ratio
from scriptrunner.costs.providers.base import Found, Missed, get_json, same_origin, tiers_from
from scriptrunner.errors import PriceError

ENDPOINT = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
MAX_PAGES = 50
#: Divisors from an API unit of measure to one unit of the catalog.
_UNITS = {
    ("1 Hour", "hour"): Decimal(1),
    ("1 Hour", "vCore-hour"): Decimal(1),
    ("1 Hour", "vCore-second"): Decimal(3600),
    ("1 GB/Month", "GB-month"): Decimal(1),
    ("1 GB", "GB"): Decimal(1),
    ("10K", "operation"): Decimal(10_000),
}


def _quote(value: str) -> str:
    return value.replace("'", "''")


def _filter(price: Price) -> tuple[dict[str, str], Callable[[dict[str, Any]], bool]] | None:
    """The OData equality filter for an entry and a check for the items it returns."""
    parts = price.key.split("/")
    anything: Callable[[dict[str, Any]], bool] = lambda item: True  # noqa: E731
    if parts[0] == "vm" and len(parts) == 2:
        # One size has Linux, Windows, Spot and Low Priority meters: keep Linux on demand.
        def linux(item: dict[str, Any]) -> bool:
            text = f"{item.get('productName', '')} {item.get('skuName', '')}"
            return not any(w in text for w in ("Windows", "Spot", "Low Priority"))

        return {
            "serviceName": "Virtual Machines",
            "armSkuName": parts[1],
            "priceType": "Consumption",
        }, linux
    if parts[0] == "blob" and len(parts) == 3:
        tier = parts[1].capitalize()
        meter = {
            "storage": f"{tier} LRS Data Stored",
            "write": f"{tier} LRS Write Operations",
            "read": f"{tier} Read Operations",
            "retrieval": f"{tier} Data Retrieval",
        }[parts[2]]
        return {
            "serviceName": "Storage",
            "productName": "General Block Blob v2",
            "meterName": meter,
            "priceType": "Consumption",
        }, anything
    if price.key == "sql/general-purpose/vcore":
        product = "SQL Database Single/Elastic Pool General Purpose - Compute Gen5"
        return {
            "serviceName": "SQL Database",
            "productName": product,
            "meterName": "vCore",
        }, anything
    if price.key == "sql/general-purpose/storage":
        product = "SQL Database Single/Elastic Pool General Purpose - Storage"
        meter = "General Purpose Data Stored"
        return {"serviceName": "SQL Database", "productName": product, "meterName": meter}, anything
    if price.key == "sql/serverless/vcore":
        product = "SQL Database Single General Purpose - Serverless - Compute Gen5"
        return {
            "serviceName": "SQL Database",
            "productName": product,
            "meterName": "vCore",
        }, anything
    return None


class AzureRetailPrices:
    """A :class:`~scriptrunner.costs.providers.base.PriceFeed` over the Retail Prices API."""

    def __init__(self, endpoint: str = ENDPOINT) -> None:
        self.endpoint = endpoint

    def items(self, equals: dict[str, str]) -> list[dict[str, Any]]:
        """Every item matching ``equals``, across pages."""
        odata = " and ".join(f"{k} eq '{_quote(v)}'" for k, v in equals.items())
        query = urllib.parse.urlencode(
            {"api-version": API_VERSION, "currencyCode": "'USD'", "$filter": odata}
        )
        url: str | None = f"{self.endpoint}?{query}"
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            page = get_json(url)
            if not isinstance(page, dict) or not isinstance(page.get("Items"), list):
                raise PriceError(f"{self.endpoint}: unexpected answer (no Items list)")
            items += [i for i in page["Items"] if isinstance(i, dict)]
            link = page.get("NextPageLink")
            if link and not same_origin(self.endpoint, link):
                raise PriceError(f"{self.endpoint}: refusing a NextPageLink to another host")
            url = link or None
        raise PriceError(f"{self.endpoint}: more than {MAX_PAGES} pages for {odata}")

    def lookup(self, price: Price) -> Found | Missed:
        rule = _filter(price)
        if rule is None:
            return Missed(price.region, price.key, "no refresh rule for this kind of price")
        equals, keep = rule
        items = [
            i
            for i in self.items({**equals, "armRegionName": price.region})
            if keep(i) and i.get("currencyCode", "USD") == "USD"
        ]
        if not items:
            return Missed(price.region, price.key, "not in the API's answer")
        units = {str(i.get("unitOfMeasure")) for i in items}
        meters = {str(i.get("meterId") or i.get("meterName")) for i in items}
        if len(units) != 1 or len(meters) != 1:
            return Missed(price.region, price.key, f"ambiguous: {len(items)} items match")
        divisor = _UNITS.get((units.pop(), price.unit))
        if divisor is None:
            return Missed(price.region, price.key, "the API's unit does not match the catalog's")
        pairs = [
            (
                Decimal(str(i.get("tierMinimumUnits", 0))),
                ratio(Decimal(str(i["retailPrice"])), divisor),
            )
            for i in items
        ]
        try:
            tiers = tiers_from(pairs)
        except ValueError:
            return Missed(price.region, price.key, "the API's tiers do not start at 0")
        return Found(tiers, source=self.endpoint, sku=str(items[0].get("skuId") or "") or None)
