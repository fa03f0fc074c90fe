"""One requirement as a :class:`Dependency`: PEP 508 strings, markers, pins, and the URL or
path requirements whose version cannot be known from a file.

Shared by every input format (``requirements.py``, ``pyproject.py``, ``locks.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from scriptrunner.errors import ConfigError, mask_url_passwords
from scriptrunner.scanners.deps.model import Dependency

URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^file:")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9_.\-]+)")
_ARCHIVE = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")

UNPINNED_HINT = "pin it with ==, or scan a lock file or the environment"


def relative_source(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it (POSIX separators), else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(resolved)


#: The most a dependency file may hold (a real one is far smaller): read no more.
MAX_INPUT_BYTES = 8 * 1024 * 1024


def read_input(path: Path, encoding: str = "utf-8") -> str:
    """The text of a dependency file, read at most ``MAX_INPUT_BYTES`` (a larger or
    unreadable file is a ``ConfigError`` naming it: never read whole into memory)."""
    from scriptrunner.scanners.files import read_stream

    data, reason = read_stream(path, MAX_INPUT_BYTES)
    if data is None:
        raise ConfigError(f"cannot read {path}: {reason}")
    return data.decode(encoding)


def current_environment() -> dict[str, str]:
    """The marker environment of this interpreter (the default target)."""
    from packaging.markers import default_environment

    return {k: str(v) for k, v in default_environment().items()}


def marker_true(marker: Marker | None, environment: Mapping[str, str], where: str) -> bool:
    """Evaluate a marker against the target environment (``extra`` empty)."""
    if marker is None:
        return True
    try:
        return marker.evaluate({**environment, "extra": ""})
    except (UndefinedComparison, UndefinedEnvironmentName, InvalidMarker) as exc:
        raise ConfigError(f"{where}: cannot evaluate marker {str(marker)!r}: {exc}") from None


def pinned_version(req: Requirement) -> str | None:
    """The exact version of ``==X`` (no wildcard) or ``===X``; None for anything else."""
    for spec in req.specifier:
        if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith("*")):
            return spec.version
    return None


def _name_from_target(target: str) -> str:
    egg = _EGG.search(target)
    if egg:
        return egg.group(1)
    tail = target.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    for suffix in _ARCHIVE:
        if tail.endswith(suffix):
            tail = tail[: -len(suffix)]
            # name-version[-...]: wheel and sdist file names start with the name.
            return tail.split("-", 1)[0]
    return tail.removesuffix(".git") or target


def unresolved_target(target: str, source: str, number: int, line: str, why: str) -> Dependency:
    """A dependency without a version; a password in its URL is kept as ``***`` (it would
    reach findings, the store and the SBOM)."""
    return Dependency(
        name=_name_from_target(target),
        version=None,
        source=source,
        line=number,
        requirement=mask_url_passwords(line),
        unresolvable=f"{why}: {mask_url_passwords(target)}; the installed version cannot be "
        "known from the file",
    )


def _is_path(text: str) -> bool:
    return (
        text.startswith((".", "/", "~")) or os.sep in text or "/" in text or text.endswith(_ARCHIVE)
    )


def requirement_dependency(
    text: str,
    source: str,
    number: int,
    environment: Mapping[str, str],
    hashes: tuple[str, ...] = (),
) -> Dependency | None:
    """One PEP 508 requirement (or a bare URL/path) as a dependency; None if its marker is
    false in ``environment``."""
    where = f"{source}:{number}"
    if URL.match(text):
        return unresolved_target(text, source, number, text, "URL requirement")
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        if _is_path(text.split(";", 1)[0].strip()):
            return unresolved_target(text, source, number, text, "local path requirement")
        shown = mask_url_passwords(text)
        raise ConfigError(
            f"{where}: invalid requirement {shown!r}: {mask_url_passwords(str(exc))}"
        ) from None
    if not marker_true(req.marker, environment, where):
        return None
    base = Dependency(
        name=req.name,
        version=None,
        source=source,
        line=number,
        requirement=mask_url_passwords(text),
        extras=tuple(sorted(req.extras)),
        hashes=hashes,
    )
    if req.url:
        kind = "local path requirement" if req.url.startswith("file:") else "URL requirement"
        return replace(
            base,
            unresolvable=f"{kind}: {mask_url_passwords(req.url)}; the installed version cannot "
            "be known from the file",
        )
    version = pinned_version(req)
    if version is None:
        spec = str(req.specifier) or "no version"
        return replace(base, unresolvable=f"not pinned ({spec}): {UNPINNED_HINT}")
    return replace(base, version=version)


__all__ = [
    "UNPINNED_HINT",
    "URL",
    "MAX_INPUT_BYTES",
    "current_environment",
    "marker_true",
    "pinned_version",
    "read_input",
    "relative_source",
    "requirement_dependency",
    "unresolved_target",
]
