"""Cost estimate throughput: N resources priced and broken down, in one process.

    .venv/bin/python bench/cost_estimate.py [--resources 100000] [--repeat 3]

The resources are a mix of every kind (EC2, S3 with tiers, RDS, Lambda, Azure VM / Blob /
SQL, GCP Compute / Storage / SQL), with team tags and some shared resources.  Timed
separately: parsing and checking the manifest data (``resources_from``), pricing it
(``estimate``) and four breakdowns (component, provider, resource, tag:team).  The target
is estimate + breakdowns <= 1 s for 100k resources; the best of ``--repeat`` runs counts.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from scriptrunner.costs import Catalogs, breakdown, estimate, resources_from
from scriptrunner.costs.base import exact

TEMPLATES: list[dict[str, Any]] = [
    {"type": "aws.ec2", "instance_type": "m5.large", "hours": 730, "count": 2},
    {"type": "aws.ec2", "instance_type": "t3.micro", "region": "eu-west-1", "hours": 200},
    {
        "type": "aws.s3",
        "storage_gb_month": {"STANDARD": 60000, "GLACIER": 1000},
        "requests": {"STANDARD": {"put": 100000, "get": 1000000}},
        "egress_gb": 50,
    },
    {"type": "aws.rds", "instance_class": "db.m5.large", "engine": "postgres", "storage_gb": 100},
    {"type": "aws.lambda", "requests": 1000000, "memory_mb": 1024, "duration_ms": 120},
    {"type": "azure.vm", "size": "Standard_D2s_v3", "hours": 730},
    {
        "type": "azure.blob",
        "storage_gb_month": {"hot": 500},
        "operations": {"hot": {"write": 10000}},
    },
    {"type": "azure.sql", "vcores": 2, "storage_gb": 32},
    {"type": "gcp.compute", "machine_type": "e2-standard-2", "count": 3},
    {"type": "gcp.storage", "storage_gb_month": {"NEARLINE": 2000}},
    {"type": "gcp.sql", "vcpus": 2, "memory_gb": 8, "storage_gb": 50, "high_availability": True},
]
TEAMS = ("data", "web", "ml", "infra")


def manifest(n: int) -> dict[str, Any]:
    resources = []
    for i in range(n):
        spec = dict(TEMPLATES[i % len(TEMPLATES)], name=f"r{i}")
        if i % 10 == 0:
            spec["shared"] = {"team": {"data": 2, "web": 1}}
        elif i % 7:
            spec["tags"] = {"team": TEAMS[i % len(TEAMS)]}
        resources.append(spec)
    return {"resources": resources}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = manifest(args.resources)
    catalogs = Catalogs()
    catalogs["aws"], catalogs["azure"], catalogs["gcp"]  # loading files is not the subject
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        resources = resources_from(data)
        t1 = time.perf_counter()
        est = estimate(resources, catalogs)
        t2 = time.perf_counter()
        breakdowns = {
            by: breakdown(est.lines, by) for by in ("component", "provider", "resource", "tag:team")
        }
        t3 = time.perf_counter()
        for name, value in (("parse", t1 - t0), ("estimate", t2 - t1), ("breakdown", t3 - t2)):
            best[name] = min(best.get(name, value), value)
    with exact():
        for b in breakdowns.values():  # the invariant the numbers must keep
            assert sum((g.cost_usd for g in b.groups), start=type(est.total)(0)) == est.total
    priced = best["estimate"] + best["breakdown"]
    print(f"resources            {len(est.resources):>10,}")
    print(f"line items           {len(est.lines):>10,}")
    print(f"total                ${est.total:>14,.2f}")
    print(f"parse + check        {best['parse']:>10.3f} s")
    print(f"estimate             {best['estimate']:>10.3f} s")
    print(f"4 breakdowns         {best['breakdown']:>10.3f} s")
    verdict = "ok" if priced <= 1.0 else "OVER TARGET"
    print(f"estimate+breakdowns  {priced:>10.3f} s  (target <= 1.000 s: {verdict})")
    print(f"end to end           {priced + best['parse']:>10.3f} s")


if __name__ == "__main__":
    main()
