"""Which files a scan reads, and which it does not (reported, never silently clean).

One collector for ``scan code`` and ``scan secrets``:

* Explicit file targets are always considered; directories are walked by
  ``scanners/walk.py`` (the :class:`WalkPolicy` of the scan kind, the one ``--exclude`` rule,
  ``.gitignore`` when asked; symlinked directories are not followed).
* Skipped with a reason: files over ``max_bytes``, known binary extensions, symlink loops,
  dangling symlinks, unreadable and non-regular files, directories that cannot be listed;
  readers skip content with a NUL byte in its first 8 KiB (:func:`is_binary`).
* A target named explicitly that is a stream -- ``-`` (standard input), a FIFO, a process
  substitution ``<(...)``, ``/dev/stdin``, a device -- is read (up to ``max_bytes``) into a
  file in ``spool`` (a private temporary directory the scanner owns) and scanned under its
  own name; it is what the user asked for.
* :func:`unread_targets`: a target named explicitly that was not read fully (missing, a
  dangling symlink or loop, a socket, over the size limit, unreadable), or anything under a
  named directory that could not be read, is a :class:`ToolFailure`: the scan is
  incomplete (exit 2), never clean.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.findings.model import Skipped, ToolFailure
from scriptrunner.scanners.gitignore import git_files
from scriptrunner.scanners.options import DEFAULT_MAX_FILE_BYTES
from scriptrunner.scanners.walk import (
    CODE_WALK,
    SECRETS_WALK,
    THIRD_PARTY,
    Excludes,
    Walker,
    WalkPolicy,
    display_path,
)

BINARY_SNIFF = 8192
BINARY_EXTENSIONS = frozenset(
    "png jpg jpeg gif bmp ico webp tif tiff psd pdf zip gz tgz bz2 xz 7z rar tar jar war "
    "class pyc pyo so dll dylib exe bin o a lib woff woff2 ttf otf eot mp3 mp4 wav ogg avi mov "
    "mkv sqlite db parquet whl egg npy npz pkl".split()
)
#: The target that means standard input.
STDIN = "-"
#: The tool name of a failure to read a named target.
INPUT_TOOL = "input"
#: Reasons of skips that are policy, not failures to read (a binary file was read).
_POLICY_REASONS = ("binary file", THIRD_PARTY)


@dataclass(frozen=True, slots=True)
class FileTarget:
    """One file to scan: where it is, how findings name it, its size."""

    path: str
    rel: str
    size: int


def collect(
    targets: Iterable[Path],
    root: Path,
    *,
    policy: WalkPolicy,
    excludes: Sequence[str] = (),
    gitignore: bool = False,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    spool: Path | None = None,
) -> tuple[list[FileTarget], list[Skipped]]:
    """The files under ``targets`` to scan and the ones skipped (with reasons); named
    streams are read into ``spool`` (None: skipped, which :func:`unread_targets` reports)."""
    files: dict[str, FileTarget] = {}
    skipped: list[Skipped] = []
    walker = Walker(root, policy, Excludes(excludes), skipped)
    for target in targets:
        if str(target) == STDIN or is_stream(target):
            rel = (
                STDIN if str(target) == STDIN else display_path(Path(os.path.abspath(target)), root)
            )
            if walker.excluded(rel):
                continue
            if spool is None:
                skipped.append(Skipped(rel, "not a regular file"))
                continue
            item = spool_stream(target, rel, spool, max_bytes, policy.suffixes, skipped)
            if item is not None:
                files[f"{STDIN}{item.path}"] = item
            continue
        target = Path(os.path.abspath(target))
        if target.is_dir():
            carrier = policy.carrier if policy.carriers else None
            listing = git_files(target, carrier) if gitignore else None
            if listing is None:
                candidates: Iterable[Path] = walker.walk(target, gitignore)
            else:
                candidates = walker.filter_listing(target, listing)
        else:
            candidates = [target]
        for path in candidates:
            key = str(path)
            rel = display_path(path, root)
            if key in files or walker.excluded(rel):
                continue
            item = _stat(path, rel, max_bytes, skipped)
            if item is not None:
                files[key] = item
    return list(files.values()), skipped


def is_stream(target: Path | str) -> bool:
    """``-``, or a path that is (or links to) a FIFO or a device: read, not stat-sized."""
    if str(target) == STDIN:
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def read_stream(target: Path | str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """``(data, None)``, or ``(None, reason)`` when the stream cannot be read or holds more
    than ``max_bytes`` (read at most ``max_bytes + 1`` bytes: ``/dev/zero`` ends too)."""
    try:
        if str(target) == STDIN:
            if sys.stdin is None:
                return None, "unreadable: no standard input"
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(target, "rb") as fh:
                data = fh.read(max_bytes + 1)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    if len(data) > max_bytes:
        return None, f"too large: more than the limit of {max_bytes} bytes"
    return data, None


def spool_stream(
    target: Path | str,
    rel: str,
    spool: Path,
    max_bytes: int,
    suffixes: Sequence[str] = (),
    skipped: list[Skipped] | None = None,
) -> FileTarget | None:
    """Read the stream ``target`` into a private file of ``spool``, shown as ``rel``; None
    (and a skip in ``skipped``) when it cannot be read fully."""
    data, reason = read_stream(target, max_bytes)
    if data is None:
        if skipped is not None:
            skipped.append(Skipped(rel, reason or "unreadable"))
        return None
    name = f"{len(os.listdir(spool))}-{Path(rel).name.lstrip('.') or 'stdin'}"
    if suffixes and not name.endswith(tuple(suffixes)):
        name += suffixes[0]  # the tools pick files by their suffix
    path = spool / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return FileTarget(str(path), rel, len(data))


def unread_targets(
    targets: Iterable[Path], root: Path, skipped: Iterable[Skipped]
) -> list[ToolFailure]:
    """The skips of the collector and of reading (not of analysis: a syntax error was read)
    that mean a named target was not read fully (see the module docstring), as failures that
    make the scan incomplete."""
    named = {
        STDIN if str(t) == STDIN else display_path(Path(os.path.abspath(t)), root) for t in targets
    }
    failures = []
    for s in skipped:
        if s.reason.startswith(_POLICY_REASONS):
            continue
        if s.target in named or s.reason.startswith("unreadable"):
            failures.append(
                ToolFailure(INPUT_TOOL, f"{s.target}: named target not read ({s.reason})")
            )
    return failures


def _stat(path: Path, rel: str, max_bytes: int, skipped: list[Skipped]) -> FileTarget | None:
    ext = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    if ext in BINARY_EXTENSIONS:
        skipped.append(Skipped(rel, f"binary file (.{ext})"))
        return None
    try:
        st = os.stat(path)
    except OSError as exc:
        skipped.append(Skipped(rel, _os_reason(exc, path)))
        return None
    if stat.S_ISDIR(st.st_mode):
        return None  # a git submodule in a listing: not a file of this tree
    if not stat.S_ISREG(st.st_mode):
        skipped.append(Skipped(rel, "not a regular file"))
        return None
    if st.st_size > max_bytes:
        skipped.append(Skipped(rel, f"too large: {st.st_size} bytes (limit {max_bytes})"))
        return None
    return FileTarget(str(path), rel, st.st_size)


def _os_reason(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "dangling symlink" if path.is_symlink() else "does not exist"
    return f"unreadable: {exc.strerror}"


def is_binary(data: bytes) -> bool:
    """Content with a NUL byte in its first 8 KiB."""
    return b"\0" in data[:BINARY_SNIFF]


def read_text(path: str) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, reason)`` for binary or unreadable content."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    if is_binary(data):
        return None, "binary file"
    return data.decode("utf-8", "replace"), None


__all__ = [
    "CODE_WALK",
    "INPUT_TOOL",
    "SECRETS_WALK",
    "STDIN",
    "Excludes",
    "FileTarget",
    "WalkPolicy",
    "collect",
    "display_path",
    "is_binary",
    "is_stream",
    "read_stream",
    "read_text",
    "spool_stream",
    "unread_targets",
]
