"""Price catalogs: versioned JSON files of published on-demand prices, one per provider.

The package ships ``catalogs/{aws,azure,gcp}.json`` (see ``docs/costs.md`` for their sources
and dates); ``scriptrunner cost prices update`` writes a refreshed copy to
``$SCRIPTRUNNER_HOME/costs/PROVIDER.json``, which is used instead when it exists.  A file
is checked when it is loaded (the JSON Schema ``catalog.schema.json`` says the same for
editors and the tests); a bad one is an error naming the entry, never a silent $0.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from scriptrunner.costs.base import Price, Tier
from scriptrunner.errors import PriceError

PROVIDERS = ("aws", "azure", "gcp")
FORMAT = 1
#: Age in days past which a catalog's prices are reported as stale.
DEFAULT_MAX_AGE_DAYS = 180
_DECIMAL = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,20})?$")


@dataclass(frozen=True, slots=True)
class Shape:
    """Size of an instance or machine type (used by GCP pricing and by run attribution)."""

    vcpu: Decimal
    memory_gb: Decimal


def close_names(word: str, names: Iterable[str], n: int = 5) -> list[str]:
    """The valid names closest to ``word`` (difflib), or the first few if none is close."""
    pool = sorted(set(names))
    by_case = {name.lower(): name for name in pool}
    close = difflib.get_close_matches(word.lower(), list(by_case), n=n, cutoff=0.6)
    return [by_case[c] for c in close] or pool[:n]


def _dec(value: Any, where: str) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.match(value):
        raise PriceError(
            f'{where}: expected a decimal string such as "0.096" (at most 20 places), got {value!r}'
        )
    return Decimal(value)


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PriceError(f"{where}.{name}: required text is missing")
    return value


def _price(provider: str, entry: Any, where: str, regions: Mapping[str, str]) -> Price:
    if not isinstance(entry, dict):
        raise PriceError(f"{where}: expected an object")
    region = _text(entry, "region", where)
    if region not in regions:
        raise PriceError(f"{where}.region: {region!r} is not listed in the catalog's regions")
    try:
        as_of = dt.date.fromisoformat(_text(entry, "as_of", where))
    except ValueError:
        raise PriceError(f"{where}.as_of: expected a date YYYY-MM-DD") from None
    source = _text(entry, "source", where)
    if not source.startswith(("https://", "http://")):
        raise PriceError(f"{where}.source: expected the URL the price was read from")
    usd = _dec(entry.get("usd"), f"{where}.usd")
    tiers: list[Tier] = []
    for i, tier in enumerate(entry.get("tiers") or ()):
        t_where = f"{where}.tiers[{i}]"
        if not isinstance(tier, dict):
            raise PriceError(f"{t_where}: expected an object")
        tiers.append(
            Tier(_dec(tier.get("from"), f"{t_where}.from"), _dec(tier.get("usd"), t_where))
        )
        if i and tiers[i].start <= tiers[i - 1].start:
            raise PriceError(f"{t_where}.from: tiers must start at increasing quantities")
    if tiers and (tiers[0].start != 0 or tiers[0].usd != usd):
        raise PriceError(f"{where}.tiers[0]: the first tier must start at 0 with the price's usd")
    sku = entry.get("sku")
    return Price(
        provider=provider,
        region=region,
        key=_text(entry, "key", where),
        description=_text(entry, "description", where),
        unit=_text(entry, "unit", where),
        usd=usd,
        as_of=as_of,
        source=source,
        tiers=tuple(tiers),
        sku=sku if isinstance(sku, str) else None,
    )


class Catalog:
    """The prices of one provider, by region and key; a :class:`PriceSource`."""

    def __init__(self, data: Mapping[str, Any], origin: str) -> None:
        self.origin = origin
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PriceError(f"{origin}: not a price catalog of format {FORMAT}")
        self.provider = _text(data, "provider", origin)
        self.version = _text(data, "version", origin)
        self.currency = _text(data, "currency", origin)
        if self.currency != "USD":
            raise PriceError(f"{origin}: currency {self.currency!r}: only USD catalogs are used")
        regions = data.get("regions")
        if not isinstance(regions, dict) or not regions:
            raise PriceError(f"{origin}.regions: expected a non-empty object")
        self.regions: dict[str, str] = {str(k): str(v) for k, v in regions.items()}
        self.default_region = _text(data, "default_region", origin)
        if self.default_region not in self.regions:
            raise PriceError(f"{origin}.default_region: {self.default_region!r} is not a region")
        self.shapes: dict[str, Shape] = {}
        for name, shape in (data.get("shapes") or {}).items():
            try:
                self.shapes[name] = Shape(
                    Decimal(str(shape["vcpu"])), Decimal(str(shape["memory_gb"]))
                )
            except (KeyError, TypeError, InvalidOperation):
                raise PriceError(f"{origin}.shapes.{name}: expected vcpu and memory_gb") from None
        entries = data.get("prices")
        if not isinstance(entries, list) or not entries:
            raise PriceError(f"{origin}.prices: expected a non-empty list")
        self._prices: dict[tuple[str, str], Price] = {}
        for i, entry in enumerate(entries):
            price = _price(self.provider, entry, f"{origin}: prices[{i}]", self.regions)
            if (price.region, price.key) in self._prices:
                raise PriceError(f"{origin}: prices[{i}]: {price.key} in {price.region} twice")
            self._prices[price.region, price.key] = price

    # -- PriceSource ---------------------------------------------------------------------

    def price(self, resource: str, region: str, at: dt.date | None = None) -> Price:
        """The price of key ``resource`` in ``region``.  A catalog holds one price per key,
        the newest it knows, so ``at`` only matters to sources that keep history."""
        found = self._prices.get((region, resource))
        if found is None:
            self.check_region(region)
            raise PriceError(
                f"no {self.provider} price for {resource} in {region}; closest: "
                + ", ".join(close_names(resource, self.keys(region)))
            )
        return found

    # -- queries -------------------------------------------------------------------------

    def get(self, region: str, key: str) -> Price | None:
        """The price of ``key`` in ``region``, or None (the estimator's fast path)."""
        return self._prices.get((region, key))

    def check_region(self, region: str, where: str = "region") -> None:
        """Raise a :class:`PriceError` naming the closest regions if ``region`` is unknown."""
        if region not in self.regions:
            raise PriceError(
                f"{where}: unknown {self.provider} region {region!r}; closest: "
                + ", ".join(close_names(region, self.regions))
                + f" (the catalog has {', '.join(sorted(self.regions))})"
            )

    def keys(self, region: str | None = None) -> list[str]:
        return sorted({k for r, k in self._prices if region is None or r == region})

    def prices(self) -> list[Price]:
        return sorted(self._prices.values(), key=lambda p: (p.region, p.key))

    def regions_with(self, key: str) -> list[str]:
        return sorted(r for r, k in self._prices if k == key)

    def oldest(self) -> dt.date:
        return min(p.as_of for p in self._prices.values())

    def to_json(self) -> dict[str, Any]:
        """The catalog as it is stored (the inverse of loading)."""
        return {
            "format": FORMAT,
            "version": self.version,
            "provider": self.provider,
            "currency": self.currency,
            "default_region": self.default_region,
            "regions": dict(self.regions),
            "shapes": {
                n: {"vcpu": _num(s.vcpu), "memory_gb": _num(s.memory_gb)}
                for n, s in self.shapes.items()
            },
            "prices": [price_json(p) for p in self.prices()],
        }


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def price_json(p: Price) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "region": p.region,
        "key": p.key,
        "description": p.description,
        "unit": p.unit,
        "usd": format(p.usd, "f"),
        "as_of": p.as_of.isoformat(),
        "source": p.source,
    }
    if p.tiers:
        entry["tiers"] = [
            {"from": format(t.start, "f"), "usd": format(t.usd, "f")} for t in p.tiers
        ]
    if p.sku:
        entry["sku"] = p.sku
    return entry


