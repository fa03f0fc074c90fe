"""Owner-only cache directories and files, and one error when they cannot be made.

Scan caches hold what the scanners saw (finding messages, advisory records, Semgrep's
settings), so they are created ``0700`` (directories) and ``0600`` (files) whatever the
umask, and an existing cache directory is tightened to ``0700``.  A directory that cannot be
created or written (an unwritable ``$SCRIPTRUNNER_HOME`` or ``$HOME``, a file in the way) is
a :class:`~scriptrunner.errors.ConfigError` -- exit 2, one line naming the path and the fix
-- never a traceback.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scriptrunner.errors import ConfigError

DIR_MODE = 0o700
FILE_MODE = 0o600
FIX = "set SCRIPTRUNNER_HOME to a writable directory, or pass --no-cache"


def cache_error(what: str, path: Path, exc: BaseException, fix: str = FIX) -> ConfigError:
    """``cannot create the scan cache <path>: <why>; <fix>``."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError(f"cannot create {what} {path}: {why}; {fix}")


def private_dir(path: Path, what: str = "the scan cache", fix: str = FIX) -> Path:
    """``path`` as an owner-only directory (created with its parents, each new one 0700)."""
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for directory in reversed(missing):
            directory.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
        if not missing and (path.stat().st_mode & 0o077):
            os.chmod(path, DIR_MODE)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise cache_error(what, path, exc, fix) from exc
    return path


def private_file(path: Path, what: str = "the scan cache") -> Path:
    """``path`` existing as an owner-only file (its directory made by :func:`private_dir`)."""
    private_dir(path.parent, what)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
    except OSError as exc:
        raise cache_error(what, path, exc) from exc
    return path


@contextmanager
def spool_dir(prefix: str) -> Iterator[Path]:
    """A private temporary directory (``mkdtemp``: 0700) for streams read before scanning,
    removed afterwards; ``ConfigError`` when none can be created."""
    try:
        tmp = tempfile.TemporaryDirectory(prefix=prefix)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise ConfigError(
            f"cannot create a temporary directory: {why}; set TMPDIR to a writable directory"
        ) from exc
    with tmp as path:
        yield Path(path)


__all__ = ["DIR_MODE", "FILE_MODE", "cache_error", "private_dir", "private_file", "spool_dir"]
