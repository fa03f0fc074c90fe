"""Dependency inputs: requirements files, pyproject.toml, lock files, installed environments.

:func:`load_inputs` dispatches on the file name:

* ``requirements*.txt``, or any ``*.txt`` named explicitly -> :mod:`.requirements`
* ``pyproject.toml`` (PEP 621 and Poetry) -> :mod:`.pyproject`
* ``poetry.lock``, ``uv.lock``, ``Pipfile.lock`` -> :mod:`.locks`

A directory stands for the supported files directly inside it (not recursively: a project's
``requirements*.txt``, ``pyproject.toml`` and lock files sit at its top).  Any other file is a
:class:`ConfigError` listing the supported names.  A stream named explicitly (``-`` for
standard input, a FIFO, ``<(...)``, ``/dev/stdin``) is read, up to ``MAX_INPUT_BYTES`` (the limit of every dependency file), as
the file its name says (a requirements file when the name says nothing); one that cannot be
read fully is a :class:`ConfigError` (nothing is reported clean).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from scriptrunner.errors import ConfigError
from scriptrunner.registry import Registry
from scriptrunner.scanners.deps.inputs.pep508 import MAX_INPUT_BYTES, relative_source
from scriptrunner.scanners.deps.model import Dependency
from scriptrunner.scanners.files import STDIN, is_stream, read_stream

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
        if is_stream(path):
            deps += _load_stream(path, root, environment)
            continue
        if path.is_dir():
            found = supported_files(path)
            if not found:
                raise ConfigError(
                    f"{path}: no dependency file found (looked for: {', '.join(SUPPORTED)})"
                )
            files = [(p, False) for p in found]
        elif path.is_file():
            files = [(path, True)]
        elif path.exists():
            raise ConfigError(f"{path}: named target not read (not a regular file)")
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


def _load_stream(path: Path, root: Path, environment: Mapping[str, str] | None) -> list[Dependency]:
    """A named stream, read into a private temporary file and parsed as its name says."""
    from scriptrunner.scanners.private import spool_dir

    shown = STDIN if str(path) == STDIN else str(path)
    data, reason = read_stream(path, MAX_INPUT_BYTES)
    if data is None:
        raise ConfigError(f"{shown}: named target not read ({reason})")
    name = path.name if str(path) != STDIN and _parser(path, False) else "requirements.txt"
    with spool_dir("scriptrunner-deps-") as tmp:
        spooled = tmp / name
        spooled.write_bytes(data)
        source = relative_source(spooled, root)
        parser = _parser(spooled, True)
        assert parser is not None  # a supported name, or requirements.txt
        found = parser(spooled, root, environment)
    return [replace(d, source=shown) if d.source == source else d for d in found]


def load_environment(python: str | None) -> list[Dependency]:
    """The distributions installed in ``python``'s environment (None: this interpreter)."""
    from scriptrunner.scanners.deps.inputs.environment import installed

    return installed(python)


__all__ = ["INPUTS", "SUPPORTED", "load_environment", "load_inputs", "supported_files"]
