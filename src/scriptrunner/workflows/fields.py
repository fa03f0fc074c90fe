"""Typed field readers that fail with ``file:line: field.path: expected ..., got ...``.

Validation is hand-written rather than delegated to ``jsonschema`` because a schema
validator reports "'abc' is not of type 'number'" against a JSON pointer; users need the
line and a sentence.  The published schema (``workflow.schema.json``) is tested to agree.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from scriptrunner import limits
from scriptrunner.errors import ConfigError, WorkflowError
from scriptrunner.workflows.yaml_source import Lines, PathKey

NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_-]*"
NAME_RE = re.compile(NAME_PATTERN)


def did_you_mean(word: str, choices: Collection[str], quote: str = "'") -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {quote}{close[0]}{quote}?)" if close else ""


def dotted(path: PathKey) -> str:
    """``tasks.build.args[2]`` for ``("tasks", "build", "args", 2)``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def show(value: Any) -> str:
    """A value as a message shows it: scalars as written, containers by kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


@dataclass(frozen=True, slots=True)
class Where:
    """The document being read, to put a file name and line on every error."""

    source: str
    lines: Lines

    def line(self, path: PathKey) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def error(self, path: PathKey, message: str, *, with_path: bool = True) -> WorkflowError:
        """A :class:`WorkflowError` located at ``path``."""
        line = self.line(path)
        where = f"{self.source}:{line}" if line is not None else self.source
        name = dotted(path)
        return WorkflowError(
            f"{where}: {name}: {message}" if with_path and name else f"{where}: {message}"
        )

    def expected(self, path: PathKey, what: str, value: Any) -> WorkflowError:
        """``expected <what>, got <value>``."""
        return self.error(path, f"expected {what}, got {show(value)}")


def mapping(where: Where, path: PathKey, value: Any, what: str = "a mapping") -> Mapping[str, Any]:
    """A mapping whose keys are all strings."""
    if not isinstance(value, Mapping):
        raise where.expected(path, what, value)
    for key in value:
        if not isinstance(key, str):
            raise where.error((*path, str(key)), f"keys must be text, got {show(key)}")
    return value


def check_keys(
    where: Where, path: PathKey, value: Mapping[str, Any], allowed: Collection[str]
) -> None:
    """Reject keys not in ``allowed``, suggesting the closest valid one."""
    for key in value:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or f" (valid keys: {', '.join(sorted(allowed))})"
            prefix = f"{dotted(path)}: " if path else ""
            # Located at the key's own line, named by its parent: "tasks.a: unknown key 'x'".
            raise where.error((*path, key), f"{prefix}unknown key {key!r}{hint}", with_path=False)


def string(where: Where, path: PathKey, value: Any) -> str:
    """A string (numbers are not silently accepted: ``run: 3`` is a mistake)."""
    if not isinstance(value, str):
        raise where.expected(path, "a string", value)
    return value


def non_empty_string(where: Where, path: PathKey, value: Any) -> str:
    """A string with something besides whitespace."""
    text = string(where, path, value)
    if not text.strip():
        raise where.expected(path, "a non-empty string", value)
    return text


def scalar_text(where: Where, path: PathKey, value: Any) -> str:
    """A string, number or boolean as text (``true``/``false`` for booleans).

    Environment values and arguments end up as strings anyway, and ``PORT: 8080`` or
    ``["--rows", 5]`` are what people write.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and math.isfinite(value):
        return str(value)
    raise where.expected(path, "a string, number or boolean", value)


def text_map(where: Where, path: PathKey, value: Any) -> dict[str, str]:
    """``env`` and ``tags``: names to scalar values, as strings."""
    items = mapping(where, path, value)
    return {key: scalar_text(where, (*path, key), item) for key, item in items.items()}


def text_list(where: Where, path: PathKey, value: Any) -> tuple[str, ...]:
    """A list of scalars, as strings."""
    if not isinstance(value, list):
        raise where.expected(path, "a list of strings", value)
    return tuple(scalar_text(where, (*path, i), item) for i, item in enumerate(value))


def boolean(where: Where, path: PathKey, value: Any) -> bool:
    """``true`` or ``false`` (not ``yes``/``1``: the YAML 1.2 rule)."""
    if not isinstance(value, bool):
        raise where.expected(path, "true or false", value)
    return value


def number(where: Where, path: PathKey, value: Any, *, positive: bool = False) -> float:
    """Seconds: a finite number ``>= 0`` (or ``> 0`` when ``positive``) within the bounds of
    :func:`scriptrunner.limits.duration`, the same as on the command line."""
    what = "a number > 0" if positive else "a number >= 0"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.expected(path, what, value)
    if math.isfinite(value) and (value < 0 or (positive and value == 0)):
        raise where.expected(path, what, value)
    try:
        return limits.duration(dotted(path), value, allow_zero=not positive)
    except ConfigError as exc:
        raise where.error(path, str(exc), with_path=False) from None


def integer(
    where: Where, path: PathKey, value: Any, *, minimum: int, maximum: int = limits.MAX_COUNT
) -> int:
    """A whole number ``>= minimum`` within :func:`scriptrunner.limits.count`'s bounds (a
    whole float such as JSON's ``1e9`` is a number too, and is checked against them)."""
    whole = isinstance(value, float) and math.isfinite(value) and value.is_integer()
    if isinstance(value, bool) or not (isinstance(value, int) or whole) or value < minimum:
        raise where.expected(path, f"an integer >= {minimum}", value)
    try:
        return limits.count(dotted(path), value, minimum=minimum, maximum=maximum)
    except ConfigError as exc:
        raise where.error(path, str(exc), with_path=False) from None


def fraction(where: Where, path: PathKey, value: Any, what: str) -> float:
    """A number from 0 to 1 (:func:`scriptrunner.limits.fraction`); ``what`` for messages."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.expected(path, what, value)
    if math.isfinite(value) and not 0 <= value <= 1:
        raise where.expected(path, what, value)
    try:
        return limits.fraction(dotted(path), value)
    except ConfigError as exc:
        raise where.error(path, str(exc), with_path=False) from None


def choice(where: Where, path: PathKey, value: Any, choices: tuple[str, ...]) -> str:
    """One of ``choices``, else ``expected one of ..., got ...`` with a did-you-mean hint."""
    if value not in choices:
        hint = did_you_mean(str(value), choices)
        raise where.error(path, f"expected one of {', '.join(choices)}, got {show(value)}{hint}")
    return str(value)


def name(where: Where, path: PathKey, value: Any, what: str = "a task name") -> str:
    """A task or matrix key name: ``[A-Za-z_][A-Za-z0-9_-]*``."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise where.expected(path, f"{what} matching {NAME_PATTERN}", value)
    return value


def names(where: Where, path: PathKey, value: Any) -> tuple[str, ...]:
    """``needs``: one name or a list of names; repeats are dropped, order kept."""
    if isinstance(value, str):
        return (name(where, path, value),)
    if not isinstance(value, list):
        raise where.expected(path, "a task name or a list of task names", value)
    return tuple(dict.fromkeys(name(where, (*path, i), item) for i, item in enumerate(value)))
