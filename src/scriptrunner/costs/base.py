"""The cost model's values and its one extension point, :class:`PriceSource`.

Money is :class:`~decimal.Decimal` from catalog to total: a catalog price is a decimal string
(``"0.0000166667"``), a line's cost is ``quantity * unit price`` computed exactly, and every
sum (a total, a breakdown group) is exact too, so the groups of a breakdown add up to the
total to the last digit.  Only a division (hours from seconds, GB-months from hours) rounds,
to :data:`QUANTITY_DIGITS` significant digits, and the rounded quantity is the one shown.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import Any, Literal, NamedTuple, Protocol

from scriptrunner.errors import PriceError

__all__ = [
    "COMPONENTS",
    "Component",
    "Discount",
    "LineItem",
    "Price",
    "PriceError",
    "PriceSource",
    "Resource",
    "Tier",
    "Usage",
    "exact",
    "ratio",
]

Component = Literal["compute", "storage", "network", "database", "other"]
COMPONENTS: tuple[Component, ...] = ("compute", "storage", "network", "database", "other")

#: Significant digits kept by a division that does not terminate (seconds / 3600).
QUANTITY_DIGITS = 20
#: Every quantity is rounded to this many decimal places before it is priced, and no price
#: has more (the catalog loader refuses them): a fixed exponent is what keeps sums exact.
PLACES = 20
QUANTUM = Decimal(1).scaleb(-PLACES)
#: Enough digits that no product or sum of this model ever rounds (see ``exact``).
EXACT_DIGITS = 80
_DIVIDE = Context(prec=QUANTITY_DIGITS)
ZERO = Decimal(0)


@contextmanager
def exact() -> Iterator[None]:
    """Decimal arithmetic that does not round.

    A quantity is at most 10^15 with 20 places (35 digits), a price at most 10^4 with 20
    places (24 digits), so a cost has at most 59 digits with 40 places, and a sum of up to
    10^6 of them at most 65: well inside 80.
    """
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        yield


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Pause the cycle collector while building many acyclic objects.

    An estimate of 100k resources makes ~1M tuples and Decimals, none in a cycle, and the
    collector's passes over the growing heap took 40% of the time (``bench/``).  The
    collector is process-wide: it is re-enabled only if it was enabled on entry.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` rounded to :data:`QUANTITY_DIGITS` significant digits."""
    return _DIVIDE.divide(numerator, denominator)


@dataclass(frozen=True, slots=True)
class Tier:
    """A volume tier: ``usd`` per unit for the quantity above ``start`` (in the price's unit)."""

    start: Decimal
    usd: Decimal


@dataclass(frozen=True, slots=True)
class Price:
    """One published on-demand list price, with where and when it was read."""

    provider: str
    region: str
    key: str
    description: str
    unit: str
    usd: Decimal
    as_of: dt.date
    source: str
    #: Volume tiers (the first starts at 0 with ``usd``); empty for a flat price.
    tiers: tuple[Tier, ...] = ()
    currency: str = "USD"
    sku: str | None = None

    def split(self, quantity: Decimal) -> list[tuple[Decimal, Decimal]]:
        """``(quantity, unit price)`` per tier touched by ``quantity`` (one pair if flat)."""
        if not self.tiers:
            return [(quantity, self.usd)]
        parts: list[tuple[Decimal, Decimal]] = []
        for i, tier in enumerate(self.tiers):
            if quantity <= tier.start and i:
                break
            end = self.tiers[i + 1].start if i + 1 < len(self.tiers) else None
            top = quantity if end is None else min(quantity, end)
            parts.append((top - tier.start, tier.usd))
        return parts


class PriceSource(Protocol):
    """Where prices come from: the bundled or refreshed catalogs, or a test's table."""

    def price(self, resource: str, region: str, at: dt.date | None = None) -> Price:
        """The price of catalog key ``resource`` in ``region`` (in force at ``at``: ``None``
        means the newest known).  Raises :class:`PriceError` if it is not known: a
        missing price is never $0."""
        ...


@dataclass(frozen=True, slots=True)
class Resource:
    """One priced thing from a manifest or a profile: a kind, where, its fields and labels."""

    name: str
    kind: str
    provider: str
    region: str
    #: Validated fields of the kind (quantities are Decimal).
    params: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    #: ``{tag key: {value: weight}}``: the cost is split over these values by weight.
    shared: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    #: Where it was defined, for messages: ``resources[3]``.
    path: str = ""


@dataclass(frozen=True, slots=True)
class Discount:
    """A published discount off a catalog price, priced as its own line: ``quantity x
    -(fraction x unit price)``.  The line's key is the price's key + ``/`` + ``name``, its
    description and source say which rule it applies (e.g. GCP's sustained use discounts)."""

    name: str
    #: 0.2 is 20 % off the price.
    fraction: Decimal
    description: str
    source: str

    def applied_to(self, price: Price) -> Price:
        """The negative "price" of this discount on ``price`` (its first tier if tiered)."""
        return Price(
            provider=price.provider,
            region=price.region,
            key=f"{price.key}/{self.name}",
            description=self.description,
            unit=price.unit,
            usd=-(self.fraction * price.usd),
            as_of=price.as_of,
            source=self.source,
        )


class Usage(NamedTuple):
    """What a resource consumes of one price: ``quantity`` of catalog key
    ``prefix + name + suffix``.  ``name`` is the user's word (an instance type) and
    ``field`` where they wrote it, so an unknown one is reported with the closest valid
    names from the catalog.  (A named tuple, like :class:`LineItem`, for speed.)"""

    prefix: str
    name: str
    suffix: str
    quantity: Decimal
    component: Component
    field: str
    #: What ``name`` is, for messages: "EC2 instance type".
    label: str
    #: Set: this usage is a discount on the price of ``key`` (a negative line), not a charge.
    discount: Discount | None = None

    @property
    def key(self) -> str:
        return self.prefix + self.name + self.suffix


class LineItem(NamedTuple):
    """``quantity x unit_usd = cost_usd`` of one resource on one price (tier).

    A named tuple rather than a dataclass: an estimate of 100k resources makes a few
    hundred thousand of these, and a tuple is built four times faster (``bench/``).
    """

    resource: Resource
    component: Component
    price: Price
    quantity: Decimal
    unit_usd: Decimal
    cost_usd: Decimal

    @property
    def provider(self) -> str:
        return self.resource.provider

    @property
    def region(self) -> str:
        return self.resource.region

    @property
    def tags(self) -> Mapping[str, str]:
        return self.resource.tags
