"""Lock files: ``poetry.lock`` and ``uv.lock`` (TOML), ``Pipfile.lock`` (JSON).

Locks pin exact versions and usually hashes; the TOML ones also record the dependency graph,
from which ``direct`` is derived (uv: what the project itself requires; poetry: packages no
other locked package requires).  Packages from git, URLs or local paths keep the version the
lock records when it has one (that is what gets installed) -- except local/editable
directories, which are not PyPI packages and are reported unresolvable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.deps.inputs.pep508 import (
    current_environment,
    marker_true,
    read_input,
    relative_source,
)
from scriptrunner.scanners.deps.inputs.pyproject import find_line, read_toml
from scriptrunner.scanners.deps.model import Dependency, normalise_name


def _hash(value: Any) -> str | None:
    if not isinstance(value, str) or ":" not in value:
        return None
    algo, _, digest = value.partition(":")
    return f"{algo.lower()}:{digest.lower()}"


def _mark_direct(deps: list[Dependency], roots: set[str] | None = None) -> list[Dependency]:
    """``direct``: required by a root, or (no roots known) required by no other package."""
    if roots is None:
        required = {r for d in deps for r in d.requires}
        return [replace(d, direct=d.key not in required) for d in deps]
    return [replace(d, direct=d.key in roots) for d in deps]


def _package_line(lines: list[str], name: str) -> int | None:
    return find_line(lines, r'^\s*name\s*=\s*"' + re.escape(name) + '"')


def parse_poetry_lock(
    path: Path, root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """``poetry.lock``: ``[[package]]`` name, version, files' hashes, dependencies."""
    data, lines = read_toml(path)
    source = relative_source(path, root)
    deps = []
    for i, pkg in enumerate(data.get("package") or []):
        name, version = pkg.get("name"), pkg.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise ConfigError(f"{source}: package #{i + 1} has no name or version")
        src = pkg.get("source") or {}
        files = pkg.get("files") or []
        hashes = tuple(
            h for h in (_hash(f.get("hash")) for f in files if isinstance(f, Mapping)) if h
        )
        dep = Dependency(
            name=name,
            version=version,
            source=source,
            line=_package_line(lines, name),
            requirement=f"{name}=={version}",
            hashes=hashes,
            requires=tuple(sorted(normalise_name(n) for n in pkg.get("dependencies") or {})),
        )
        if src.get("type") == "directory":
            dep = replace(
                dep,
                version=None,
                unresolvable=f"local directory {src.get('url')}; not a PyPI release",
            )
        deps.append(dep)
    return _mark_direct(deps)


def parse_uv_lock(
    path: Path, root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """``uv.lock``: packages, sdist/wheel hashes, ``dependencies``; the project is the root."""
    data, lines = read_toml(path)
    source = relative_source(path, root)
    deps: list[Dependency] = []
    roots: set[str] = set()
    for i, pkg in enumerate(data.get("package") or []):
        name = pkg.get("name")
        if not isinstance(name, str):
            raise ConfigError(f"{source}: package #{i + 1} has no name")
        src = pkg.get("source") or {}
        requires = tuple(
            sorted(
                {
                    normalise_name(d["name"])
                    for key in ("dependencies",)
                    for d in pkg.get(key) or []
                    if isinstance(d, Mapping) and isinstance(d.get("name"), str)
                }
            )
        )
        local = next((k for k in ("editable", "virtual", "directory", "path") if k in src), None)
        if local is not None and src[local] == ".":
            # The project itself: what it requires is direct; it is no dependency.
            roots.update(requires)
            for extra in (pkg.get("optional-dependencies") or {}).values():
                roots.update(normalise_name(d["name"]) for d in extra if "name" in d)
            for group in (pkg.get("dev-dependencies") or {}).values():
                roots.update(normalise_name(d["name"]) for d in group if "name" in d)
            continue
        files = [pkg.get("sdist") or {}, *(pkg.get("wheels") or [])]
        hashes = tuple(h for h in (_hash(f.get("hash")) for f in files) if h)
        version = pkg.get("version")
        dep = Dependency(
            name=name,
            version=version if isinstance(version, str) else None,
            source=source,
            line=_package_line(lines, name),
            requirement=f"{name}=={version}",
            hashes=hashes,
            requires=requires,
        )
        if local is not None:
            dep = replace(
                dep,
                version=None,
                unresolvable=f"local {local} package {src[local]}; not a PyPI release",
            )
        elif dep.version is None:
            dep = replace(dep, unresolvable="no version in the lock file")
        deps.append(dep)
    return _mark_direct(deps, roots or None)


def parse_pipfile_lock(
    path: Path, root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """``Pipfile.lock``: ``default`` and ``develop`` sections (``==X`` versions, hashes,
    markers evaluated against the target environment)."""
    from packaging.markers import InvalidMarker, Marker

    env = dict(environment) if environment is not None else current_environment()
    source = relative_source(path, root)
    try:
        text = read_input(path)
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: invalid JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: not a Pipfile.lock (expected a JSON object)")
    lines = text.splitlines()
    deps = []
    for section in ("default", "develop"):
        for name, entry in (data.get(section) or {}).items():
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{source}: {section}.{name} is not an object")
            line = find_line(lines, r'^\s*"' + re.escape(name) + r'"\s*:')
            where = f"{source}:{line or 1}"
            markers = entry.get("markers")
            if isinstance(markers, str) and markers:
                try:
                    marker = Marker(markers)
                except InvalidMarker as exc:
                    raise ConfigError(f"{where}: invalid markers {markers!r}: {exc}") from None
                if not marker_true(marker, env, where):
                    continue
            raw = entry.get("version")
            hashes = tuple(h for h in (_hash(x) for x in entry.get("hashes") or ()) if h)
            dep = Dependency(
                name=name,
                version=None,
                source=source,
                line=line,
                requirement=f"{name}{raw or ''}",
                extras=tuple(sorted(entry.get("extras") or ())),
                hashes=hashes,
            )
            kind = next((k for k in ("git", "path", "file", "editable") if k in entry), None)
            if isinstance(raw, str) and raw.startswith("==") and "*" not in raw:
                dep = replace(dep, version=raw.lstrip("="))
            elif kind is not None:
                dep = replace(
                    dep,
                    unresolvable=f"{kind} dependency {entry.get(kind)}; the installed version "
                    "cannot be known from the file",
                )
            else:
                dep = replace(dep, unresolvable=f"no exact version ({raw or 'none'}) in the lock")
            deps.append(dep)
    return deps
