"""Cost manifests: YAML or JSON lists of resources (the format is in ``docs/costs.md``).

A manifest is ``{defaults: {...}, resources: [...]}``; a workflow file works too, with a
top-level ``resources:`` list and one per task under ``tasks.NAME.resources`` (a task's
resources get its tags and ``task: NAME``).  Every error names the field path
(``resources[3].hours``); nothing is priced here (see :mod:`scriptrunner.costs.estimate`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from scriptrunner.costs.base import Resource, no_gc_pauses
from scriptrunner.costs.kinds import DEFAULT_REGIONS, kind_named
from scriptrunner.costs.kinds.fields import Fields, to_decimal
from scriptrunner.errors import PriceError

# Documents come from JSON or YAML, so mappings are dicts (an ABC check costs 3x as much).
COMMON_FIELDS = ("name", "type", "region", "tags", "shared")
_TOP_FIELDS = ("version", "defaults", "resources")


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.2 booleans (``no`` stays text), dates stay text, duplicate keys are errors."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in entries if not tag.endswith((":bool", ":timestamp"))]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise PriceError(f"line {line}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def read_document(path: Path) -> Any:
    """A YAML or JSON (by suffix) file's data, with errors naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        # scriptrunner: ignore[unsafe-deserialization] - _Loader is a SafeLoader subclass
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader subclass
    except json.JSONDecodeError as exc:
        raise PriceError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        raise PriceError(f"{path}: invalid YAML: {exc}") from exc
    except PriceError as exc:
        raise PriceError(f"{path}: {exc}") from exc


def load_manifest(path: str | Path) -> list[Resource]:
    """The resources of a manifest or workflow file."""
    path = Path(path)
    data = read_document(path)
    try:
        return resources_from(data)
    except PriceError as exc:
        raise PriceError(f"{path}: {exc}") from exc


def _resources(data: Any) -> list[Resource]:
    if not isinstance(data, dict):
        raise PriceError("expected a mapping with a resources: list")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise PriceError("defaults: expected a mapping")
    out: list[Resource] = []
    if "tasks" in data:  # a workflow file: its own keys are the workflow engine's business
        out += _block(data.get("resources"), "resources", defaults, {}, "")
        tasks = data["tasks"]
        if isinstance(tasks, dict):
            for task, spec in tasks.items():
                if isinstance(spec, dict) and "resources" in spec:
                    tags = {**_tags(spec.get("tags"), f"tasks.{task}.tags"), "task": str(task)}
                    where = f"tasks.{task}.resources"
                    out += _block(spec["resources"], where, defaults, tags, f"{task}/")
    else:
        for key in data:
            if key not in _TOP_FIELDS:
                raise PriceError(
                    f"{key}: unknown top-level key (expected {', '.join(_TOP_FIELDS)})"
                )
        if data.get("resources") is None:
            raise PriceError("resources: required (a list of resources)")
        out += _block(data["resources"], "resources", defaults, {}, "")
    _check_unique(out)
    return out


def resources_from(data: Any) -> list[Resource]:
    """The resources of a parsed manifest or workflow document."""
    with no_gc_pauses():  # see no_gc_pauses: 100k resources are ~1M acyclic objects
        return _resources(data)


def _block(
    block: Any, where: str, defaults: Mapping[str, Any], tags: Mapping[str, str], prefix: str
) -> list[Resource]:
    if block is None:
        return []
    if isinstance(block, dict):  # {name: spec} is the same as [{name: name, ...}]
        items = [(f"{where}.{n}", str(n), s) for n, s in block.items()]
    elif isinstance(block, list):
        items = [(f"{where}[{i}]", f"{{kind}}#{i}", s) for i, s in enumerate(block)]
    else:
        raise PriceError(f"{where}: expected a list of resources")
    return [
        resource_from(spec, path, defaults, tags, prefix, default_name=name)
        for path, name, spec in items
    ]


def resource_from(
    raw: Any,
    path: str,
    defaults: Mapping[str, Any],
    tags: Mapping[str, str] | None = None,
    prefix: str = "",
    *,
    default_name: str | None = None,
) -> Resource:
    """One resource from its fields; ``defaults`` fill fields it leaves out.  Unnamed
    resources are called ``KIND#INDEX`` (``aws.ec2#3``)."""
    if not isinstance(raw, dict):
        raise PriceError(f"{path}: expected a mapping with a type: field")
    kind = kind_named(raw.get("type"), f"{path}.type")
    fields = Fields(raw, path, defaults)
    params = kind.parse(fields)
    fields.finish(COMMON_FIELDS)
    region = raw.get("region") or _default_region(defaults.get("region"), kind.provider)
    if not isinstance(region, str):
        raise PriceError(f"{path}.region: expected a region name, got {region!r}")
    name = raw.get("name")
    if name is None:
        name = (default_name or path).replace("{kind}", kind.name)
    return Resource(
        name=prefix + str(name),
        kind=kind.name,
        provider=kind.provider,
        region=region,
        params=params,
        tags={
            **_tags(defaults.get("tags"), "defaults.tags"),
            **(tags or {}),
            **_tags(raw.get("tags"), f"{path}.tags"),
        },
        shared=_shared(raw.get("shared"), f"{path}.shared"),
        path=path,
    )


def _default_region(value: Any, provider: str) -> str:
    if isinstance(value, dict):
        value = value.get(provider)
    return value if isinstance(value, str) else DEFAULT_REGIONS[provider]


def _tags(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PriceError(f"{where}: expected a mapping of tag names to values")
    out: dict[str, str] = {}
    for key, tag in value.items():
        if isinstance(tag, (Mapping, list)) or tag is None:
            raise PriceError(f"{where}.{key}: expected a text or number value")
        out[str(key)] = str(tag).lower() if isinstance(tag, bool) else str(tag)
    return out


def _shared(value: Any, where: str) -> dict[str, dict[str, Decimal]]:
    """``{tag key: {value: weight}}``: a shared resource's cost split by weight."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise PriceError(f"{where}: expected {{tag key: {{value: weight, ...}}}}")
    out: dict[str, dict[str, Decimal]] = {}
    for key, weights in value.items():
        if not isinstance(weights, dict) or not weights:
            raise PriceError(
                f"{where}.{key}: expected {{value: weight, ...}} with one or more values"
            )
        split: dict[str, Decimal] = {}
        for tag, weight in weights.items():
            w = to_decimal(weight, f"{where}.{key}.{tag}")
            if w <= 0:
                raise PriceError(
                    f"{where}.{key}.{tag}: a weight must be more than 0, got {weight!r}"
                )
            split[str(tag)] = w
        out[str(key)] = split
    return out


def _check_unique(resources: list[Resource]) -> None:
    seen: dict[str, str] = {}
    for r in resources:
        if r.name in seen:
            raise PriceError(f"{r.path}.name: {r.name!r} is already used by {seen[r.name]}")
        seen[r.name] = r.path
