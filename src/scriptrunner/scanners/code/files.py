"""The Python files a code scan analyses, and which it cannot (reported, never silently
clean).

Files are collected by the shared collector (``scanners/files.py``, policy ``CODE_WALK``:
``*.py`` in directories); :func:`read_sources` reads them and ``content_problem`` then looks
inside a file: binary data, text that is not UTF-8, or Python with a syntax error -- neither
tool can analyse those reliably (Semgrep silently skips what it cannot parse).
"""

from __future__ import annotations

import ast
import hashlib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scriptrunner.findings.model import Skipped
from scriptrunner.scanners.files import CODE_WALK, FileTarget, collect, is_binary
from scriptrunner.scanners.options import DEFAULT_MAX_FILE_BYTES


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


def read_sources(targets: Iterable[FileTarget]) -> tuple[list[SourceFile], list[Skipped]]:
    """The collected files with their bytes, and the ones that could not be read."""
    files: list[SourceFile] = []
    skipped: list[Skipped] = []
    for target in targets:
        try:
            data = Path(target.path).read_bytes()
        except OSError as exc:
            skipped.append(Skipped(target.rel, f"unreadable: {exc.strerror}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        files.append(SourceFile(Path(target.path), target.rel, data, digest))
    return files, skipped


def collect_sources(
    targets: Iterable[Path],
    root: Path,
    *,
    excludes: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    spool: Path | None = None,
) -> tuple[list[SourceFile], list[Skipped]]:
    """The readable Python files under ``targets`` and the targets that were skipped
    (named streams are read into ``spool``, see ``scanners/files.py``)."""
    found, skipped = collect(
        targets, root, policy=CODE_WALK, excludes=excludes, max_bytes=max_bytes, spool=spool
    )
    files, unread = read_sources(found)
    return files, [*skipped, *unread]


def content_problem(data: bytes) -> str | None:
    """Why a file's content cannot be analysed, or None when it can."""
    return check_source(data)[0]


def check_source(data: bytes) -> tuple[str | None, ast.Module | None]:
    """Why a file's content cannot be analysed (or None), and its syntax tree when it can
    (the taint analysis reuses it: each file is parsed once)."""
    if is_binary(data):
        return "binary file", None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"not UTF-8: invalid byte at offset {exc.start}", None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes is fine
            return None, ast.parse(text)
    except SyntaxError as exc:
        return f"syntax error: line {exc.lineno}: {exc.msg}", None
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot be parsed: {exc}", None


__all__ = ["SourceFile", "check_source", "collect_sources", "content_problem", "read_sources"]
