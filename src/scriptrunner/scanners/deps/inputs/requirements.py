"""``requirements*.txt`` as pip reads it, into :class:`Dependency` values.

Supported: ``-r``/``--requirement`` includes (relative to the including file; a cycle is an
error), ``-c``/``--constraint`` files (their exact pins give versions to requirements the main
files leave unpinned; constraints alone are not dependencies), ``--hash`` options, environment
markers (evaluated against the *target* environment; a false marker means not a dependency),
extras, comments (``#`` at the start or after whitespace), ``\\`` continuations, ``${VAR}``
expansion, and every global option line (``-i``, ``--extra-index-url``, ``-f``, ``--pre``...),
which is ignored.

Anything without an exact ``==``/``===`` pin -- a range, a URL, a local path, an ``-e`` line --
becomes a dependency with ``version=None`` and ``unresolvable`` saying why: it is reported,
never dropped.  A line pip would reject raises :class:`ConfigError` naming ``file:line``.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.deps.inputs.pep508 import (
    URL,
    current_environment,
    read_input,
    relative_source,
    requirement_dependency,
    unresolved_target,
)
from scriptrunner.scanners.deps.model import Dependency

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")

#: Options that take a value and are ignored (global options of a requirements file).
_VALUE_OPTIONS = (
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
    "--only-binary", "--no-binary", "--use-feature", "--config-settings", "--global-option",
    "--install-option",
)  # fmt: skip
#: Flag options that are ignored.
_FLAG_OPTIONS = {"--pre", "--no-index", "--prefer-binary", "--require-hashes"}


@dataclass
class _Context:
    root: Path
    environment: Mapping[str, str]
    stack: list[Path] = field(default_factory=list)
    constraints: dict[str, str] = field(default_factory=dict)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(starting line number, joined text) with continuations and comments handled as pip."""
    start: int | None = None
    parts: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if start is None:
            start = number
        if line.endswith("\\") and not _COMMENT.match(line):
            parts.append(line[:-1])
            continue
        parts.append(line)
        joined = _COMMENT.sub("", "".join(parts)).strip()
        if joined:
            yield start, joined
        start, parts = None, []
    if parts:
        joined = _COMMENT.sub("", "".join(parts)).strip()
        if joined and start is not None:
            yield start, joined


def _expand(text: str) -> str:
    return _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), text)


