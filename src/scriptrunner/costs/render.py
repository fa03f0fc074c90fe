"""Estimates as text tables, JSON and CSV (strings; only the CLI prints).

JSON and CSV carry money and quantities as exact decimal strings (as AWS Cost Explorer
does), so a consumer can re-add them without float drift; tables round for reading.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scriptrunner.costs.allocate import Breakdown
from scriptrunner.costs.base import LineItem
from scriptrunner.costs.estimate import Estimate
from scriptrunner.display import shown

FORMATS = ("table", "json", "csv")
LINE_FIELDS = (
    "resource",
    "kind",
    "provider",
    "region",
    "component",
    "key",
    "description",
    "quantity",
    "unit",
    "unit_usd",
    "cost_usd",
    "tags",
    "as_of",
    "source",
)


def exact_text(value: Decimal) -> str:
    """``value`` in plain notation without trailing zeros: ``"0.0000166667"``, ``"70.08"``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _significant(value: Decimal, digits: int) -> str:
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return exact_text(value.quantize(quantum))


def fmt_usd(value: Decimal) -> str:
    """Cents for amounts of a cent or more; three significant digits below a cent.  A
    negative amount (a discount) is ``-$2.31``."""
    if value == 0:
        return "$0.00"
    sign = "-" if value < 0 else ""
    if abs(value) >= Decimal("0.01"):
        return f"{sign}${abs(value):,.2f}"
    return f"{sign}${_significant(abs(value), 3)}"


def unit_usd(value: Decimal) -> str:
    """A unit price exactly: ``$0.0000166667``; a discount's ``-$0.0063222``."""
    return f"-${exact_text(-value)}" if value < 0 else f"${exact_text(value)}"


def fmt_quantity(value: Decimal) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1:
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        return text
    return _significant(value, 4)


def line_dict(line: LineItem) -> dict[str, Any]:
    r, p = line.resource, line.price
    return {
        "resource": r.name,
        "kind": r.kind,
        "provider": r.provider,
        "region": r.region,
        "component": line.component,
        "key": p.key,
        "description": p.description,
        "quantity": exact_text(line.quantity),
        "unit": p.unit,
        "unit_usd": exact_text(line.unit_usd),
        "cost_usd": exact_text(line.cost_usd),
        "tags": dict(r.tags),
        "as_of": p.as_of.isoformat(),
        "source": p.source,
    }


def breakdown_dict(b: Breakdown) -> dict[str, Any]:
    return {
        "by": b.by,
        "total_usd": exact_text(b.total),
        "groups": [
            {
                "name": g.name,
                "cost_usd": exact_text(g.cost_usd),
                "share": _share(g.cost_usd, b.total),
            }
            for g in b.groups
        ],
    }


def _share(part: Decimal, total: Decimal) -> float:
    return round(float(part / total), 6) if total else 0.0


def to_json(est: Estimate, b: Breakdown) -> str:
    doc = {
        "currency": "USD",
        "total_usd": exact_text(est.total),
        "resources": len(est.resources),
        "line_items": [line_dict(line) for line in est.lines],
        "breakdown": breakdown_dict(b),
        "catalogs": [
            {
                "provider": c.provider,
                "origin": c.origin,
                "version": c.version,
                "oldest_as_of": c.oldest_as_of.isoformat(),
            }
            for c in est.catalogs
        ],
        "warnings": list(est.warnings),
    }
    return json.dumps(doc, indent=2) + "\n"


def lines_csv(lines: Sequence[LineItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINE_FIELDS)
    for line in lines:
        row = line_dict(line)
        row["tags"] = ";".join(f"{k}={v}" for k, v in row["tags"].items())
        writer.writerow([row[f] for f in LINE_FIELDS])
    return out.getvalue()


def breakdown_csv(b: Breakdown) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("group", "cost_usd", "share"))
    for g in b.groups:
        writer.writerow((g.name, exact_text(g.cost_usd), _share(g.cost_usd, b.total)))
    return out.getvalue()


def _columns(table: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    # Resource names, tags and groups come from manifests: shown (control characters escaped).
    rows = [[shown(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def lines_table(lines: Sequence[LineItem]) -> str:
    """One row per line item: ``quantity unit x unit price = cost``."""
    rows = [
        [
            "RESOURCE",
            "REGION",
            "COMPONENT",
            "ITEM",
            "QUANTITY",
            "",
            "UNIT PRICE",
            "",
            "COST",
            "TAGS",
        ]
    ]
    for line in lines:
        r = line.resource
        rows.append(
            [
                r.name,
                f"{r.provider}:{r.region}",
                line.component,
                line.price.key,
                f"{fmt_quantity(line.quantity)} {line.price.unit}",
                "x",
                unit_usd(line.unit_usd),
                "=",
                fmt_usd(line.cost_usd),
                ",".join(f"{k}={v}" for k, v in r.tags.items()) or "-",
            ]
        )
    return "\n".join(_columns(rows, {4, 6, 8})) + "\n"


def breakdown_table(b: Breakdown) -> str:
    rows = [[b.by.upper(), "COST", "SHARE"]]
    for g in b.groups:
        rows.append([g.name, fmt_usd(g.cost_usd), f"{_share(g.cost_usd, b.total):.1%}"])
    rows.append(["total", fmt_usd(b.total), "100.0%" if b.total else "-"])
    return "\n".join(_columns(rows, {1, 2})) + "\n"


def to_table(est: Estimate, b: Breakdown, *, lines: bool = True) -> str:
    parts = []
    if lines and est.lines:
        parts.append(lines_table(est.lines))
    parts.append(breakdown_table(b))
    sources = shown(
        ", ".join(
            f"{c.provider} {c.version} (oldest price as of {c.oldest_as_of.isoformat()})"
            for c in est.catalogs
        )
    )
    parts.append(
        f"{len(est.resources)} resources, {len(est.lines)} line items, "
        f"total {fmt_usd(est.total)} USD" + (f"; catalogs: {sources}" if sources else "") + "\n"
    )
    return "\n".join(parts)
