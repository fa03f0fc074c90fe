"""Which files a scan reads, and which it does not (reported, never silently clean).

One collector for ``scan code`` and ``scan secrets``:

* Explicit file targets are always considered; directories are walked (symlinked
  directories inside them are not followed, so a symlink loop cannot trap the walk).
* ``--exclude GLOB`` (one rule for every scan kind): a path is skipped when the glob matches
  its path relative to the scan root, or any one of its components -- ``vendor`` skips every
  ``vendor`` directory, ``*.min.js`` every such file, ``tests/fixtures/*`` what is below it.
* A :class:`WalkPolicy` says which files a walk picks (``*.py`` for code) and which
  directories it never enters: tool caches silently, third-party trees (``node_modules``, a
  virtualenv...) reported once each as skipped when the policy says so.
* With ``gitignore=True`` a directory is listed as git lists it (``gitignore.py``).
* Skipped with a reason: files over ``max_bytes``, known binary extensions, symlink loops,
  dangling symlinks, unreadable and non-regular files; readers skip content with a NUL byte
  in its first 8 KiB (:func:`is_binary`).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.findings.model import Skipped
from scriptrunner.scanners.gitignore import IgnoreRule, git_files, ignored, read_gitignore
from scriptrunner.scanners.options import DEFAULT_MAX_FILE_BYTES

BINARY_SNIFF = 8192
BINARY_EXTENSIONS = frozenset(
    "png jpg jpeg gif bmp ico webp tif tiff psd pdf zip gz tgz bz2 xz 7z rar tar jar war "
    "class pyc pyo so dll dylib exe bin o a lib woff woff2 ttf otf eot mp3 mp4 wav ogg avi mov "
    "mkv sqlite db parquet whl egg npy npz pkl".split()
)
THIRD_PARTY = "third-party directory (not scanned)"


@dataclass(frozen=True, slots=True)
class WalkPolicy:
    """What a directory walk picks and what it never enters."""

    #: File name endings picked in directories (empty: every file).
    suffixes: tuple[str, ...] = ()
    #: Directory names never entered, silently (VCS data, caches).
    silent_dirs: frozenset[str] = frozenset()
    #: Directory names of third-party trees, never entered.
    third_party_dirs: frozenset[str] = frozenset()
    #: Also treat a directory holding ``pyvenv.cfg`` (a virtualenv) as third-party.
    virtualenvs: bool = False
    #: Report each third-party directory as skipped (else skip it silently).
    report_third_party: bool = False


_VCS_AND_CACHES = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache"})

#: ``scan code``: Python files; virtualenvs and tool environments are skipped silently.
CODE_WALK = WalkPolicy(
    suffixes=(".py",),
    silent_dirs=_VCS_AND_CACHES | {".venv", "venv", ".tox", ".nox", "node_modules", ".tools"},
)
#: ``scan secrets``: every file; third-party trees are reported as skipped.
SECRETS_WALK = WalkPolicy(
    silent_dirs=_VCS_AND_CACHES | {".pytest_cache"},
    third_party_dirs=frozenset({"node_modules", ".tox", ".nox"}),
    virtualenvs=True,
    report_third_party=True,
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
    policy: WalkPolicy,
    excludes: Sequence[str] = (),
    gitignore: bool = False,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> tuple[list[FileTarget], list[Skipped]]:
    """The files under ``targets`` to scan and the ones skipped (with reasons)."""
    files: dict[str, FileTarget] = {}
    skipped: list[Skipped] = []
    walker = _Walker(root, policy, Excludes(excludes), skipped)
    for target in targets:
        target = Path(os.path.abspath(target))
        if target.is_dir():
            listing = git_files(target) if gitignore else None
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


class _Walker:
    """Directory walks under one policy, exclude rule and list of skips."""

    def __init__(
        self, root: Path, policy: WalkPolicy, excluded: Excludes, skipped: list[Skipped]
    ) -> None:
        self.root = root
        self.policy = policy
        self.excluded = excluded
        self.skipped = skipped

    def third_party(self, directory: Path) -> bool:
        """Whether ``directory`` is a third-party tree; reports it when the policy says so."""
        policy = self.policy
        found = directory.name in policy.third_party_dirs or (
            policy.virtualenvs and (directory / "pyvenv.cfg").is_file()
        )
        if found and policy.report_third_party:
            self.skipped.append(Skipped(display_path(directory, self.root), THIRD_PARTY))
        return found

    def picked(self, name: str) -> bool:
        suffixes = self.policy.suffixes
        return not suffixes or name.endswith(suffixes)

    def walk(self, top: Path, gitignore: bool) -> Iterator[Path]:
        rules: list[IgnoreRule] = []
        silent = self.policy.silent_dirs
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            base = Path(dirpath)
            rel_dir = base.relative_to(top).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            if gitignore and ".gitignore" in filenames:
                rules += read_gitignore(base / ".gitignore", rel_dir)
            keep = []
            for d in sorted(dirnames):
                rel = f"{rel_dir}/{d}" if rel_dir else d
                if d in silent or (gitignore and ignored(rules, rel, True)):
                    continue
                if self.excluded(display_path(base / d, self.root)):
                    continue
                if self.third_party(base / d):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not self.picked(name):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not (gitignore and ignored(rules, rel, False)):
                    yield base / name

    def filter_listing(self, top: Path, paths: list[Path]) -> Iterator[Path]:
        """``paths`` (git's listing of ``top``) without those in silent/third-party dirs."""
        verdicts: dict[str, bool] = {}  # directory (relative to top) -> entered?
        silent = self.policy.silent_dirs
        for path in paths:
            if not self.picked(path.name):
                continue
            parts = path.relative_to(top).parts[:-1]
            entered = True
            for i in range(len(parts)):
                key = "/".join(parts[: i + 1])
                entered_dir = verdicts.get(key)
                if entered_dir is None:
                    directory = top.joinpath(*parts[: i + 1])
                    entered_dir = not (parts[i] in silent or self.third_party(directory))
                    verdicts[key] = entered_dir
                if not entered_dir:
                    entered = False
                    break
            if entered:
                yield path


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
    "SECRETS_WALK",
    "Excludes",
    "FileTarget",
    "WalkPolicy",
    "collect",
    "display_path",
    "is_binary",
    "read_text",
]
