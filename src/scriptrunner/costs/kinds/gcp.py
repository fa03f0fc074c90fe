"""GCP resource kinds: ``gcp.compute``, ``gcp.storage``, ``gcp.sql``.

Compute Engine bills a predefined machine type as its vCPUs and its memory, each at the
family's rate (``e2-standard-2`` = 2 E2 vCPU-hours + 8 E2 GB-hours per hour), so a machine
type is two line items; the catalog's ``shapes`` give the sizes.

Sustained use discounts (SUDs) are applied to the families Google grants them to
(:data:`SUSTAINED_USE`): each quarter of a month a machine runs past the first is billed at
a lower incremental rate, so N1 run for a whole month costs 30 % less and N2 19.825 % less.
Each discounted quarter is its own negative line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Discount, Resource, Usage, ratio
from scriptrunner.costs.catalog import Catalog, close_names
from scriptrunner.costs.kinds.base import Kind
from scriptrunner.costs.kinds.fields import (
    COUNT_MAX,
    GB_MAX,
    HOURS_MAX,
    HOURS_PER_MONTH,
    MEMORY_GB_MAX,
    REQUESTS_MAX,
    VCPU_MAX,
    Fields,
    names,
)
from scriptrunner.errors import PriceError

GCS_CLASSES = names("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
DISKS = names("ssd", "hdd")

SUD_SOURCE = "https://cloud.google.com/compute/docs/sustained-use-discounts"
_N1_RATES = (Decimal("0.2"), Decimal("0.4"), Decimal("0.6"))
_N2_RATES = (Decimal("0.1322"), Decimal("0.2643"), Decimal("0.3965"))
#: Sustained use discounts by machine family (``SUD_SOURCE``): the discount off the base rate
#: of the hours in the 2nd, 3rd and 4th quarter of a month (the 1st is at the base rate).
#: N1, M1, M2: incremental rates 100 / 80 / 60 / 40 % of base, 30 % off a whole month.
#: N2, N2D, C2: 100 / 86.78 / 73.57 / 60.35 %, 19.825 % ("up to 20 %") off a whole month.
#: Other families (E2, ...) get none.
SUSTAINED_USE: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    "n1": _N1_RATES,
    "m1": _N1_RATES,
    "m2": _N1_RATES,
    "n2": _N2_RATES,
    "n2d": _N2_RATES,
    "c2": _N2_RATES,
}
_QUARTER = HOURS_PER_MONTH / 4


def _compute_parse(f: Fields) -> dict[str, Any]:
    return {
        "machine_type": f.text("machine_type"),
        "hours": f.number("hours", HOURS_MAX, default=HOURS_PER_MONTH),
        "count": f.number("count", COUNT_MAX, default=Decimal(1), integer=True),
        "sustained_use": f.flag("sustained_use", default=True),
    }


def quarter_hours(hours: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Of ``hours`` of one machine (whole 730-hour months first, then the rest of one),
    how many fall in the 2nd, 3rd and 4th quarter of their month."""
    months, rest = divmod(hours, HOURS_PER_MONTH)
    return (
        months * _QUARTER + min(max(rest - _QUARTER, Decimal(0)), _QUARTER),
        months * _QUARTER + min(max(rest - 2 * _QUARTER, Decimal(0)), _QUARTER),
        months * _QUARTER + max(rest - 3 * _QUARTER, Decimal(0)),
    )


def sustained_use_usages(per_hour: list[Usage], hours: Decimal, count: Decimal) -> list[Usage]:
    """The discount lines of ``count`` machines running ``hours`` each, given one machine's
    vCPU and memory usage in one hour: one line per discounted quarter and resource, none
    if the family gets no sustained use discount or a machine runs a quarter of a month or
    less."""
    out: list[Usage] = []
    for u in per_hour:
        rates = SUSTAINED_USE.get(u.name)
        if rates is None:
            continue
        what = "vCPU" if u.suffix == "/core" else "memory"
        for quarter, (h, rate) in enumerate(zip(quarter_hours(hours), rates, strict=True), 2):
            if not h:
                continue
            pct = f"{rate * 100:f}".rstrip("0").rstrip(".")
            discount = Discount(
                "sustained-use",
                rate,
                f"{u.name.upper()} {what} sustained use discount: hours in quarter {quarter} "
                f"of a month are billed {pct}% below the base rate",
                SUD_SOURCE,
            )
            out.append(u._replace(quantity=u.quantity * h * count, discount=discount))
    return out


