"""AWS resource kinds: ``aws.ec2``, ``aws.ebs``, ``aws.s3``, ``aws.rds``, ``aws.lambda``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scriptrunner.costs.base import Resource, Usage, ratio
from scriptrunner.costs.catalog import Catalog
from scriptrunner.costs.kinds.base import Kind
from scriptrunner.costs.kinds.fields import (
    COUNT_MAX,
    GB_MAX,
    GB_SECONDS_MAX,
    HOURS_MAX,
    HOURS_PER_MONTH,
    REQUESTS_MAX,
    Fields,
    names,
)
from scriptrunner.errors import PriceError

MONTH = HOURS_PER_MONTH
S3_CLASSES = names("STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
ENGINES = names("mysql", "postgres", postgresql="postgres")
ARCHITECTURES = names("x86_64", "arm64", x86="x86_64", arm="arm64", **{"x86-64": "x86_64"})
#: Lambda's documented memory range, in MB.
LAMBDA_MEMORY_MB = (Decimal(128), Decimal(10_240))
LAMBDA_TIMEOUT_MS = Decimal(900_000)
VOLUME_TYPES = names("gp3")
#: What every gp3 volume includes in its storage price; more is provisioned and billed.
GP3_BASELINE_IOPS = Decimal(3000)
GP3_BASELINE_MBPS = Decimal(125)
#: Far beyond any EBS volume (the largest io2 Block Express volume has 256,000 IOPS).
IOPS_MAX = Decimal(256_000)
MBPS_MAX = Decimal(10_000)


def _hours(f: Fields) -> dict[str, Any]:
    return {
        "hours": f.number("hours", HOURS_MAX, default=MONTH),
        "count": f.number("count", COUNT_MAX, default=Decimal(1), integer=True),
    }


# -- EC2 -----------------------------------------------------------------------------------


def _ec2_parse(f: Fields) -> dict[str, Any]:
    return {"instance_type": f.text("instance_type"), **_hours(f)}


def _ec2_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    hours = p["hours"] * p["count"]
    return [
        Usage(
            "ec2/",
            str(p["instance_type"]),
            "",
            hours,
            "compute",
            "instance_type",
            "EC2 instance type",
        )
    ]


# -- EBS -----------------------------------------------------------------------------------


def _ebs_parse(f: Fields) -> dict[str, Any]:
    params = {
        "volume_type": f.choice("volume_type", VOLUME_TYPES, default="gp3"),
        "size_gb": f.number("size_gb", GB_MAX),
        "iops": f.number("iops", IOPS_MAX, default=GP3_BASELINE_IOPS, integer=True),
        "throughput_mbps": f.number("throughput_mbps", MBPS_MAX, default=GP3_BASELINE_MBPS),
        **_hours(f),
    }
    if params["iops"] < GP3_BASELINE_IOPS:
        raise PriceError(
            f"{f.at('iops')}: a gp3 volume has at least {GP3_BASELINE_IOPS:,} IOPS "
            "(included in its storage price)"
        )
    if params["throughput_mbps"] < GP3_BASELINE_MBPS:
        raise PriceError(
            f"{f.at('throughput_mbps')}: a gp3 volume has at least {GP3_BASELINE_MBPS} MB/s "
            "(included in its storage price)"
        )
    return params


def _ebs_usages(r: Resource, _: Catalog) -> list[Usage]:
    """Provisioned size, and IOPS and throughput above what gp3 includes, each in
    units per month: ``amount x hours / 730 x count``."""
    p = r.params
    months = ratio(p["hours"] * p["count"], MONTH)
    vt, label = p["volume_type"], "EBS volume type"
    out = [Usage("ebs/", vt, "/storage", p["size_gb"] * months, "storage", "volume_type", label)]
    extra_iops = p["iops"] - GP3_BASELINE_IOPS
    if extra_iops:
        out.append(Usage("ebs/", vt, "/iops", extra_iops * months, "storage", "iops", label))
    extra_mbps = p["throughput_mbps"] - GP3_BASELINE_MBPS
    if extra_mbps:
        out.append(
            Usage(
                "ebs/", vt, "/throughput", extra_mbps * months, "storage", "throughput_mbps", label
            )
        )
    return out


# -- S3 ------------------------------------------------------------------------------------


def _s3_parse(f: Fields) -> dict[str, Any]:
    return {
        "storage_gb_month": f.per_class("storage_gb_month", S3_CLASSES, GB_MAX),
        "requests": f.per_class_ops("requests", S3_CLASSES, ("put", "get"), REQUESTS_MAX),
        "retrieval_gb": f.per_class("retrieval_gb", S3_CLASSES, GB_MAX),
        "egress_gb": f.number("egress_gb", GB_MAX, default=Decimal(0)),
    }


def _s3_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    out: list[Usage] = []
    for cls, gb in p["storage_gb_month"].items():
        where = f"storage_gb_month.{cls}"
        out.append(Usage("s3/", cls, "/storage", gb, "storage", where, "S3 storage class"))
    for cls, ops in p["requests"].items():
        for op, n in ops.items():
            where = f"requests.{cls}.{op}"
            out.append(Usage("s3/", cls, f"/{op}", n, "storage", where, "S3 storage class"))
    for cls, gb in p["retrieval_gb"].items():
        where = f"retrieval_gb.{cls}"
        out.append(Usage("s3/", cls, "/retrieval", gb, "storage", where, "S3 storage class"))
    if p["egress_gb"]:
        out.append(
            Usage("network/", "internet-egress", "", p["egress_gb"], "network", "egress_gb", "")
        )
    return out


# -- RDS -----------------------------------------------------------------------------------


def _rds_parse(f: Fields) -> dict[str, Any]:
    return {
        "instance_class": f.text("instance_class"),
        "engine": f.choice("engine", ENGINES),
        "storage_gb": f.number("storage_gb", GB_MAX, default=Decimal(0)),
        "multi_az": f.flag("multi_az"),
        **_hours(f),
    }


def _rds_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    az = "multi-az" if p["multi_az"] else "single-az"
    hours = p["hours"] * p["count"]
    label = f"RDS {p['engine']} instance class"
    out = [
        Usage(
            f"rds/{p['engine']}/",
            p["instance_class"],
            f"/{az}",
            hours,
            "database",
            "instance_class",
            label,
        )
    ]
    if p["storage_gb"]:
        gb_months = ratio(p["storage_gb"] * hours, MONTH)
        out.append(Usage("rds/storage/gp2/", az, "", gb_months, "database", "storage_gb", ""))
    return out


# -- Lambda --------------------------------------------------------------------------------


def _lambda_parse(f: Fields) -> dict[str, Any]:
    requests = f.number("requests", REQUESTS_MAX, default=Decimal(0), integer=True)
    if f.raw.get("gb_seconds") is not None:
        gb_seconds = f.number("gb_seconds", GB_SECONDS_MAX)
    else:
        memory = f.number("memory_mb", LAMBDA_MEMORY_MB[1], integer=True)
        if memory < LAMBDA_MEMORY_MB[0]:
            low, high = LAMBDA_MEMORY_MB
            raise PriceError(f"{f.at('memory_mb')}: {memory} MB is outside {low}-{high} MB")
        duration = f.number("duration_ms", LAMBDA_TIMEOUT_MS)
        # Lambda bills duration in GB-seconds with 1 GB = 1024 MB.
        gb_seconds = ratio(requests * duration * memory, Decimal(1000 * 1024))
    return {
        "requests": requests,
        "gb_seconds": gb_seconds,
        "architecture": f.choice("architecture", ARCHITECTURES, default="x86_64"),
    }


def _lambda_usages(r: Resource, _: Catalog) -> list[Usage]:
    p = r.params
    arch = p["architecture"]
    return [
        Usage("lambda/", "requests", "", p["requests"], "compute", "requests", ""),
        Usage(
            "lambda/",
            arch,
            "/duration",
            p["gb_seconds"],
            "compute",
            "architecture",
            "Lambda architecture",
        ),
    ]


KINDS = (
    Kind("aws.ec2", "aws", "EC2 instances: instance_type, hours, count", _ec2_parse, _ec2_usages),
    Kind(
        "aws.ebs",
        "aws",
        "EBS volumes: volume_type (gp3), size_gb, iops, throughput_mbps, hours, count",
        _ebs_parse,
        _ebs_usages,
    ),
    Kind(
        "aws.s3",
        "aws",
        "S3: storage_gb_month per class, requests {class: {put, get}}, retrieval_gb, egress_gb",
        _s3_parse,
        _s3_usages,
    ),
    Kind(
        "aws.rds",
        "aws",
        "RDS: instance_class, engine, storage_gb, multi_az, hours, count",
        _rds_parse,
        _rds_usages,
    ),
    Kind(
        "aws.lambda",
        "aws",
        "Lambda: requests, gb_seconds or memory_mb + duration_ms, architecture",
        _lambda_parse,
        _lambda_usages,
    ),
)
