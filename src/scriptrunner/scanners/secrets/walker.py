"""Which files a secret scan reads, and which it does not (reported, never silently clean).

* Explicit file targets are always scanned.  Directories are listed by
  ``git ls-files --cached --others --exclude-standard`` inside a git work tree (so
  ``.gitignore``, ``.git/info/exclude`` and the global excludes apply exactly as git applies
  them; a directory git ignores as a whole is walked, since it was named explicitly),
  otherwise walked with a simple ``.gitignore`` reader (name and path globs, ``dir/``,
  ``!negation``; not every corner of git's syntax).  ``gitignore=False`` walks everything.
* Never descended into: ``.git``/``.hg``/``.svn`` and tool caches (``__pycache__``,
  ``.mypy_cache``...) silently; third-party trees (``node_modules``, ``.tox``, ``.nox`` and
  any virtualenv, i.e. a directory holding ``pyvenv.cfg``) are reported once each as
  skipped.
* Skipped with a reason: files over ``max_bytes`` (default 2 MiB), known binary extensions,
  unreadable files, and (by the reader, ``read_text``) content with a NUL byte in its first
  8 KiB.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.findings.model import Skipped

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
BINARY_SNIFF = 8192
SILENT_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)
VENDORED_DIRS = frozenset({"node_modules", ".tox", ".nox"})
BINARY_EXTENSIONS = frozenset(
    "png jpg jpeg gif bmp ico webp tif tiff psd pdf zip gz tgz bz2 xz 7z rar tar jar war "
    "class pyc pyo so dll dylib exe bin o a lib woff woff2 ttf otf eot mp3 mp4 wav ogg avi mov "
    "mkv sqlite db parquet whl egg npy npz pkl".split()
)


@dataclass(frozen=True, slots=True)
class FileTarget:
    """One file to scan: where it is, how findings name it, its size."""

    path: str
    rel: str
    size: int


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or absolute if outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class Excludes:
    """``--exclude`` globs: a path is excluded when it, or one of its components, matches."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._rx = (
            re.compile("|".join(fnmatch.translate(p) for p in self.patterns))
            if self.patterns
            else None
        )

    def __call__(self, rel: str) -> bool:
        if self._rx is None:
            return False
        match = self._rx.match
        return bool(match(rel)) or any(match(part) for part in rel.split("/"))


