"""This process's journal file (``store.journal``): created at the first write, locked
while the process has it open, appended to with one ``write`` and an ``fsync`` per batch,
bounded."""

from __future__ import annotations

import contextlib
import os
import time

from scriptrunner.store.journal import (
    DEFAULT_MAX_BYTES,
    MAX_DIRECTORY_BYTES,
    SUFFIX,
    VERSION,
    Contents,
    JournalFull,
    directory_bytes,
    discard,
    encode,
    make_directory,
    read_fd,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class JournalWriter:
    """This process's journal file for the store ``store`` (a :func:`store_key`), created
    (and locked) at the first :meth:`append`."""

    def __init__(
        self,
        directory: str,
        store: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_directory_bytes: int = MAX_DIRECTORY_BYTES,
    ) -> None:
        self.directory = directory
        self.store = store
        self.max_bytes = max_bytes
        self.max_directory_bytes = max_directory_bytes
        host = os.uname().nodename.replace("/", "_") or "host"
        #: The file's name: host, pid and a random part.
        self.name = f"{host}-{os.getpid()}-{os.urandom(4).hex()}{SUFFIX}"
        self.path: str | None = None
        self._fd: int | None = None
        self._size = 0

    @property
    def size(self) -> int:
        """The bytes written to the current file."""
        return self._size

    def _open(self) -> int:
        import fcntl

        make_directory(self.directory)
        used = directory_bytes(self.directory)
        if used >= self.max_directory_bytes:
            raise JournalFull(
                f"the history journal {self.directory} is full ({used // 2**20} MiB, limit "
                f"{self.max_directory_bytes // 2**20} MiB): writes for {self.store} are lost; "
                "replay it (scriptrunner db replay) or remove what is not needed"
            )
        path = os.path.join(self.directory, self.name)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise JournalFull(f"cannot create history journal {path}: {exc.strerror}") from exc
        try:
            os.fchmod(fd, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            header = {
                "journal": VERSION,
                "store": self.store,
                "host": os.uname().nodename,
                "pid": os.getpid(),
                "created": time.time(),
            }
            self._write(fd, encode(header), path)
            dir_fd = os.open(self.directory, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)  # the new file's directory entry is on disk too
            finally:
                os.close(dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(path)  # it holds nothing: a later append starts it again
            os.close(fd)
            raise
        self.path, self._fd = path, fd
        return fd

    def _write(self, fd: int, data: bytes, path: str) -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError as exc:
            # What part of ``data`` did fit is cut off again: all of it is lost, not replayed.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._size)
            raise JournalFull(f"cannot write history journal {path}: {exc.strerror}") from exc
        self._size += len(data)

    def append(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Write ``records`` (one ``write`` and an ``fsync``); :class:`JournalFull` when the
        file would pass its bound or cannot be written (nothing of them is then kept)."""
        data = b"".join(encode(r) for r in records)
        if not data:
            return
        fd = self._fd if self._fd is not None else self._open()
        assert self.path is not None
        if self._size + len(data) > self.max_bytes:
            raise JournalFull(
                f"history journal {self.path} is full ({self._size // 1024} KiB, limit "
                f"{self.max_bytes // 1024} KiB): writes for {self.store} are lost from now on"
            )
        self._write(fd, data, self.path)

    def read(self) -> Contents:
        """What this process journaled so far (its own file read back)."""
        if self._fd is None or self.path is None:
            return Contents("")
        return read_fd(self._fd, self.path)

    def clear(self) -> None:
        """The writes are in the store now: remove the file (a later :meth:`append`
        starts a new one)."""
        if self._fd is not None and self.path is not None:
            discard(self._fd, self.path)
        self._fd, self.path, self._size = None, None, 0
        self.name = f"{self.name.rsplit('-', 1)[0]}-{os.urandom(4).hex()}{SUFFIX}"

    def close(self) -> None:
        """Release the file (kept on disk with what it holds, for a later replay)."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
