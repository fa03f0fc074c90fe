"""Cloud cost attribution: price catalogs, estimates, breakdowns and per-run costs.

Prices come from versioned catalogs of published on-demand list prices (``catalogs/``),
refreshable from the providers' public price APIs (``providers/``); a manifest of resources
(``manifest.py``) is priced into line items (``estimate.py``) and broken down by component,
provider, resource or tag (``allocate.py``); a run's measured wall time is priced against a
cost profile (``attribution.py``).  See ``docs/costs.md``.
"""

from __future__ import annotations

from scriptrunner.costs.allocate import Breakdown, Group, breakdown
from scriptrunner.costs.base import LineItem, Price, PriceSource, Resource, Tier, Usage
from scriptrunner.costs.catalog import Catalog, Catalogs, load_catalog
from scriptrunner.costs.estimate import Estimate, estimate
from scriptrunner.costs.manifest import load_manifest, resources_from
from scriptrunner.errors import PriceError

__all__ = [
    "Breakdown",
    "Catalog",
    "Catalogs",
    "Estimate",
    "Group",
    "LineItem",
    "Price",
    "PriceError",
    "PriceSource",
    "Resource",
    "Tier",
    "Usage",
    "breakdown",
    "estimate",
    "load_catalog",
    "load_manifest",
    "resources_from",
]
