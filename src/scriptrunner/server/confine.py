"""What the web may start: a file under a configured directory, and argument values as data.

``scriptrunner serve --scripts-dir DIR`` / ``--workflows-dir DIR`` are the only places work
can be started from over HTTP.  A requested path is relative to one of those directories;
it is resolved with every symlink followed, and must still be inside that directory and be
a regular file (scripts: ending in ``.py``).  Absolute paths, ``..`` parts, NUL and control
characters are refused before the file system is touched.  Arguments and tags are never
interpreted: they reach the child process as whole argv elements; only what no argv element
can hold (NUL) or what would make a tag ambiguous is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from scriptrunner.errors import ScriptRunnerError

#: Longest relative path, argument and tag text accepted (bytes of text, before encoding).
MAX_PATH_CHARS = 4096
MAX_ARG_CHARS = 65536
#: Most arguments / tags one request may carry, and their total size.
MAX_ARGS = 1000
MAX_TAGS = 100
MAX_TOTAL_CHARS = 1 << 20


class LaunchError(ScriptRunnerError):
    """A start, cancel or resume that was refused; ``status`` is the HTTP answer (400 bad
    request, 404 unknown run, 409 not in a state that allows it, 503 server stopping)."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def confine(requested: Any, dirs: Sequence[Path], *, flag: str, suffix: str = "") -> Path:
    """The resolved file ``requested`` names under one of ``dirs`` (tried in order), or
    :class:`LaunchError` (400) saying why not."""
    what = "script" if flag == "--scripts-dir" else "workflow file"
    if not dirs:
        raise LaunchError(f"no {flag} is configured: this server does not start a {what}")
    if not isinstance(requested, str) or not requested.strip():
        raise LaunchError(f"give the {what} as a path relative to a {flag}")
    shown = repr(requested[:200])
    if len(requested) > MAX_PATH_CHARS or _has_control(requested):
        raise LaunchError(f"{what} {shown} is not a usable path (too long or control characters)")
    parts = PurePosixPath(requested)
    if parts.is_absolute():
        raise LaunchError(f"{what} {shown} must be relative to a {flag}, not absolute")
    if ".." in parts.parts:
        raise LaunchError(f"{what} {shown} must not contain '..'")
    problem = f"is not a file under any {flag}"
    for directory in dirs:
        try:
            root = directory.resolve(strict=True)
            found = (root / requested).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, a symlink loop, unreadable
            continue
        if not found.is_relative_to(root):
            problem = f"leads outside its {flag} (a symlink?)"
            continue
        if not found.is_file():
            problem = "is not a regular file"
            continue
        if suffix and found.suffix != suffix:
            problem = f"is not a {suffix} file"
            continue
        return found
    raise LaunchError(f"{what} {shown} {problem}")


def confine_recorded(path: Path, dirs: Sequence[Path]) -> Path | None:
    """``path`` (absolute, as recorded in the store) resolved, if it is a regular file
    inside one of ``dirs`` (symlinks followed); None otherwise."""
    try:
        found = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    for directory in dirs:
        try:
            root = directory.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if found.is_relative_to(root) and found.is_file():
            return found
    return None


def checked_args(args: Any) -> list[str]:
    """Script arguments: a list of strings, each passed as one argv element verbatim."""
    if args is None:
        return []
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        raise LaunchError("args must be a list of strings")
    if len(args) > MAX_ARGS or sum(len(a) for a in args) > MAX_TOTAL_CHARS:
        raise LaunchError(f"too many or too long args (at most {MAX_ARGS}, 1 MiB in all)")
    for arg in args:
        if "\0" in arg or len(arg) > MAX_ARG_CHARS:
            raise LaunchError(f"argument {arg[:40]!r} holds a NUL character or is too long")
    return list(args)


def checked_tags(tags: Any) -> dict[str, str]:
    """Tags: ``{key: value}`` strings; keys non-empty, without ``=``, spaces around them or
    control characters (``--tag KEY=VALUE`` must give back the same pair)."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise LaunchError("tags must be an object of string keys and string values")
    if len(tags) > MAX_TAGS:
        raise LaunchError(f"too many tags (at most {MAX_TAGS})")
    result: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise LaunchError("tags must be an object of string keys and string values")
        if not key or key != key.strip() or "=" in key or _has_control(key):
            raise LaunchError(
                f"tag key {key[:40]!r} is not usable: give a non-empty key without '=', "
                "surrounding spaces or control characters"
            )
        if "\0" in value or len(key) + len(value) > MAX_ARG_CHARS:
            raise LaunchError(f"tag {key[:40]!r}: the value holds NUL or is too long")
        result[key] = value
    return result