def machine_usages(machine_type: str, hours: Decimal, catalog: Catalog, where: str) -> list[Usage]:
    """The vCPU and memory usage of ``hours`` of ``machine_type``."""
    shape = catalog.shapes.get(machine_type)
    if shape is None:
        raise PriceError(
            f"{where}: unknown Compute Engine machine type {machine_type!r}; closest: "
            + ", ".join(close_names(machine_type, catalog.shapes))
        )
    family = machine_type.split("-", 1)[0]
    label = "machine family"
    return [
        Usage("compute/", family, "/core", shape.vcpu * hours, "compute", "machine_type", label),
        Usage(
            "compute/", family, "/ram", shape.memory_gb * hours, "compute", "machine_type", label
        ),
    ]


def _compute_usages(r: Resource, catalog: Catalog) -> list[Usage]:
    p = r.params
    where = f"{r.path}.machine_type"
    hours, count = p["hours"], p["count"]
    per_hour = machine_usages(p["machine_type"], Decimal(1), catalog, where)
    usages = [u._replace(quantity=u.quantity * hours * count) for u in per_hour]
    if p.get("sustained_use", True):
        usages += sustained_use_usages(per_hour, hours, count)
    return usages


def _storage_parse(f: Fields) -> dict[str, Any]:
    return {
        "storage_gb_month": f.per_class("storage_gb_month", GCS_CLASSES, GB_MAX),
        "operations": f.per_class_ops(
            "operations", GCS_CLASSES, ("class_a", "class_b"), REQUESTS_MAX
        ),
        "retrieval_gb": f.per_class("retrieval_gb", GCS_CLASSES, GB_MAX),
        "egress_gb": f.number("egress_gb", GB_MAX, default=Decimal(0)),
    }


def _storage_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    label = "Cloud Storage class"
    out: list[Usage] = []
    for cls, gb in p["storage_gb_month"].items():
        out.append(
            Usage("storage/", cls, "/storage", gb, "storage", f"storage_gb_month.{cls}", label)
        )
    for cls, ops in p["operations"].items():
        for op, n in ops.items():
            suffix = "/" + op.replace("_", "-")
            out.append(
                Usage("storage/", cls, suffix, n, "storage", f"operations.{cls}.{op}", label)
            )
    for cls, gb in p["retrieval_gb"].items():
        out.append(
            Usage("storage/", cls, "/retrieval", gb, "storage", f"retrieval_gb.{cls}", label)
        )
    if p["egress_gb"]:
        out.append(
            Usage("network/", "internet-egress", "", p["egress_gb"], "network", "egress_gb", "")
        )
    return out


def _sql_parse(f: Fields) -> dict[str, Any]:
    params = {
        "vcpus": f.number("vcpus", VCPU_MAX),
        "memory_gb": f.number("memory_gb", MEMORY_GB_MAX),
        "storage_gb": f.number("storage_gb", GB_MAX, default=Decimal(0)),
        "storage_type": f.choice("storage_type", DISKS, default="ssd"),
        "high_availability": f.flag("high_availability"),
        "hours": f.number("hours", HOURS_MAX, default=HOURS_PER_MONTH),
    }
    if params["vcpus"] == 0:
        raise PriceError(f"{f.at('vcpus')}: a Cloud SQL instance has at least 1 vCPU")
    return params


def _sql_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    avail = "ha" if p["high_availability"] else "zonal"
    hours = p["hours"]
    out = [
        Usage("sql/", avail, "/core", p["vcpus"] * hours, "database", "vcpus", ""),
        Usage("sql/", avail, "/ram", p["memory_gb"] * hours, "database", "memory_gb", ""),
    ]
    if p["storage_gb"]:
        gb_months = ratio(p["storage_gb"] * hours, HOURS_PER_MONTH)
        suffix = f"/storage/{p['storage_type']}"
        out.append(Usage("sql/", avail, suffix, gb_months, "database", "storage_gb", ""))
    return out


KINDS = (
    Kind(
        "gcp.compute",
        "gcp",
        "Compute Engine: machine_type, hours, count, sustained_use",
        _compute_parse,
        _compute_usages,
    ),
    Kind(
        "gcp.storage",
        "gcp",
        "Cloud Storage: storage_gb_month per class, operations {class: {class_a, class_b}}, "
        "retrieval_gb, egress_gb",
        _storage_parse,
        _storage_usages,
    ),
    Kind(
        "gcp.sql",
        "gcp",
        "Cloud SQL (Enterprise): vcpus, memory_gb, storage_gb, storage_type, "
        "high_availability, hours",
        _sql_parse,
        _sql_usages,
    ),
)
