"""Installed environments: the current interpreter (``--env``) or another (``--python PATH``).

Both read ``importlib.metadata`` through :mod:`.dist_probe`, in-process or in a subprocess of the
other interpreter (which needs nothing but the standard library).  The dependency graph comes
from each distribution's ``Requires-Dist`` with markers evaluated for *that* interpreter,
including the extras its dependents ask for; ``direct`` means no other installed
distribution requires it.  Every dependency's source is ``<environment /path/to/python>``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.scanners.deps.model import Dependency, normalise_name

PROBE = Path(__file__).with_name("dist_probe.py")
TIMEOUT = 120.0


def probe(python: str | None) -> dict[str, Any]:
    """What :mod:`.dist_probe` reports for ``python`` (None: this interpreter, in-process)."""
    if python is None:
        from scriptrunner.scanners.deps.inputs import dist_probe

        return dist_probe.collect()
    exe = shutil.which(python) or python
    if not Path(exe).is_file():
        raise ConfigError(f"--python {python}: no such interpreter")
    try:
        done = subprocess.run(  # noqa: S603 - the user's chosen interpreter, our own script
            [exe, str(PROBE)], capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScannerError(f"cannot run {python} to list its packages: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ScannerError(
            f"{python} failed to list its packages (exit {done.returncode}): {last}; "
            "is it a Python 3.8+ interpreter?"
        )
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError as exc:
        raise ScannerError(f"{python}: unreadable package list: {exc}") from exc
    return result


def installed(python: str | None) -> list[Dependency]:
    """One dependency per distribution installed for ``python`` (None: this interpreter)."""
    data = probe(python)
    exe = str(data.get("python") or python or sys.executable)
    return build(data["dists"], data["environment"], f"<environment {exe}>")


def _requirements(raw: list[str]) -> list[Any]:
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for text in raw:
        try:
            out.append(Requirement(text))
        except InvalidRequirement:
            continue  # a broken Requires-Dist of an installed package: no edge, no crash
    return out


def _applies(req: Any, env: Mapping[str, str], extras: set[str]) -> bool:
    if req.marker is None:
        return True
    try:
        return any(req.marker.evaluate({**env, "extra": e}) for e in ("", *extras))
    except Exception:  # an undefined comparison in third-party metadata: assume it applies
        return True


def build(dists: list[dict[str, Any]], env: Mapping[str, str], source: str) -> list[Dependency]:
    """Dependencies with ``requires`` (markers and requested extras applied) and ``direct``."""
    reqs = {normalise_name(d["name"]): _requirements(d.get("requires") or []) for d in dists}
    extras: dict[str, set[str]] = {key: set() for key in reqs}
    edges: dict[str, set[str]] = {}
    # Extras requested by a dependent can pull in further extras: iterate to a fixed point.
    for _ in range(10):
        changed = False
        for key, items in reqs.items():
            targets = set()
            for req in items:
                if _applies(req, env, extras[key]):
                    dep_key = normalise_name(req.name)
                    targets.add(dep_key)
                    if dep_key in extras and not set(req.extras) <= extras[dep_key]:
                        extras[dep_key] |= set(req.extras)
                        changed = True
            edges[key] = {t for t in targets if t in reqs and t != key}
        if not changed:
            break
    required = {t for targets in edges.values() for t in targets}
    out = []
    for d in dists:
        key = normalise_name(d["name"])
        version = d.get("version") or None
        out.append(
            Dependency(
                name=d["name"],
                version=version,
                source=source,
                line=None,
                requirement=f"{d['name']}=={version}",
                license=d.get("license"),
                requires=tuple(sorted(edges.get(key, ()))),
                direct=key not in required,
                unresolvable=None if version else "installed without a version in its metadata",
            )
        )
    return sorted(out, key=lambda dep: dep.key)