def dump_catalog(data: Mapping[str, Any]) -> str:
    """Stable JSON with one price per line, so refreshes diff well."""
    head = {k: v for k, v in data.items() if k not in ("shapes", "prices")}
    text = json.dumps(head, indent=1)[:-2]
    shapes = ",\n  ".join(f"{json.dumps(n)}: {json.dumps(s)}" for n, s in data["shapes"].items())
    lines = ",\n  ".join(json.dumps(p, separators=(", ", ": ")) for p in data["prices"])
    return f'{text},\n "shapes": {{\n  {shapes}\n }},\n "prices": [\n  {lines}\n ]\n}}\n'


def local_path(home: Path, provider: str) -> Path:
    """Where ``prices update`` keeps the refreshed catalog of ``provider``."""
    return home / "costs" / f"{provider}.json"


def check_provider(provider: str, where: str = "provider") -> str:
    if provider not in PROVIDERS:
        raise PriceError(
            f"{where}: unknown provider {provider!r}; valid: {', '.join(PROVIDERS)}"
            + (f" (did you mean {close_names(provider, PROVIDERS, 1)[0]}?)" if provider else "")
        )
    return provider


def load_catalog(provider: str, home: Path | None = None) -> Catalog:
    """The refreshed catalog under ``home`` if there is one, else the bundled one."""
    check_provider(provider)
    path = local_path(home, provider) if home is not None else None
    if path is not None and path.is_file():
        origin, raw = str(path), _read(path)
    else:
        origin = f"bundled {provider}.json"
        bundled = resources.files("scriptrunner.costs") / "catalogs" / f"{provider}.json"
        raw = bundled.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PriceError(f"{origin}: not valid JSON: {exc}") from exc
    catalog = Catalog(data, origin)
    if catalog.provider != provider:
        raise PriceError(f"{origin}: holds {catalog.provider!r} prices, expected {provider!r}")
    return catalog


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceError(f"cannot read price catalog {path}: {exc.strerror}") from exc


def stale_warning(
    catalog: Catalog, oldest: dt.date, *, today: dt.date, max_age_days: int
) -> str | None:
    """A warning if ``oldest`` (the as_of of the oldest price used) is past the limit."""
    age = (today - oldest).days
    if age <= max_age_days:
        return None
    return (
        f"{catalog.provider} prices from {catalog.origin} are as of {oldest.isoformat()}, "
        f"{age} days old (limit {max_age_days}); refresh them with "
        f"`scriptrunner cost prices update --provider {catalog.provider}`"
    )


class Catalogs:
    """The catalogs of every provider, loaded on first use."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home
        self._loaded: dict[str, Catalog] = {}

    def __getitem__(self, provider: str) -> Catalog:
        catalog = self._loaded.get(provider)
        if catalog is None:
            catalog = self._loaded[provider] = load_catalog(provider, self.home)
        return catalog
