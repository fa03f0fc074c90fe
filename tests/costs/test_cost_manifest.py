"""Cost manifests and workflow resources: the format, defaults, and bad input by field path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.costs import load_manifest, resources_from
from scriptrunner.errors import PriceError

EC2 = {"type": "aws.ec2", "instance_type": "m5.large"}


def one(spec: dict[str, Any], **top: Any) -> Any:
    return resources_from({"resources": [spec], **top})[0]


def test_defaults_fill_region_hours_and_tags() -> None:
    rs = resources_from(
        {
            "defaults": {"region": {"aws": "eu-west-1"}, "hours": 100, "tags": {"env": "prod"}},
            "resources": [
                {**EC2, "tags": {"team": "web"}},
                {"type": "gcp.compute", "machine_type": "e2-micro", "region": "us-east1"},
                {"type": "azure.vm", "size": "Standard_B1s", "hours": 5},
            ],
        }
    )
    assert [(r.name, r.region, r.params["hours"]) for r in rs] == [
        ("aws.ec2#0", "eu-west-1", Decimal(100)),
        ("gcp.compute#1", "us-east1", Decimal(100)),
        ("azure.vm#2", "eastus", Decimal(5)),
    ]
    assert rs[0].tags == {"env": "prod", "team": "web"}
    assert rs[2].tags == {"env": "prod"}


def test_a_single_default_region_and_the_built_in_defaults() -> None:
    assert one(EC2, defaults={"region": "us-west-2"}).region == "us-west-2"
    r = one(EC2)
    assert (r.region, r.params["hours"], r.params["count"]) == ("us-east-1", Decimal(730), 1)


def test_resources_as_a_mapping_are_named_by_their_keys() -> None:
    rs = resources_from(
        {"resources": {"web": EC2, "db": {"type": "gcp.sql", "vcpus": 1, "memory_gb": 4}}}
    )
    assert [(r.name, r.path) for r in rs] == [("web", "resources.web"), ("db", "resources.db")]


def test_workflow_file_resources_get_task_tags(tmp_path: Path) -> None:
    wf = tmp_path / "nightly.yaml"
    wf.write_text(
        """
name: nightly
resources:
  - {name: bucket, type: aws.s3, storage_gb_month: {STANDARD: 10}}
tasks:
  extract:
    run: echo hi
    tags: {team: data}
    resources:
      - {name: vm, type: gcp.compute, machine_type: e2-standard-2, hours: 2}
  load:
    run: echo bye