def _split(text: str, where: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise ConfigError(f"{where}: cannot split line: {exc}") from None


def _option_value(
    tokens: list[str], i: int, names: tuple[str, ...], where: str
) -> tuple[str, int] | None:
    """If ``tokens[i]`` is one of ``names`` (``-r F``, ``-rF``, ``--requirement=F``), its value."""
    tok = tokens[i]
    for name in names:
        if tok == name:
            if i + 1 >= len(tokens):
                raise ConfigError(f"{where}: {name} needs a value")
            return tokens[i + 1], i + 2
        if name.startswith("--") and tok.startswith(name + "="):
            return tok[len(name) + 1 :], i + 1
        if not name.startswith("--") and tok.startswith(name) and len(tok) > len(name):
            return tok[len(name) :], i + 1
    return None


def parse_requirements(
    path: Path, root: Path, environment: Mapping[str, str] | None = None
) -> list[Dependency]:
    """Every dependency of ``path`` (and the files it includes), in file order."""
    env = dict(environment) if environment is not None else current_environment()
    ctx = _Context(root=root, environment=env)
    deps = list(_parse_file(path, ctx, constraint=False))
    if not ctx.constraints:
        return deps
    out = []
    for dep in deps:
        pin = ctx.constraints.get(dep.key)
        if (
            dep.version is None
            and pin is not None
            and dep.unresolvable
            and "not pinned" in dep.unresolvable
        ):
            dep = replace(dep, version=pin, unresolvable=None)
        out.append(dep)
    return out


def _read(path: Path, where: str | None) -> str:
    try:
        return read_input(path, "utf-8-sig")
    except ConfigError as exc:
        prefix = f"{where}: " if where else ""
        raise ConfigError(f"{prefix}{exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc.reason}") from exc


def _parse_file(
    path: Path, ctx: _Context, *, constraint: bool, where: str | None = None
) -> Iterator[Dependency]:
    resolved = path.resolve()
    if resolved in ctx.stack:
        chain = " -> ".join(str(p) for p in (*ctx.stack, resolved))
        raise ConfigError(f"{where}: requirements include cycle: {chain}")
    text = _read(path, where)
    ctx.stack.append(resolved)
    try:
        source = relative_source(path, ctx.root)
        for number, line in _logical_lines(text):
            yield from _parse_line(path, source, number, _expand(line), ctx, constraint=constraint)
    finally:
        ctx.stack.pop()


def _parse_line(
    path: Path, source: str, number: int, line: str, ctx: _Context, *, constraint: bool
) -> Iterator[Dependency]:
    where = f"{source}:{number}"
    if line.startswith("-"):
        yield from _option_line(path, source, number, line, ctx, constraint=constraint)
        return
    # Requirement, then per-requirement options (``--hash``, ``--config-settings``...).
    req_text, hashes = _requirement_options(line, where)
    dep = requirement_dependency(req_text, source, number, ctx.environment, hashes)
    if dep is None:
        return
    if constraint:
        if dep.version is not None:
            ctx.constraints[dep.key] = dep.version
        return
    yield dep


def _requirement_options(line: str, where: str) -> tuple[str, tuple[str, ...]]:
    # pip: the requirement is everything before the first `` -`` / `` --`` token.
    match = re.search(r"\s--?[A-Za-z]", line)
    if match is None:
        return line.strip(), ()
    req_text, options = line[: match.start()].strip(), _split(line[match.start() :], where)
    hashes: list[str] = []
    i = 0
    while i < len(options):
        got = _option_value(options, i, ("--hash",), where)
        if got is not None:
            value, i = got
            algo, sep, digest = value.partition(":")
            if not sep or not digest:
                raise ConfigError(f"{where}: invalid --hash {value!r} (expected ALGO:HEX)")
            hashes.append(f"{algo.lower()}:{digest.lower()}")
            continue
        got = _option_value(
            options, i, ("--config-settings", "--global-option", "--install-option"), where
        )
        if got is not None:
            i = got[1]
            continue
        raise ConfigError(f"{where}: unknown option {options[i]!r} after a requirement")
    return req_text, tuple(hashes)


def _option_line(
    path: Path, source: str, number: int, line: str, ctx: _Context, *, constraint: bool
) -> Iterator[Dependency]:
    where = f"{source}:{number}"
    tokens = _split(line, where)
    i = 0
    while i < len(tokens):
        include = _option_value(tokens, i, ("-r", "--requirement"), where)
        limits = _option_value(tokens, i, ("-c", "--constraint"), where)
        if include is not None or limits is not None:
            target, i = include or limits  # type: ignore[misc]
            yield from _include(path, target, ctx, constraint or limits is not None, where)
            continue
        editable = _option_value(tokens, i, ("-e", "--editable"), where)
        if editable is not None:
            target, i = editable
            if not constraint:
                yield unresolved_target(target, source, number, line, "editable install (-e)")
            continue
        ignored = _option_value(tokens, i, _VALUE_OPTIONS, where)
        if ignored is not None:
            i = ignored[1]
        elif tokens[i] in _FLAG_OPTIONS:
            i += 1
        else:
            raise ConfigError(f"{where}: unknown option {tokens[i]!r}")


def _include(
    path: Path, target: str, ctx: _Context, constraint: bool, where: str
) -> Iterator[Dependency]:
    if URL.match(target):
        raise ConfigError(
            f"{where}: remote requirements file {target} is not fetched; "
            "download it and scan the local copy"
        )
    included = path.parent / target
    if not included.is_file():
        raise ConfigError(f"{where}: included file {target} does not exist")
    yield from _parse_file(included, ctx, constraint=constraint, where=where)


__all__ = ["parse_requirements"]
