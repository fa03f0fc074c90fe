"""``pyproject.toml``: PEP 621 ``[project]`` dependencies (and optional dependencies), PEP 735
``[dependency-groups]``, and Poetry's ``[tool.poetry.*dependencies]`` tables.

These declare ranges far more often than pins, so most entries come out unresolvable (and
are reported as such): scan the lock file or the environment for exact versions.  Poetry's
bare ``"1.2.3"`` means ``==1.2.3`` and counts as a pin.  Line numbers are found by searching
the text for the requirement (TOML parsers do not keep positions).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.deps.inputs.pep508 import (
    UNPINNED_HINT,
    current_environment,
    marker_true,
    read_input,
    relative_source,
    requirement_dependency,
)
from scriptrunner.scanners.deps.model import Dependency
from scriptrunner.scanners.deps.osv.match import parse_version

_SOURCE_KEYS = ("git", "path", "url", "file")


def read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The parsed document and its lines; errors name the file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        text = read_input(path)
        return tomllib.loads(text), text.splitlines()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def find_line(lines: list[str], pattern: str, start: int = 0) -> int | None:
    """The 1-based number of the first line at or after ``start`` matching ``pattern``."""
    rx = re.compile(pattern)
    for index in range(start, len(lines)):
        if rx.search(lines[index]):
            return index + 1
    return None


def _header(lines: list[str], table: str) -> int:
    """0-based index of the ``[table]`` header (0 if not found)."""
    found = find_line(lines, r"^\s*\[\s*" + re.escape(table) + r"\s*\]")
    return found - 1 if found else 0


def parse_pyproject(
    path: Path, root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """Every dependency ``pyproject.toml`` declares (PEP 621, PEP 735 and Poetry)."""
    env = dict(environment) if environment is not None else current_environment()
    data, lines = read_toml(path)
    source = relative_source(path, root)
    return [
        *_pep621(data, lines, source, env),
        *_poetry(data, lines, source, env),
    ]


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of requirement strings")
    return [v for v in value if isinstance(v, str)]


def _pep621(
    data: Mapping[str, Any], lines: list[str], source: str, env: Mapping[str, str]
) -> Iterator[Dependency]:
    project = data.get("project") or {}
    lists: list[tuple[str, list[str]]] = []
    if "dependencies" in project:
        lists.append(
            ("project.dependencies", _strings(project["dependencies"], "project.dependencies"))
        )
    for extra, reqs in (project.get("optional-dependencies") or {}).items():
        lists.append((f"project.optional-dependencies.{extra}", _strings(reqs, extra)))
    for group, reqs in (data.get("dependency-groups") or {}).items():
        lists.append((f"dependency-groups.{group}", _strings(reqs, group)))
    for _table, reqs in lists:
        for text in reqs:
            line = find_line(lines, re.escape(f'"{text}"')) or find_line(
                lines, re.escape(f"'{text}'")
            )
            dep = requirement_dependency(text, source, line or 1, env)
            if dep is not None:
                yield replace(dep, line=line, direct=True)


def _poetry(
    data: Mapping[str, Any], lines: list[str], source: str, env: Mapping[str, str]
) -> Iterator[Dependency]:
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables: list[tuple[str, Mapping[str, Any]]] = [
        ("tool.poetry.dependencies", poetry.get("dependencies") or {}),
        ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies") or {}),
    ]
    for group, body in (poetry.get("group") or {}).items():
        tables.append((f"tool.poetry.group.{group}.dependencies", body.get("dependencies") or {}))
    for table, deps in tables:
        start = _header(lines, table)
        for name, spec in deps.items():
            if name.lower() == "python":
                continue
            line = find_line(lines, r"^\s*[\"']?" + re.escape(name) + r"[\"']?\s*=", start)
            dep = _poetry_dependency(name, spec, source, line, env)
            if dep is not None:
                yield dep


def _poetry_dependency(
    name: str, spec: Any, source: str, line: int | None, env: Mapping[str, str]
) -> Dependency | None:
    where = f"{source}:{line or 1}"
    base = Dependency(
        name=name, version=None, source=source, line=line, requirement=f"{name} = {spec!r}"
    )
    if isinstance(spec, list):
        return replace(base, unresolvable=f"several constraints: {UNPINNED_HINT}")
    extras: tuple[str, ...] = ()
    if isinstance(spec, Mapping):
        for key in _SOURCE_KEYS:
            if key in spec:
                return replace(
                    base,
                    unresolvable=f"{key} dependency: {spec[key]}; the installed version "
                    "cannot be known from the file",
                )
        markers = spec.get("markers")
        if isinstance(markers, str):
            from packaging.markers import InvalidMarker, Marker

            try:
                marker = Marker(markers)
            except InvalidMarker as exc:
                raise ConfigError(f"{where}: invalid markers {markers!r}: {exc}") from None
            if not marker_true(marker, env, where):
                return None
        extras = tuple(sorted(spec.get("extras") or ()))
        spec = spec.get("version", "*")
    if not isinstance(spec, str):
        raise ConfigError(f"{where}: invalid Poetry constraint {spec!r} for {name}")
    text = spec.strip()
    exact = text[2:].strip() if text.startswith("==") and "," not in text else text
    if text.startswith("==="):
        exact = text[3:].strip()
    if parse_version(exact) is not None and "*" not in exact:
        return replace(base, version=exact, extras=extras)
    return replace(base, extras=extras, unresolvable=f"not pinned ({text or '*'}): {UNPINNED_HINT}")