"""
    )
    rs = load_manifest(wf)
    assert [(r.name, r.path, dict(r.tags)) for r in rs] == [
        ("bucket", "resources[0]", {}),
        ("extract/vm", "tasks.extract.resources[0]", {"team": "data", "task": "extract"}),
    ]


def test_json_manifest_and_yaml_12_scalars(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"resources": [{**EC2, "hours": "1_000"}]}))
    assert load_manifest(path)[0].params["hours"] == Decimal(1000)
    yml = tmp_path / "m.yaml"
    yml.write_text(
        "resources:\n- {type: aws.ec2, instance_type: m5.large, tags: {on: no, day: 2024-01-31}}\n"
    )
    assert load_manifest(yml)[0].tags == {"on": "no", "day": "2024-01-31"}


def test_shared_weights_are_decimals() -> None:
    r = one({**EC2, "shared": {"team": {"web": 3, "data": 1.5}}})
    assert r.shared == {"team": {"web": Decimal(3), "data": Decimal("1.5")}}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**EC2, "hours": -5}, r"resources\[0\]\.hours: -5 is negative"),
        (
            {**EC2, "count": 10**9},
            r"resources\[0\]\.count: 1000000000 is absurdly large \(the limit is 100,000\)",
        ),
        ({**EC2, "count": 1.5}, r"resources\[0\]\.count: expected a whole number"),
        ({**EC2, "hours": float("nan")}, r"resources\[0\]\.hours: expected a finite number"),
        ({**EC2, "hours": "inf"}, r"resources\[0\]\.hours: expected a finite number"),
        ({**EC2, "hours": True}, r"resources\[0\]\.hours: expected a number, got True"),
        ({**EC2, "hours": "lots"}, r"resources\[0\]\.hours: expected a number, got 'lots'"),
        ({**EC2, "hours": 10**7}, r"resources\[0\]\.hours: 10000000 is absurdly large"),
        (
            {"type": "aws.s3", "storage_gb_month": {"STANDARD": -1}},
            r"resources\[0\]\.storage_gb_month\.STANDARD: -1 is negative",
        ),
        (
            {"type": "aws.s3", "storage_gb_month": {"STANDRD": 1}},
            r"resources\[0\]\.storage_gb_month\.STANDRD: unknown class 'STANDRD'; closest: STANDARD",
        ),
        (
            {"type": "aws.s3", "storage_gb_month": [1]},
            r"resources\[0\]\.storage_gb_month: expected a mapping",
        ),
        (
            {"type": "aws.s3", "requests": {"STANDARD": {"pot": 1}}},
            r"resources\[0\]\.requests\.STANDARD\.pot: unknown operation; closest: put",
        ),
        (
            {"type": "aws.s3", "requests": {"STANDARD": 5}},
            r"resources\[0\]\.requests\.STANDARD: expected a mapping of put, get",
        ),
        (
            {"type": "aws.s3", "requests": 5},
            r"resources\[0\]\.requests: expected \{class: \{put, get: count\}\}",
        ),
        ({"type": "aws.s3", "egress_gb": 10**12}, r"resources\[0\]\.egress_gb: .* absurdly large"),
        (
            {"type": "aws.rds", "instance_class": "db.t3.micro", "engine": "oracle"},
            r"resources\[0\]\.engine: unknown value 'oracle'.*valid: mysql, postgres",
        ),
        (
            {
                "type": "aws.rds",
                "instance_class": "db.t3.micro",
                "engine": "mysql",
                "multi_az": "yes",
            },
            r"resources\[0\]\.multi_az: expected true or false",
        ),
        (
            {"type": "aws.lambda", "requests": 1, "memory_mb": 64, "duration_ms": 1},
            r"resources\[0\]\.memory_mb: 64 MB is outside 128-10240 MB",
        ),
        (
            {"type": "aws.lambda", "requests": 1, "memory_mb": 20000, "duration_ms": 1},
            r"resources\[0\]\.memory_mb: 20000 is absurdly large",
        ),
        (
            {"type": "aws.lambda", "requests": 1, "memory_mb": 128},
            r"resources\[0\]\.duration_ms: required",
        ),
        (
            {"type": "aws.lambda", "architecture": "sparc", "gb_seconds": 1},
            r"resources\[0\]\.architecture: unknown value 'sparc'",
        ),
        (
            {"type": "azure.sql", "vcores": 0},
            r"resources\[0\]\.vcores: a provisioned database has at least 1 vCore",
        ),
        (
            {"type": "gcp.sql", "vcpus": 0, "memory_gb": 1},
            r"resources\[0\]\.vcpus: a Cloud SQL instance has at least 1 vCPU",
        ),
        ({"type": "aws.ec2"}, r"resources\[0\]\.instance_type: required"),
        (
            {"type": "aws.ec2", "instance_typ": "m5.large"},
            r"resources\[0\]\.instance_type: required \(is 'instance_typ' a misspelling of it\?\)",
        ),
        ({"type": "aws.ec2", "instance_type": 5}, r"resources\[0\]\.instance_type: expected text"),
        ({**EC2, "houres": 5}, r"resources\[0\]\.houres: unknown field; closest: hours"),
        (
            {"type": "aws.ec3"},
            r"resources\[0\]\.type: unknown resource type 'aws\.ec3'; closest: aws\.ec2",
        ),
        ({**EC2, "region": 5}, r"resources\[0\]\.region: expected a region name"),
        ({**EC2, "tags": ["a"]}, r"resources\[0\]\.tags: expected a mapping"),
        ({**EC2, "tags": {"team": None}}, r"resources\[0\]\.tags\.team: expected a text or number"),
        (
            {**EC2, "shared": {"team": {"web": 0}}},
            r"resources\[0\]\.shared\.team\.web: a weight must be more than 0",
        ),
        (
            {**EC2, "shared": {"team": {}}},
            r"resources\[0\]\.shared\.team: expected \{value: weight",
        ),
        ({**EC2, "shared": []}, r"resources\[0\]\.shared: expected \{tag key"),
        ("aws.ec2", r"resources\[0\]: expected a mapping with a type: field"),
    ],
)
def test_bad_input_names_the_field_path(spec: Any, message: str) -> None:
    with pytest.raises(PriceError, match=message):
        resources_from({"resources": [spec]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], r"expected a mapping with a resources: list"),
        ({}, r"resources: required"),
        ({"resources": 5}, r"resources: expected a list of resources"),
        ({"resource": []}, r"resource: unknown top-level key"),
        ({"resources": [], "defaults": 3}, r"defaults: expected a mapping"),
        (
            {"resources": [{**EC2, "name": "a"}, {**EC2, "name": "a"}]},
            r"resources\[1\]\.name: 'a' is already used by resources\[0\]",
        ),
    ],
)
def test_bad_documents(data: Any, message: str) -> None:
    with pytest.raises(PriceError, match=message):
        resources_from(data)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(PriceError, match=r"cannot read .*missing\.yaml"):
        load_manifest(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("resources: [\n")
    with pytest.raises(PriceError, match=r"bad\.yaml: invalid YAML"):
        load_manifest(bad)
    dup = tmp_path / "dup.yaml"
    dup.write_text("resources: []\nresources: []\n")
    with pytest.raises(PriceError, match=r"dup\.yaml: line 2: duplicate key 'resources'"):
        load_manifest(dup)
    js = tmp_path / "bad.json"
    js.write_text('{"resources": [}')
    with pytest.raises(PriceError, match=r"bad\.json:1:\d+: invalid JSON"):
        load_manifest(js)
    neg = tmp_path / "neg.yaml"
    neg.write_text("resources:\n- {type: aws.ec2, instance_type: m5.large, hours: -1}\n")
    with pytest.raises(PriceError, match=r"neg\.yaml: resources\[0\]\.hours: -1 is negative"):
        load_manifest(neg)
