"""Dependency inputs: requirements files, pyproject.toml, lock files, installed environments.

:func:`load_inputs` dispatches on the file name:

* ``requirements*.txt``, or any ``*.txt`` named explicitly -> :mod:`.requirements`
* ``pyproject.toml`` (PEP 621 and Poetry) -> :mod:`.pyproject`
* ``poetry.lock``, ``uv.lock``, ``Pipfile.lock`` -> :mod:`.locks`

A directory stands for the supported files directly inside it (not recursively: a project's
``requirements*.txt``, ``pyproject.toml`` and lock files sit at its top).  Any other file is a
:class:`ConfigError` listing the supported names.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from scriptrunner.errors import ConfigError
from scriptrunner.registry import Registry
from scriptrunner.scanners.deps.model import Dependency

Parser = Callable[[Path, Path, Mapping[str, str] | None], list[Dependency]]

#: Dependency file name (a glob for requirements files) -> its parser, imported when used.
INPUTS: Registry[Parser] = Registry(
    "dependency file",
    {
        "requirements*.txt": "scriptrunner.scanners.deps.inputs.requirements:parse_requirements",
        "pyproject.toml": "scriptrunner.scanners.deps.inputs.pyproject:parse_pyproject",
        "poetry.lock": "scriptrunner.scanners.deps.inputs.locks:parse_poetry_lock",
        "uv.lock": "scriptrunner.scanners.deps.inputs.locks:parse_uv_lock",
        "Pipfile.lock": "scriptrunner.scanners.deps.inputs.locks:parse_pipfile_lock",
    },
)
SUPPORTED = INPUTS.names()
_REQUIREMENTS = "requirements*.txt"


def _parser(path: Path, explicit: bool) -> Parser | None:
    name = path.name
    if name in INPUTS and name != _REQUIREMENTS:
        return INPUTS.get(name)
    if fnmatch.fnmatch(name, _REQUIREMENTS) or (explicit and name.endswith(".txt")):
        return INPUTS.get(_REQUIREMENTS)
    return None


def supported_files(directory: Path) -> list[Path]:
    """The files of ``directory`` (not its subdirectories) that :func:`load_inputs` reads."""
    return sorted(p for p in directory.iterdir() if p.is_file() and _parser(p, False) is not None)


def load_inputs(
    paths: Sequence[Path], root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """Every dependency in ``paths`` (files or directories), sources relative to ``root``.

    ``environment`` is the marker environment of the target interpreter (default: the
    current one).
    """
    deps: list[Dependency] = []
    for path in paths:
        if path.is_dir():
            found = supported_files(path)
            if not found:
                raise ConfigError(
                    f"{path}: no dependency file found (looked for: {', '.join(SUPPORTED)})"
                )
            files = [(p, False) for p in found]
        elif path.is_file():
            files = [(path, True)]
        else:
            raise ConfigError(f"{path}: no such file or directory")
        for file, explicit in files:
            parser = _parser(file, explicit)
            if parser is None:
                raise ConfigError(
                    f"{file}: unsupported dependency file (supported: {', '.join(SUPPORTED)})"
                )
            deps += parser(file, root, environment)
    return deps


def load_environment(python: str | None) -> list[Dependency]:
    """The distributions installed in ``python``'s environment (None: this interpreter)."""
    from scriptrunner.scanners.deps.inputs.environment import installed

    return installed(python)


__all__ = ["INPUTS", "SUPPORTED", "load_environment", "load_inputs", "supported_files"]
