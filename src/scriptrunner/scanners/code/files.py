"""Which files a code scan analyses, and which it cannot (reported, never silently clean).

``collect`` walks the targets (Python files only; symlinked directories are not followed,
so a symlink loop cannot trap the walk) and reports a target that does not exist, a symlink
that loops or dangles, and files over the size limit.  ``content_problem`` then looks inside
a file: binary data, text that is not UTF-8, or Python with a syntax error -- neither tool
can analyse those reliably (Semgrep silently skips what it cannot parse).
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scriptrunner.findings.model import Skipped

#: Directories never descended into (a virtualenv holds thousands of third-party files).
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".tools",
)
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to analyse: where it is, how it is shown, its bytes and their hash."""

    path: Path
    rel: str
    data: bytes = field(repr=False)
    digest: str

    @property
    def lines(self) -> list[str]:
        return self.data.decode("utf-8", "replace").splitlines()


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or absolute if outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _excluded(rel: str, name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _walk(directory: Path, root: Path, excludes: Sequence[str]) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        base = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in DEFAULT_EXCLUDES
            and not _excluded(display_path(base / d, root), d, excludes)
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield base / name


def collect(
    targets: Iterable[Path],
    root: Path,
    *,
    excludes: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> tuple[list[SourceFile], list[Skipped]]:
    """The readable Python files under ``targets`` and the targets that were skipped."""
    files: dict[Path, SourceFile] = {}
    skipped: list[Skipped] = []
    for target in targets:
        target = Path(os.path.abspath(target))
        if target.is_dir() and not target.is_symlink():
            candidates: Iterable[Path] = _walk(target, root, excludes)
        else:
            candidates = [target]
        for path in candidates:
            rel = display_path(path, root)
            if _excluded(rel, path.name, excludes) or path in files:
                continue
            try:
                real = path.resolve(strict=True)
                size = real.stat().st_size
                if not real.is_file():
                    skipped.append(Skipped(rel, "not a regular file"))
                    continue
                if size > max_bytes:
                    skipped.append(Skipped(rel, f"too large: {size} bytes (limit {max_bytes})"))
                    continue
                data = real.read_bytes()
            except RuntimeError:  # Python < 3.13 reports symlink loops this way
                skipped.append(Skipped(rel, "symlink loop"))
                continue
            except OSError as exc:
                skipped.append(Skipped(rel, _os_reason(exc, path)))
                continue
            files[path] = SourceFile(path, rel, data, hashlib.sha256(data).hexdigest())
    return list(files.values()), skipped


def _os_reason(exc: OSError, path: Path) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "dangling symlink" if path.is_symlink() else "does not exist"
    return f"unreadable: {exc.strerror}"


def content_problem(data: bytes) -> str | None:
    """Why a file's content cannot be analysed, or None when it can."""
    if b"\0" in data[:8192]:
        return "binary file"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"not UTF-8: invalid byte at offset {exc.start}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes is fine
            ast.parse(text)
    except SyntaxError as exc:
        return f"syntax error: line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot be parsed: {exc}"
    return None
