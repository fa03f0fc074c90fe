"""Runs inside the interpreter being scanned (``--python PATH``): prints its distributions.

Standalone on purpose: the target interpreter may be another Python version and has neither
scriptrunner nor ``packaging``.  It prints JSON: the marker environment of that interpreter
(as ``packaging.markers.default_environment`` computes it) and, per distribution, the name,
version, license and raw ``Requires-Dist`` strings; markers are evaluated by the caller
against that environment.  Only the standard library, Python 3.8+.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from typing import Any


def _full_version(info: Any) -> str:
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def marker_environment() -> dict[str, str]:
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _license(meta: Any) -> str | None:
    expression = meta.get("License-Expression")
    if expression:
        return str(expression).strip()
    text = str(meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 100 and text.upper() != "UNKNOWN":
        return text
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            name = str(classifier).split("::")[-1].strip()
            if name not in ("OSI Approved", ""):
                return name
    return None


def collect() -> dict[str, Any]:
    seen: set[str] = set()
    dists: list[dict[str, Any]] = []
    for dist in metadata.distributions():
        meta: Any = dist.metadata
        name = meta.get("Name") if meta is not None else None
        if not name or name.lower() in seen:
            continue  # broken metadata, or shadowed by an earlier sys.path entry
        seen.add(name.lower())
        dists.append(
            {
                "name": name,
                "version": meta.get("Version") or "",
                "license": _license(meta),
                "requires": list(dist.requires or []),
            }
        )
    return {"python": sys.executable, "environment": marker_environment(), "dists": dists}


if __name__ == "__main__":
    json.dump(collect(), sys.stdout)
