"""Actual AWS spend from Cost Explorer (``ce:GetCostAndUsage``), beside the estimates.

Amounts stay exact decimals (Cost Explorer sends them as strings).  Grouping by a tag
gives keys such as ``team$web``; the tag name is stripped, and ``team$`` (resources
without the tag) is reported as ``untagged``, as estimates do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scriptrunner.costs.allocate import UNTAGGED
from scriptrunner.errors import PriceError

GRANULARITIES = ("DAILY", "MONTHLY")
METRICS = ("UnblendedCost", "BlendedCost", "AmortizedCost", "NetUnblendedCost")
_DIMENSIONS = {"service": "SERVICE", "region": "REGION", "account": "LINKED_ACCOUNT"}


@dataclass(frozen=True, slots=True)
class ActualCost:
    """Spend in one period (and group, when grouped)."""

    start: dt.date
    end: dt.date
    group: str
    amount: Decimal
    unit: str
    estimated: bool


def group_definition(by: str | None) -> list[dict[str, str]]:
    if by is None:
        return []
    if by in _DIMENSIONS:
        return [{"Type": "DIMENSION", "Key": _DIMENSIONS[by]}]
    if by.startswith("tag:") and by[4:].strip():
        return [{"Type": "TAG", "Key": by[4:].strip()}]
    raise PriceError(f"--by {by!r}: expected one of {', '.join(_DIMENSIONS)} or tag:KEY")


def _group_name(key: str, by: str | None) -> str:
    if by is not None and by.startswith("tag:"):
        _, _, value = key.partition("$")
        return value or UNTAGGED
    return key


class CostExplorer:
    """The Cost Explorer API through boto3 (``endpoint`` for a stand-in such as moto)."""

    def __init__(self, client: Any = None, *, endpoint: str | None = None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:
                raise PriceError(
                    "Cost Explorer actuals need boto3: pip install 'scriptrunner[aws]'"
                ) from exc
            # Cost Explorer has one endpoint, in us-east-1, for every account.
            client = boto3.client("ce", region_name="us-east-1", endpoint_url=endpoint)
        self.client = client

    def get_cost_and_usage(
        self,
        start: dt.date,
        end: dt.date,
        *,
        granularity: str = "DAILY",
        metric: str = "UnblendedCost",
        by: str | None = None,
    ) -> list[ActualCost]:
        """Spend from ``start`` (inclusive) to ``end`` (exclusive), every page of it."""
        if granularity not in GRANULARITIES:
            raise PriceError(f"granularity {granularity!r}: expected {', '.join(GRANULARITIES)}")
        if metric not in METRICS:
            raise PriceError(f"metric {metric!r}: expected one of {', '.join(METRICS)}")
        if end <= start:
            raise PriceError(f"the period {start}..{end} is empty: the end must be after the start")
        from botocore.exceptions import BotoCoreError, ClientError

        args: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": granularity,
            "Metrics": [metric],
        }
        groups = group_definition(by)
        if groups:
            args["GroupBy"] = groups
        out: list[ActualCost] = []
        while True:
            try:
                answer = self.client.get_cost_and_usage(**args)
            except (BotoCoreError, ClientError) as exc:
                raise PriceError(f"Cost Explorer: {exc}") from exc
            for period in answer.get("ResultsByTime", []):
                out += _period(period, metric, by)
            token = answer.get("NextPageToken")
            if not token:
                return out
            args["NextPageToken"] = token


def _period(period: dict[str, Any], metric: str, by: str | None) -> list[ActualCost]:
    span = period["TimePeriod"]
    start, end = dt.date.fromisoformat(span["Start"]), dt.date.fromisoformat(span["End"])
    estimated = bool(period.get("Estimated", False))
    if period.get("Groups"):
        return [
            ActualCost(
                start,
                end,
                _group_name(str(group["Keys"][0]), by),
                Decimal(str(group["Metrics"][metric]["Amount"])),
                str(group["Metrics"][metric].get("Unit", "USD")),
                estimated,
            )
            for group in period["Groups"]
        ]
    total = (period.get("Total") or {}).get(metric)
    if total is None:
        return []
    return [
        ActualCost(
            start,
            end,
            "total",
            Decimal(str(total["Amount"])),
            str(total.get("Unit", "USD")),
            estimated,
        )
    ]
