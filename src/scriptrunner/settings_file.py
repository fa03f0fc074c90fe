"""Finding the settings file that applies to a directory, standard library only.

``scriptrunner.toml`` in the directory or the nearest parent that has one, or
``[tool.scriptrunner]`` in the nearest ``pyproject.toml`` that has that table, whichever
comes first on the way up.  A ``pyproject.toml`` whose text never mentions scriptrunner is
passed over unparsed: it cannot hold the table, and it is not scriptrunner's to judge
(a project's broken ``pyproject.toml`` does not stop a run).  ``settings.load_settings``
reads the file this finds; the ``run`` fast path (``cli.fast_run``) asks whether there is
one at all, and only parses TOML when a ``pyproject.toml`` names scriptrunner.
"""

from __future__ import annotations

import os
import sys

from scriptrunner.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def file_settings(start: str) -> tuple[dict[str, Any], str]:
    """The settings of the file that applies to directory ``start`` (absolute, resolved)
    and where they come from; ``({}, "")`` when there is none.  ``ConfigError`` for a
    file that cannot be read or is not TOML."""
    directory = start
    while True:
        own = os.path.join(directory, "scriptrunner.toml")
        if os.path.isfile(own):
            data = _read_toml(own, _read(own))
            return dict(data.get("scriptrunner", data)), own
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject):
            text = _read(pyproject)
            if b"scriptrunner" in text:
                section = _read_toml(pyproject, text).get("tool", {}).get("scriptrunner")
                if section is not None:
                    return dict(section), f"{pyproject} [tool.scriptrunner]"
        parent = os.path.dirname(directory)
        if parent == directory:
            return {}, ""
        directory = parent


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings file: {exc.strerror}") from exc


def _read_toml(path: str, text: bytes) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        data: dict[str, Any] = tomllib.loads(text.decode("utf-8"))
        return data
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
