"""Cost per run: a run's measured time priced against a cost profile (``--cost-profile``).

Profiles name what the run would occupy in a cloud::

    aws:m5.large              an EC2 instance (any catalog instance type)
    azure:Standard_D2s_v3     an Azure VM size
    gcp:e2-standard-2         a Compute Engine machine type (vCPU + memory line items)
    aws:lambda:1024MB         a Lambda function of that memory (x86_64; ``:arm64`` for Arm)
    ...@eu-west-1             in that region instead of the provider's default

An instance is held for the run's whole wall time (start to finish, retry waits included),
so its cost is ``wall hours x hourly price``.  A Lambda profile bills each attempt as one
request plus its duration, rounded up to the millisecond as Lambda does, in GB-seconds.
CPU seconds and peak memory are reported beside the cost as the share of the profile's
vCPUs and memory the run used (``cost.calculated`` event), which tells whether a smaller
size would do; they do not change the price of a machine that is held either way.
A run is priced at list prices: Lambda's free tier and GCP's sustained use discounts
depend on a whole month of the account's usage, which one run does not know.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scriptrunner.costs.base import Resource, ratio
from scriptrunner.costs.catalog import DEFAULT_MAX_AGE_DAYS, Catalogs, close_names
from scriptrunner.costs.estimate import Estimate, estimate
from scriptrunner.costs.kinds import DEFAULT_REGIONS
from scriptrunner.costs.render import exact_text
from scriptrunner.errors import PriceError
from scriptrunner.events import COST_CALCULATED, Event

if TYPE_CHECKING:
    from scriptrunner.results import RunResult
    from scriptrunner.store.recorder import Recorder

_INSTANCE_KINDS = {"aws": "aws.ec2", "azure": "azure.vm", "gcp": "gcp.compute"}
_INSTANCE_FIELD = {"aws.ec2": "instance_type", "azure.vm": "size", "gcp.compute": "machine_type"}


@dataclass(frozen=True, slots=True)
class CostProfile:
    """A parsed ``--cost-profile``: what a run is priced as."""

    text: str
    provider: str
    region: str
    kind: str
    #: Instance type / VM size / machine type; for Lambda the architecture.
    name: str
    memory_mb: int | None = None
    vcpu: Decimal | None = None
    memory_gb: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """A run's cost under a profile, with the line items and the event recorded for it."""

    profile: CostProfile
    estimate: Estimate
    event: Event

    @property
    def usd(self) -> Decimal:
        return self.estimate.total


def parse_profile(text: str, catalogs: Catalogs) -> CostProfile:
    """Check ``text`` against the catalog now, so a bad profile fails before the run."""
    where = f"--cost-profile {text!r}"
    body, _, region = text.partition("@")
    provider, sep, rest = body.partition(":")
    if not sep or not rest:
        raise PriceError(f"{where}: expected PROVIDER:NAME, e.g. aws:m5.large or gcp:e2-standard-2")
    if provider not in DEFAULT_REGIONS:
        raise PriceError(
            f"{where}: unknown provider {provider!r}; closest: "
            + ", ".join(close_names(provider, DEFAULT_REGIONS, 1))
        )
    catalog = catalogs[provider]
    region = region or catalog.default_region
    catalog.check_region(region, where)
    if provider == "aws" and rest.startswith("lambda:"):
        return _lambda_profile(text, where, region, rest[len("lambda:") :], catalogs)
    kind = _INSTANCE_KINDS[provider]
    shape = catalog.shapes.get(rest)
    if shape is None:
        raise PriceError(
            f"{where}: unknown {provider} {_INSTANCE_FIELD[kind].replace('_', ' ')} {rest!r}; "
            f"closest: {', '.join(close_names(rest, catalog.shapes))}"
        )
    profile = CostProfile(text, provider, region, kind, rest, None, shape.vcpu, shape.memory_gb)
    estimate(_resources(profile, Decimal(0), 0), catalogs)  # priced in this region?
    return profile


def _lambda_profile(
    text: str, where: str, region: str, spec: str, catalogs: Catalogs
) -> CostProfile:
    memory, _, arch = spec.partition(":")
    digits = memory.upper().removesuffix("MB")
    if not digits.isdigit() or not 128 <= int(digits) <= 10_240:
        raise PriceError(
            f"{where}: expected aws:lambda:MEMORYMB with 128-10240 MB, e.g. aws:lambda:1024MB"
        )
    arch = arch or "x86_64"
    if arch not in ("x86_64", "arm64"):
        raise PriceError(f"{where}: unknown Lambda architecture {arch!r}; valid: x86_64, arm64")
    mem_gb = ratio(Decimal(int(digits)), Decimal(1024))
    profile = CostProfile(text, "aws", region, "aws.lambda", arch, int(digits), None, mem_gb)
    estimate(_resources(profile, Decimal(0), 0), catalogs)
    return profile


