"""Refreshing catalog prices from a provider's public price API.

A :class:`PriceFeed` looks up the current price of catalog entries it has a rule for; the
refresh keeps every other entry as it was (with its old ``as_of``) and says so.  Nothing
here runs unless the user asks (``cost prices update``): the network is opt-in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from scriptrunner.costs.base import QUANTUM, Price, Tier
from scriptrunner.errors import PriceError

TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Found:
    """What an API says a price is now: tiers of (start, usd per our unit)."""

    tiers: tuple[Tier, ...]
    source: str
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class Missed:
    """Why an entry was not refreshed: no rule for it, not in the API, or ambiguous."""

    region: str
    key: str
    reason: str


class PriceFeed(Protocol):
    """A provider's price API."""

    def lookup(self, price: Price) -> Found | Missed:
        """The current price of the catalog entry ``price``."""
        ...


@dataclass(frozen=True, slots=True)
class RefreshResult:
    prices: tuple[Price, ...]
    changed: tuple[tuple[Price, Price], ...]
    confirmed: int
    missed: tuple[Missed, ...]


def refresh(
    prices: Sequence[Price], feed: PriceFeed, *, today: dt.date, region: str | None = None
) -> RefreshResult:
    """Look every entry (of ``region``, if given) up in ``feed``; keep the rest as they are."""
    out: list[Price] = []
    changed: list[tuple[Price, Price]] = []
    missed: list[Missed] = []
    confirmed = 0
    for old in prices:
        if region is not None and old.region != region:
            out.append(old)
            continue
        found = feed.lookup(old)
        if isinstance(found, Missed):
            missed.append(found)
            out.append(old)
            continue
        tiers = found.tiers if len(found.tiers) > 1 else ()
        new = dataclasses.replace(
            old,
            usd=found.tiers[0].usd,
            tiers=tiers,
            as_of=today,
            source=found.source,
            sku=found.sku or old.sku,
        )
        if (new.usd, new.tiers) != (old.usd, old.tiers):
            changed.append((old, new))
        else:
            confirmed += 1
        out.append(new)
    return RefreshResult(tuple(out), tuple(changed), confirmed, tuple(missed))


def tiers_from(pairs: Sequence[tuple[Decimal, Decimal]]) -> tuple[Tier, ...]:
    """``(start, usd)`` pairs, sorted, as tiers (the first must start at 0)."""
    ordered = sorted(pairs)
    if not ordered or ordered[0][0] != 0:
        raise ValueError("tiers must start at 0")
    # The catalog keeps at most 20 places (a converted $0.1/hour per second has more).
    return tuple(Tier(start, usd.quantize(QUANTUM).normalize()) for start, usd in ordered)


def safe(url: str) -> str:
    """``url`` without its query (which may hold an API key), for messages."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def get_json(url: str, *, timeout: float = TIMEOUT) -> Any:
    """GET ``url`` and parse JSON; errors say which URL (without its query) failed."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "scriptrunner-cost"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise PriceError(f"{safe(url)}: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PriceError(f"cannot reach {safe(url)}: {reason}") from exc
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise PriceError(f"{safe(url)}: the answer is not JSON: {exc}") from exc


def same_origin(base: str, link: str) -> bool:
    """Follow paging links only to the host we were pointed at."""
    a, b = urllib.parse.urlsplit(base), urllib.parse.urlsplit(link)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
