"""Price refresh from the providers' public price APIs: one feed per provider.

``update_catalog`` refreshes the current catalog (the local copy, or the bundled one the
first time) through a feed and writes ``$SCRIPTRUNNER_HOME/costs/PROVIDER.json``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.costs.catalog import Catalog, dump_catalog, load_catalog, local_path
from scriptrunner.costs.providers.base import Found, Missed, PriceFeed, RefreshResult, refresh
from scriptrunner.errors import PriceError
from scriptrunner.registry import Registry

__all__ = [
    "FEEDS",
    "Found",
    "Missed",
    "PriceFeed",
    "RefreshResult",
    "UpdateReport",
    "make_feed",
    "update_catalog",
]


def _aws(endpoint: str | None, api_key: str | None) -> PriceFeed:
    from scriptrunner.costs.providers.aws import AwsPriceList

    return AwsPriceList(endpoint)


def _azure(endpoint: str | None, api_key: str | None) -> PriceFeed:
    from scriptrunner.costs.providers.azure import ENDPOINT, AzureRetailPrices

    return AzureRetailPrices(endpoint or ENDPOINT)


def _gcp(endpoint: str | None, api_key: str | None) -> PriceFeed:
    from scriptrunner.costs.providers.gcp import ENDPOINT, CloudBillingCatalog

    return CloudBillingCatalog(api_key or "", endpoint or ENDPOINT)


#: provider -> factory(endpoint override, API key) of its price feed.
FEEDS: Registry[Callable[[str | None, str | None], PriceFeed]] = Registry(
    "provider", {"aws": _aws, "azure": _azure, "gcp": _gcp}, error=PriceError
)


def make_feed(provider: str, endpoint: str | None = None, api_key: str | None = None) -> PriceFeed:
    """The price feed of ``provider`` (``api_key``: the caller's, from the settings)."""
    return FEEDS.get(provider)(endpoint, api_key)


@dataclass(frozen=True, slots=True)
class UpdateReport:
    provider: str
    path: Path
    result: RefreshResult


def update_catalog(
    provider: str,
    home: Path,
    feed: PriceFeed,
    *,
    region: str | None = None,
    today: dt.date | None = None,
) -> UpdateReport:
    """Refresh ``provider``'s catalog through ``feed`` and write the local copy."""
    current = load_catalog(provider, home)
    if region is not None:
        current.check_region(region, "--region")
    day = today or dt.date.today()
    result = refresh(current.prices(), feed, today=day, region=region)
    data = current.to_json()
    data["version"] = day.strftime("%Y.%m.%d")
    from scriptrunner.costs.catalog import price_json

    data["prices"] = [price_json(p) for p in result.prices]
    path = local_path(home, provider)
    Catalog(data, str(path))  # never write a catalog that would not load
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(dump_catalog(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise PriceError(f"cannot write price catalog {path}: {exc.strerror}") from exc
    return UpdateReport(provider, path, result)
