"""Azure resource kinds: ``azure.vm``, ``azure.blob``, ``azure.sql``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Resource, Usage, ratio
from scriptrunner.costs.catalog import Catalog
from scriptrunner.costs.kinds.base import Kind
from scriptrunner.costs.kinds.fields import (
    COUNT_MAX,
    GB_MAX,
    HOURS_MAX,
    HOURS_PER_MONTH,
    REQUESTS_MAX,
    VCPU_MAX,
    Fields,
    names,
)
from scriptrunner.errors import PriceError

BLOB_TIERS = names("hot", "cool", "archive")
SQL_TIERS = names("general-purpose", general_purpose="general-purpose", gp="general-purpose")
SQL_COMPUTE = names("provisioned", "serverless")
#: vCore-seconds in 100 years of one vCore: more is a unit mistake.
VCORE_SECONDS_MAX = VCPU_MAX * HOURS_MAX * 3600


def _vm_parse(f: Fields) -> dict[str, Any]:
    return {
        "size": f.text("size"),
        "hours": f.number("hours", HOURS_MAX, default=HOURS_PER_MONTH),
        "count": f.number("count", COUNT_MAX, default=Decimal(1), integer=True),
    }


def _vm_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    return [
        Usage("vm/", p["size"], "", p["hours"] * p["count"], "compute", "size", "Azure VM size")
    ]


def _blob_parse(f: Fields) -> dict[str, Any]:
    return {
        "storage_gb_month": f.per_class("storage_gb_month", BLOB_TIERS, GB_MAX),
        "operations": f.per_class_ops("operations", BLOB_TIERS, ("write", "read"), REQUESTS_MAX),
        "retrieval_gb": f.per_class("retrieval_gb", BLOB_TIERS, GB_MAX),
    }


def _blob_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    label = "Blob access tier"
    out: list[Usage] = []
    for tier, gb in p["storage_gb_month"].items():
        out.append(
            Usage("blob/", tier, "/storage", gb, "storage", f"storage_gb_month.{tier}", label)
        )
    for tier, ops in p["operations"].items():
        for op, n in ops.items():
            out.append(
                Usage("blob/", tier, f"/{op}", n, "storage", f"operations.{tier}.{op}", label)
            )
    for tier, gb in p["retrieval_gb"].items():
        out.append(Usage("blob/", tier, "/retrieval", gb, "storage", f"retrieval_gb.{tier}", label))
    return out


def _sql_parse(f: Fields) -> dict[str, Any]:
    compute = f.choice("compute", SQL_COMPUTE, default="provisioned")
    params: dict[str, Any] = {
        "tier": f.choice("tier", SQL_TIERS, default="general-purpose"),
        "compute": compute,
        "hours": f.number("hours", HOURS_MAX, default=HOURS_PER_MONTH),
        "storage_gb": f.number("storage_gb", GB_MAX, default=Decimal(0)),
    }
    if compute == "provisioned":
        params["vcores"] = f.number("vcores", VCPU_MAX)
        if params["vcores"] == 0:
            raise PriceError(f"{f.at('vcores')}: a provisioned database has at least 1 vCore")
    else:
        params["vcore_seconds"] = f.number("vcore_seconds", VCORE_SECONDS_MAX)
    return params


def _sql_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    tier = p["tier"]
    if p["compute"] == "provisioned":
        out = [
            Usage("sql/", tier, "/vcore", p["vcores"] * p["hours"], "database", "tier", "SQL tier")
        ]
    else:
        out = [Usage("sql/", "serverless", "/vcore", p["vcore_seconds"], "database", "compute", "")]
    if p["storage_gb"]:
        gb_months = ratio(p["storage_gb"] * p["hours"], HOURS_PER_MONTH)
        out.append(Usage("sql/", tier, "/storage", gb_months, "database", "storage_gb", "SQL tier"))
    return out


KINDS = (
    Kind(
        "azure.vm", "azure", "Virtual Machines (Linux): size, hours, count", _vm_parse, _vm_usages
    ),
    Kind(
        "azure.blob",
        "azure",
        "Blob Storage (LRS): storage_gb_month per tier, operations {tier: {write, read}}, "
        "retrieval_gb",
        _blob_parse,
        _blob_usages,
    ),
    Kind(
        "azure.sql",
        "azure",
        "SQL Database (vCore, General Purpose): compute provisioned (vcores, hours) or "
        "serverless (vcore_seconds), storage_gb",
        _sql_parse,
        _sql_usages,
    ),
)