def collect(
    targets: Iterable[Path],
    root: Path,
    *,
    excludes: Sequence[str] = (),
    gitignore: bool = True,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> tuple[list[FileTarget], list[Skipped]]:
    """The files under ``targets`` to scan and the ones skipped (with reasons)."""
    files: dict[str, FileTarget] = {}
    skipped: list[Skipped] = []
    excluded = Excludes(excludes)
    for target in targets:
        target = Path(os.path.abspath(target))
        if target.is_dir():
            listing = _git_files(target) if gitignore else None
            if listing is None:
                candidates: Iterable[Path] = _walk(target, root, gitignore, excluded, skipped)
            else:
                candidates = _filter_vendored(target, listing, root, skipped)
        else:
            candidates = [target]
        for path in candidates:
            key = str(path)
            rel = display_path(path, root)
            if key in files or excluded(rel):
                continue
            item = _stat(path, rel, max_bytes, skipped)
            if item is not None:
                files[key] = item
    return list(files.values()), skipped


def _stat(path: Path, rel: str, max_bytes: int, skipped: list[Skipped]) -> FileTarget | None:
    ext = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    if ext in BINARY_EXTENSIONS:
        skipped.append(Skipped(rel, f"binary file (.{ext})"))
        return None
    try:
        st = path.stat()
    except OSError as exc:
        reason = "dangling symlink" if path.is_symlink() else f"unreadable: {exc.strerror}"
        skipped.append(Skipped(rel, reason))
        return None
    if not path.is_file():
        return None
    if st.st_size > max_bytes:
        skipped.append(Skipped(rel, f"too large: {st.st_size} bytes (limit {max_bytes})"))
        return None
    return FileTarget(str(path), rel, st.st_size)


def _git_files(directory: Path) -> list[Path] | None:
    """The files git would consider (tracked + untracked, not ignored); None: not a work
    tree or no git."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(
            [
                git,
                "-C",
                str(directory),
                "ls-files",
                "--cached",
                "--others",
                "--exclude-standard",
                "-z",
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None  # "not a git repository": walk the directory instead
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    # Nothing listed: the directory itself is ignored (a virtualenv, a checkout inside an
    # ignored folder).  It was named explicitly, so walk it with its own .gitignore files.
    return [directory / n for n in dict.fromkeys(names)] or None


def vendored(directory: Path) -> bool:
    """``node_modules``, ``.tox``, ``.nox`` or a virtualenv (it holds ``pyvenv.cfg``)."""
    return directory.name in VENDORED_DIRS or (directory / "pyvenv.cfg").is_file()


def _filter_vendored(
    top: Path, paths: list[Path], root: Path, skipped: list[Skipped]
) -> Iterator[Path]:
    verdicts: dict[str, str] = {}  # directory (relative to top) -> "", "silent", "vendored"
    for path in paths:
        parts = path.relative_to(top).parts[:-1]
        verdict = ""
        for i in range(len(parts)):
            key = "/".join(parts[: i + 1])
            verdict = verdicts.get(key, "?")
            if verdict == "?":
                directory = top.joinpath(*parts[: i + 1])
                verdict = (
                    "silent"
                    if parts[i] in SILENT_DIRS
                    else "vendored"
                    if vendored(directory)
                    else ""
                )
                verdicts[key] = verdict
                if verdict == "vendored":
                    skipped.append(
                        Skipped(
                            display_path(directory, root), "third-party directory (not scanned)"
                        )
                    )
            if verdict:
                break
        if not verdict:
            yield path


@dataclass(frozen=True, slots=True)
class _Ignore:
    base: str  # directory of the .gitignore, relative to the walk's top ("" = top)
    pattern: str
    negate: bool
    dir_only: bool
    anchored: bool

    def matches(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        if self.anchored:
            return fnmatch.fnmatch(rel, self.pattern)
        return fnmatch.fnmatch(rel.rsplit("/", 1)[-1], self.pattern) or fnmatch.fnmatch(
            rel, "*/" + self.pattern
        )


def _read_gitignore(path: Path, base: str) -> list[_Ignore]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out: list[_Ignore] = []
    for line in lines:
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        out.append(_Ignore(base, line.lstrip("/"), negate, dir_only, anchored))
    return out


def _ignored(rules: list[_Ignore], rel: str, is_dir: bool) -> bool:
    result = False
    for rule in rules:
        if rule.matches(rel, is_dir):
            result = not rule.negate
    return result


def _walk(
    top: Path, root: Path, gitignore: bool, excluded: Excludes, skipped: list[Skipped]
) -> Iterator[Path]:
    rules: list[_Ignore] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        base = Path(dirpath)
        rel_dir = base.relative_to(top).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if gitignore and ".gitignore" in filenames:
            rules += _read_gitignore(base / ".gitignore", rel_dir)
        keep = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in SILENT_DIRS or (gitignore and _ignored(rules, rel, True)):
                continue
            if excluded(display_path(base / d, root)):
                continue
            if vendored(base / d):
                skipped.append(
                    Skipped(display_path(base / d, root), "third-party directory (not scanned)")
                )
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not (gitignore and _ignored(rules, rel, False)):
                yield base / name


def read_text(path: str) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, reason)`` for binary or unreadable content."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    if b"\0" in data[:BINARY_SNIFF]:
        return None, "binary file"
    return data.decode("utf-8", "replace"), None


__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "FileTarget",
    "collect",
    "Excludes",
    "display_path",
    "read_text",
]
