"""GCP resource kinds: ``gcp.compute``, ``gcp.storage``, ``gcp.sql``.

Compute Engine bills a predefined machine type as its vCPUs and its memory, each at the
family's rate (``e2-standard-2`` = 2 E2 vCPU-hours + 8 E2 GB-hours per hour), so a machine
type is two line items; the catalog's ``shapes`` give the sizes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Resource, Usage, ratio
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


def _compute_parse(f: Fields) -> dict[str, Any]:
    return {
        "machine_type": f.text("machine_type"),
        "hours": f.number("hours", HOURS_MAX, default=HOURS_PER_MONTH),
        "count": f.number("count", COUNT_MAX, default=Decimal(1), integer=True),
    }


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
    return machine_usages(p["machine_type"], p["hours"] * p["count"], catalog, where)


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
        "Compute Engine: machine_type, hours, count",
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
