"""Estimates: every resource's usage priced into line items, ``quantity x unit price = cost``.

A price the catalog does not have is an error that names the resource's field and the
closest valid names (or the regions that do have it), never a $0 line.  A volume-tiered
price (S3 Standard, egress, Lambda duration) gives one line per tier touched, applied to
the resource's own quantity (account-wide aggregation is outside an estimate's view).  A
discount a kind applies (GCP's sustained use discounts) is its own negative line, so the
arithmetic stays visible: ``quantity x -(fraction x unit price)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from scriptrunner.costs.base import (
    QUANTUM,
    ZERO,
    Discount,
    LineItem,
    Price,
    Resource,
    Usage,
    exact,
    no_gc_pauses,
)
from scriptrunner.costs.catalog import (
    DEFAULT_MAX_AGE_DAYS,
    Catalog,
    Catalogs,
    close_names,
    stale_warning,
)
from scriptrunner.costs.kinds import KINDS
from scriptrunner.errors import PriceError


@dataclass(frozen=True, slots=True)
class CatalogUse:
    """Which catalog priced an estimate, and the oldest ``as_of`` among the prices used."""

    provider: str
    origin: str
    version: str
    oldest_as_of: dt.date


@dataclass(frozen=True, slots=True)
class Estimate:
    """The priced line items of some resources, their exact total, and any warnings."""

    resources: tuple[Resource, ...]
    lines: tuple[LineItem, ...]
    total: Decimal
    catalogs: tuple[CatalogUse, ...] = ()
    warnings: tuple[str, ...] = ()


def estimate(
    resources: Iterable[Resource],
    catalogs: Catalogs,
    *,
    today: dt.date | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Estimate:
    """Price ``resources``; warn about catalogs older than ``max_age_days``."""
    resources = tuple(resources)
    lines: list[LineItem] = []
    append = lines.append
    # tuple.__new__ skips the named tuple's Python-level __new__: half the cost of a line.
    new = tuple.__new__
    used: dict[tuple[str, str, str], Price] = {}
    discounts: dict[tuple[Price, Discount], Price] = {}
    by_provider: dict[str, Catalog] = {}
    total = ZERO
    with exact(), no_gc_pauses():
        for r in resources:
            catalog = by_provider.get(r.provider)
            if catalog is None:
                catalog = by_provider[r.provider] = catalogs[r.provider]
            if r.region not in catalog.regions:
                catalog.check_region(r.region, f"{r.path}.region")
            for u in KINDS[r.kind].usages(r, catalog):
                cache_key = (r.provider, r.region, u.prefix + u.name + u.suffix)
                price = used.get(cache_key)
                if price is None:
                    price = catalog.get(r.region, cache_key[2])
                    if price is None:
                        raise unknown_price(r, u, catalog)
                    used[cache_key] = price
                quantity = u.quantity.quantize(QUANTUM)
                if u.discount is not None:
                    off = discounts.get((price, u.discount))
                    if off is None:
                        off = discounts[price, u.discount] = u.discount.applied_to(price)
                    cost = quantity * off.usd
                    total += cost
                    append(new(LineItem, (r, u.component, off, quantity, off.usd, cost)))
                elif price.tiers:
                    for part, unit in price.split(quantity):
                        cost = part * unit
                        total += cost
                        append(new(LineItem, (r, u.component, price, part, unit, cost)))
                else:
                    cost = quantity * price.usd
                    total += cost
                    append(new(LineItem, (r, u.component, price, quantity, price.usd, cost)))
    uses = _uses(by_provider, used.values())
    day = today or dt.date.today()
    warnings = [
        w
        for use in uses
        if (
            w := stale_warning(
                by_provider[use.provider], use.oldest_as_of, today=day, max_age_days=max_age_days
            )
        )
    ]
    return Estimate(resources, tuple(lines), total, tuple(uses), tuple(warnings))


def _uses(catalogs: dict[str, Catalog], prices: Iterable[Price]) -> list[CatalogUse]:
    oldest: dict[str, dt.date] = {}
    for p in prices:
        if p.provider not in oldest or p.as_of < oldest[p.provider]:
            oldest[p.provider] = p.as_of
    return [
        CatalogUse(name, catalogs[name].origin, catalogs[name].version, oldest[name])
        for name in sorted(oldest)
    ]


def unknown_price(r: Resource, u: Usage, catalog: Catalog) -> PriceError:
    """The error for a usage the catalog cannot price: closest names, or where it exists."""
    where = f"{r.path}.{u.field}"
    key = u.key
    elsewhere = catalog.regions_with(key)
    if elsewhere:
        return PriceError(
            f"{where}: the {catalog.provider} catalog has no price for {key} in {r.region}; "
            f"it is priced in {', '.join(elsewhere)} (choose one of those regions, or add the "
            f"price to the local catalog {catalog.provider}.json: see docs/costs.md)"
        )
    end = len(key) - len(u.suffix)
    valid = sorted(
        {
            k[len(u.prefix) : len(k) - len(u.suffix)]
            for k in catalog.keys(r.region)
            if k.startswith(u.prefix)
            and k.endswith(u.suffix)
            and len(k) > len(u.prefix) + len(u.suffix)
        }
    )
    what = u.label or key[: end or None]
    if not valid:
        regions = sorted(
            {
                p.region
                for p in catalog.prices()
                if p.key.startswith(u.prefix) and p.key.endswith(u.suffix)
            }
        )
        return PriceError(
            f"{where}: the {catalog.provider} catalog has no {u.prefix}*{u.suffix} prices in "
            f"{r.region} (it has them in {', '.join(regions) or 'no region'})"
        )
    return PriceError(
        f"{where}: unknown {what} {u.name!r} in {r.region}; closest: "
        + ", ".join(close_names(u.name, valid))
    )


def line_total(lines: Sequence[LineItem]) -> Decimal:
    """The exact sum of ``lines``' costs."""
    with exact():
        return sum((line.cost_usd for line in lines), ZERO)
