"""Checked reading of a resource's fields: every error names the field path.

Quantities become :class:`~decimal.Decimal`.  A negative quantity is refused, and so is an
absurd one (more than the limit given for the field, e.g. 100 years of hours), which is
almost always a unit mistake; the message says which field and what the limit is.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from scriptrunner.costs.catalog import close_names
from scriptrunner.errors import PriceError

#: Upper limits for quantities; each is far beyond any real bill.
HOURS_MAX = Decimal(876_000)  # 100 years
COUNT_MAX = Decimal(100_000)
GB_MAX = Decimal(10) ** 9  # an exabyte
REQUESTS_MAX = Decimal(10) ** 15
GB_SECONDS_MAX = Decimal(10) ** 14
VCPU_MAX = Decimal(1024)
MEMORY_GB_MAX = Decimal(65_536)
#: Hours in the month prices are quoted for (AWS, Azure and GCP all use 730).
HOURS_PER_MONTH = Decimal(730)


def to_decimal(value: Any, where: str) -> Decimal:
    """A JSON/YAML number as an exact Decimal; anything else is an error naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PriceError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PriceError(f"{where}: expected a finite number, got {value!r}")
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except ArithmeticError:
            raise PriceError(f"{where}: expected a number, got {value!r}") from None
        if not number.is_finite():
            raise PriceError(f"{where}: expected a finite number, got {value!r}")
        return number
    return Decimal(value)


def quantity(value: Any, where: str, limit: Decimal, *, integer: bool = False) -> Decimal:
    """A non-negative quantity no larger than ``limit``."""
    number = to_decimal(value, where)
    if number < 0:
        raise PriceError(f"{where}: {value!r} is negative; quantities must be 0 or more")
    if number > limit:
        raise PriceError(
            f"{where}: {value!r} is absurdly large (the limit is {limit:,}); check the unit"
        )
    if integer and number != number.to_integral_value():
        raise PriceError(f"{where}: expected a whole number, got {value!r}")
    return number


class Fields:
    """The fields of one resource (``raw``) at ``path`` (``resources[3]``)."""

    def __init__(self, raw: Mapping[str, Any], path: str, defaults: Mapping[str, Any]) -> None:
        self.raw = raw
        self.path = path
        self.defaults = defaults
        self.used: set[str] = set()

    def at(self, name: str) -> str:
        return f"{self.path}.{name}"

    def missing(self, name: str) -> PriceError:
        """The error for a required field, pointing at a likely misspelling of it."""
        strays = [str(k) for k in self.raw if str(k) != name]
        near = difflib.get_close_matches(name, strays, n=1, cutoff=0.75)
        hint = f" (is {near[0]!r} a misspelling of it?)" if near else ""
        return PriceError(f"{self.at(name)}: required{hint}")

    def get(self, name: str) -> Any:
        self.used.add(name)
        if name in self.raw:
            return self.raw[name]
        return self.defaults.get(name)

    def text(self, name: str, *, default: str | None = None) -> str:
        value = self.get(name)
        if value is None:
            if default is not None:
                return default
            raise self.missing(name)
        if not isinstance(value, str) or not value.strip():
            raise PriceError(f"{self.at(name)}: expected text, got {value!r}")
        return value.strip()

    def choice(self, name: str, choices: Mapping[str, str], *, default: str | None = None) -> str:
        """One of ``choices`` (aliases -> canonical name), case-insensitively."""
        word = self.text(name, default=default)
        found = choices.get(word.lower())
        if found is None:
            valid = sorted(set(choices.values()))
            raise PriceError(
                f"{self.at(name)}: unknown value {word!r}; closest: "
                + ", ".join(close_names(word, valid, 3))
                + f" (valid: {', '.join(valid)})"
            )
        return found

    def number(
        self, name: str, limit: Decimal, *, default: Decimal | None = None, integer: bool = False
    ) -> Decimal:
        value = self.get(name)
        if value is None:
            if default is None:
                raise self.missing(name)
            return default
        return quantity(value, self.at(name), limit, integer=integer)

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise PriceError(f"{self.at(name)}: expected true or false, got {value!r}")
        return value

    def per_class(
        self, name: str, classes: Mapping[str, str], limit: Decimal
    ) -> dict[str, Decimal]:
        """``{class: quantity}``, e.g. GB-months per storage class."""
        value = self.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise PriceError(f"{self.at(name)}: expected a mapping of class to quantity")
        result: dict[str, Decimal] = {}
        for cls, amount in value.items():
            where = f"{self.at(name)}.{cls}"
            canonical = _class(str(cls), classes, where)
            result[canonical] = quantity(amount, where, limit)
        return result

    def per_class_ops(
        self, name: str, classes: Mapping[str, str], ops: Iterable[str], limit: Decimal
    ) -> dict[str, dict[str, Decimal]]:
        """``{class: {operation: count}}``, e.g. requests per storage class."""
        value = self.get(name)
        if value is None:
            return {}
        allowed = tuple(ops)
        if not isinstance(value, dict):
            raise PriceError(
                f"{self.at(name)}: expected {{class: {{{', '.join(allowed)}: count}}}}"
            )
        result: dict[str, dict[str, Decimal]] = {}
        for cls, counts in value.items():
            where = f"{self.at(name)}.{cls}"
            canonical = _class(str(cls), classes, where)
            if not isinstance(counts, dict):
                raise PriceError(f"{where}: expected a mapping of {', '.join(allowed)} to counts")
            per: dict[str, Decimal] = {}
            for op, count in counts.items():
                if op not in allowed:
                    raise PriceError(
                        f"{where}.{op}: unknown operation; closest: "
                        + ", ".join(close_names(str(op), allowed, 2))
                    )
                per[op] = quantity(count, f"{where}.{op}", limit, integer=True)
            result[canonical] = per
        return result

    def finish(self, common: Iterable[str]) -> None:
        """Refuse fields the kind does not know (a typo would otherwise cost $0)."""
        known = self.used | set(common)
        for name in self.raw:
            if name not in known:
                raise PriceError(
                    f"{self.at(str(name))}: unknown field; closest: "
                    + ", ".join(close_names(str(name), sorted(known), 3))
                )


def _class(word: str, classes: Mapping[str, str], where: str) -> str:
    found = classes.get(word.lower())
    if found is None:
        valid = sorted(set(classes.values()))
        raise PriceError(
            f"{where}: unknown class {word!r}; closest: "
            + ", ".join(close_names(word, valid, 3))
            + f" (valid: {', '.join(valid)})"
        )
    return found


def names(*canonical: str, **aliases: str) -> dict[str, str]:
    """A lower-cased lookup table of canonical names plus aliases."""
    table = {name.lower(): name for name in canonical}
    table.update({alias.lower(): name for alias, name in aliases.items()})
    return table