def _resources(
    profile: CostProfile, hours: Decimal, attempts_ms: int, requests: int = 1
) -> list[Resource]:
    if profile.kind == "aws.lambda":
        assert profile.memory_mb is not None
        gb_seconds = ratio(Decimal(attempts_ms * profile.memory_mb), Decimal(1000 * 1024))
        params: dict[str, object] = {
            "requests": Decimal(requests),
            "gb_seconds": gb_seconds,
            "architecture": profile.name,
        }
    else:
        params = {_INSTANCE_FIELD[profile.kind]: profile.name, "hours": hours, "count": Decimal(1)}
        if profile.kind == "gcp.compute":
            # A sustained use discount depends on the month's usage of the whole billing
            # account, which one run does not know: a run is priced at the list price.
            params["sustained_use"] = False
    return [
        Resource(
            name=profile.text,
            kind=profile.kind,
            provider=profile.provider,
            region=profile.region,
            params=params,
            path="--cost-profile",
        )
    ]


def attribute(
    result: RunResult,
    profile: CostProfile,
    catalogs: Catalogs,
    *,
    today: dt.date | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Attribution:
    """Price ``result`` under ``profile``."""
    wall = Decimal(repr(result.duration))
    hours = ratio(wall, Decimal(3600))
    # Lambda rounds each invocation's duration up to the next millisecond.
    attempts_ms = sum(math.ceil(a.metrics.wall_seconds * 1000) for a in result.attempts)
    resources = _resources(profile, hours, attempts_ms, max(len(result.attempts), 1))
    est = estimate(resources, catalogs, today=today, max_age_days=max_age_days)
    m = result.metrics
    payload: dict[str, Any] = {
        "profile": profile.text,
        "provider": profile.provider,
        "region": profile.region,
        "usd": float(est.total),
        "usd_exact": exact_text(est.total),
        "basis": "lambda requests and GB-seconds" if profile.kind == "aws.lambda" else "wall time",
        "wall_seconds": result.duration,
        "cpu_seconds": m.cpu_seconds,
        "peak_rss_bytes": m.peak_rss_bytes,
        "lines": [
            {
                "key": line.price.key,
                "component": line.component,
                "quantity": exact_text(line.quantity),
                "unit": line.price.unit,
                "unit_usd": exact_text(line.unit_usd),
                "cost_usd": exact_text(line.cost_usd),
            }
            for line in est.lines
        ],
        "catalog": [
            {"provider": c.provider, "origin": c.origin, "oldest_as_of": c.oldest_as_of.isoformat()}
            for c in est.catalogs
        ],
        "warnings": list(est.warnings),
    }
    if profile.vcpu and result.duration > 0:
        payload["cpu_utilisation"] = round(
            m.cpu_seconds / (result.duration * float(profile.vcpu)), 4
        )
    if profile.memory_gb and m.peak_rss_bytes is not None:
        payload["memory_utilisation"] = round(
            m.peak_rss_bytes / float(profile.memory_gb * 2**30), 4
        )
    return Attribution(profile, est, Event(COST_CALCULATED, result.run_id, payload))


def record_run_cost(recorder: Recorder, attribution: Attribution) -> None:
    """Store the cost on the run's row and its ``cost.calculated`` event, in one write."""
    run_id = attribution.event.run_id
    assert run_id is not None
    recorder.set_run_cost(run_id, float(attribution.usd), [attribution.event])


@dataclass(frozen=True, slots=True)
class RunCoster:
    """A checked profile and its catalogs, ready to price a run once it has finished."""

    profile: CostProfile
    catalogs: Catalogs
    max_age_days: int = DEFAULT_MAX_AGE_DAYS

    def record(self, recorder: Recorder, result: RunResult) -> Attribution:
        """Price ``result`` and record its cost and ``cost.calculated`` event."""
        attribution = attribute(result, self.profile, self.catalogs, max_age_days=self.max_age_days)
        record_run_cost(recorder, attribution)
        return attribution


def prepare(text: str, home: Path | None, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> RunCoster:
    """Parse and check ``--cost-profile`` before anything runs."""
    catalogs = Catalogs(home)
    return RunCoster(parse_profile(text, catalogs), catalogs, max_age_days)
