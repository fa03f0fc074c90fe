"""GCP Cloud Billing Catalog API (``services/{id}/skus``), with an API key.

A service's SKUs are listed once (``{"skus": [...], "nextPageToken": "..."}``, every page
followed) and matched by description prefix, ``serviceRegions`` and ``usageType``
``OnDemand``.  A SKU's price is ``pricingInfo[0].pricingExpression.tieredRates``: per
``usageUnit`` (``h``, ``GiBy.h``, ``GiBy.mo``), ``units`` + ``nanos`` / 10^9 dollars.
"""

from __future__ import annotations

import urllib.parse
from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Price
from scriptrunner.costs.providers.base import Found, Missed, get_json, tiers_from
from scriptrunner.errors import PriceError

ENDPOINT = "https://cloudbilling.googleapis.com"
COMPUTE = "6F81-5844-456A"
STORAGE = "95FF-2EF5-5EA1"
MAX_PAGES = 100
_FAMILY = {"e2": "E2 Instance", "n1": "N1 Predefined Instance", "n2": "N2 Instance"}
_PART = {"core": "Core", "ram": "Ram"}
_CLASS = {
    "STANDARD": "Standard",
    "NEARLINE": "Nearline",
    "COLDLINE": "Coldline",
    "ARCHIVE": "Archive",
}
#: The usage unit a catalog unit must be priced in.
_UNITS = {"vCPU-hour": "h", "GB-hour": "GiBy.h", "GB-month": "GiBy.mo"}


def _rule(price: Price) -> tuple[str, str] | None:
    """(service id, description prefix) for the entries this feed can refresh."""
    parts = price.key.split("/")
    if parts[0] == "compute" and len(parts) == 3 and parts[1] in _FAMILY and parts[2] in _PART:
        return COMPUTE, f"{_FAMILY[parts[1]]} {_PART[parts[2]]} running in"
    if parts[0] == "storage" and len(parts) == 3 and parts[2] == "storage" and parts[1] in _CLASS:
        return STORAGE, f"{_CLASS[parts[1]]} Storage"
    return None


def _money(rate: dict[str, Any]) -> Decimal:
    unit = rate.get("unitPrice") or {}
    if unit.get("currencyCode", "USD") != "USD":
        raise ValueError("not USD")
    return Decimal(str(unit.get("units") or 0)) + Decimal(int(unit.get("nanos") or 0)).scaleb(-9)


class CloudBillingCatalog:
    """A :class:`~scriptrunner.costs.providers.base.PriceFeed` over the Cloud Billing API."""

    def __init__(self, api_key: str, endpoint: str = ENDPOINT) -> None:
        if not api_key:
            raise PriceError(
                "the Cloud Billing Catalog API needs an API key: pass --api-key or set "
                "SCRIPTRUNNER_GCP_API_KEY"
            )
        self.api_key = api_key
        self.endpoint = endpoint.rstrip("/")
        self._skus: dict[str, list[dict[str, Any]]] = {}

    def skus(self, service: str) -> list[dict[str, Any]]:
        """Every SKU of ``service`` (listed once, then kept)."""
        if service in self._skus:
            return self._skus[service]
        found: list[dict[str, Any]] = []
        token = ""
        for _ in range(MAX_PAGES):
            query = {"key": self.api_key, "currencyCode": "USD", "pageSize": "5000"}
            if token:
                query["pageToken"] = token
            url = f"{self.endpoint}/v1/services/{service}/skus?{urllib.parse.urlencode(query)}"
            page = get_json(url)
            if not isinstance(page, dict):
                raise PriceError(f"{self.endpoint}: unexpected answer for service {service}")
            found += [s for s in page.get("skus") or [] if isinstance(s, dict)]
            token = str(page.get("nextPageToken") or "")
            if not token:
                self._skus[service] = found
                return found
        raise PriceError(f"{self.endpoint}: more than {MAX_PAGES} pages of SKUs for {service}")

    def lookup(self, price: Price) -> Found | Missed:
        rule = _rule(price)
        if rule is None:
            return Missed(price.region, price.key, "no refresh rule for this kind of price")
        service, prefix = rule
        matches = [
            s
            for s in self.skus(service)
            if str(s.get("description", "")).startswith(prefix)
            and price.region in (s.get("serviceRegions") or [])
            and (s.get("category") or {}).get("usageType") == "OnDemand"
        ]
        if not matches:
            return Missed(price.region, price.key, "not in the API's answer")
        if len(matches) > 1:
            return Missed(price.region, price.key, f"ambiguous: {len(matches)} SKUs match")
        sku = matches[0]
        try:
            expression = sku["pricingInfo"][0]["pricingExpression"]
            if expression.get("usageUnit") != _UNITS.get(price.unit):
                return Missed(
                    price.region, price.key, "the API's unit does not match the catalog's"
                )
            pairs = [
                (Decimal(str(r.get("startUsageAmount") or 0)), _money(r))
                for r in expression["tieredRates"]
            ]
            tiers = tiers_from(pairs)
        except (KeyError, IndexError, TypeError, ValueError, ArithmeticError):
            return Missed(price.region, price.key, "the SKU's pricing could not be read")
        return Found(
            tiers, source=f"{self.endpoint}/v1/services/{service}/skus", sku=sku.get("skuId")
        )
