"""The local journal: history writes the store could not take, kept on disk until it can.

Where: ``<home>/journal/``, a directory created ``0700``; one append-only file per process
that had to journal (``<host>-<pid>-<random>.jnl``, created ``0600``), whatever the umask.
A file is locked (``flock``) by the process writing it for as long as it has it open, so
a file nobody holds a lock on belongs to a process that is gone: any process may replay
it (``store.replay``), and a file still locked is left alone.

Each record is self-delimiting and checksummed: the marker ``SRJ1``, the length of the
body (4 bytes, big-endian), the CRC-32 of the body (4 bytes), the body (JSON, UTF-8).  A
torn last record (a crash in the middle of a write) or a damaged one fails its length or
checksum: it is skipped, named by its file and offset, and reading goes on at the next
marker.  The first record of a file (its header) names the store the writes are for;
the others are writes (``store.ops.op_record``).  Records are written with one
``write`` per batch and ``fsync`` after it (and after the directory entry of a new file),
so a batch is on disk before the writer goes on.

Bounded: a file takes at most ``max_bytes`` (64 MiB by default), the directory at most
:data:`MAX_DIRECTORY_BYTES` at the time a new file is started; past that,
:class:`JournalFull` (a ``StoreError``) says so, naming the file and the store.

Standard library only (the ``run`` fast path writes and replays through it); ``zlib``
and ``json`` are imported only when a record is written or read.
"""

from __future__ import annotations

import os
import time

from scriptrunner.errors import StoreError
from scriptrunner.store.values import to_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

#: The journal's directory under the scriptrunner home.
DIRECTORY = "journal"
#: Where writes the store refused (a data error, not an outage) are kept for inspection.
REJECTED = "rejected"
SUFFIX = ".jnl"
MAGIC = b"SRJ1"
#: Marker, length, checksum.
HEAD_BYTES = 12
#: The format of a header record (``{"journal": VERSION, ...}``).
VERSION = 1
#: The most one journal file takes by default.
DEFAULT_MAX_BYTES = 64 * 2**20
#: A new journal file is not started while the directory already holds this much.
MAX_DIRECTORY_BYTES = 1024 * 2**20
#: A body longer than this is taken for a damaged length field.
MAX_RECORD_BYTES = 256 * 2**20


class JournalFull(StoreError):
    """The journal cannot take more writes (its bound, or the disk): they are lost."""


def journal_dir(home: str | os.PathLike[str]) -> str:
    """The journal directory of a scriptrunner home."""
    return os.path.join(os.fspath(home), DIRECTORY)


def store_key(url: str) -> str:
    """The store a journal is for, as its header names it: the URL with any password
    hidden (``***``), a SQLite file by its absolute path.  Journals are replayed only into
    the store with the same key."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return "sqlite:///" + os.path.abspath(url[len("sqlite:///") :])
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = userinfo.partition(":")[0] + ":***@" + host
    return f"{scheme}://{netloc}{slash}{tail}"


def has_pending(directory: str) -> bool:
    """Are there journal files in ``directory`` (one ``listdir``; no file is opened)?"""
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    return any(name.endswith(SUFFIX) for name in names)


def pending_files(directory: str) -> list[str]:
    """The journal files in ``directory``, oldest first (by name within a second)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    paths = [os.path.join(directory, n) for n in names if n.endswith(SUFFIX)]

    def age(path: str) -> tuple[float, str]:
        try:
            return (os.stat(path).st_mtime, path)
        except OSError:
            return (0.0, path)

    return sorted(paths, key=age)


def encode(record: Mapping[str, Any]) -> bytes:
    """One record as written: marker, length, CRC-32, JSON body."""
    import zlib

    body = to_json(record).encode("utf-8")
    return MAGIC + len(body).to_bytes(4, "big") + zlib.crc32(body).to_bytes(4, "big") + body


class Contents:
    """What a journal file holds: its header, its writes (with their offsets) and the
    records that could not be read (one line each, naming the file and the offset)."""

    __slots__ = ("path", "header", "records", "problems")

    def __init__(self, path: str) -> None:
        self.path = path
        self.header: dict[str, Any] | None = None
        self.records: list[tuple[int, dict[str, Any]]] = []
        self.problems: list[str] = []


def parse(data: bytes, path: str) -> Contents:
    """The records of a journal file's bytes ``data``."""
    import json
    import zlib

    found = Contents(path)
    offset, size = 0, len(data)
    while offset < size:
        if data[offset : offset + 4] != MAGIC:
            found.problems.append(f"{path}: offset {offset}: damaged record skipped (no marker)")
            offset = _next_marker(data, offset + 1)
            continue
        if offset + HEAD_BYTES > size:
            found.problems.append(f"{path}: offset {offset}: incomplete last record skipped")
            break
        length = int.from_bytes(data[offset + 4 : offset + 8], "big")
        checksum = int.from_bytes(data[offset + 8 : offset + 12], "big")
        start, end = offset + HEAD_BYTES, offset + HEAD_BYTES + length
        if length > MAX_RECORD_BYTES or (end > size and _next_marker(data, start) < size):
            found.problems.append(f"{path}: offset {offset}: damaged record skipped (length)")
            offset = _next_marker(data, offset + 1)
            continue
        if end > size:
            found.problems.append(f"{path}: offset {offset}: incomplete last record skipped")
            break
        body = data[start:end]
        record: Any = None
        if zlib.crc32(body) == checksum:
            try:
                record = json.loads(body.decode("utf-8"))
            except ValueError:
                record = None
        if not isinstance(record, dict):
            found.problems.append(f"{path}: offset {offset}: damaged record skipped (checksum)")
            offset = _next_marker(data, offset + 1)
            continue
        if "journal" in record and found.header is None and not found.records:
            found.header = record
        elif "op" in record:
            found.records.append((offset, record))
        else:
            found.problems.append(f"{path}: offset {offset}: unknown record skipped")
        offset = end
    return found


def _next_marker(data: bytes, start: int) -> int:
    at = data.find(MAGIC, start)
    return len(data) if at < 0 else at


def read(path: str) -> Contents:
    """The records of the journal file ``path`` (``OSError`` if it cannot be read)."""
    with open(path, "rb") as f:
        return parse(f.read(), path)


def claim(path: str) -> int | None:
    """Open the journal file ``path`` and lock it, for a replay: the descriptor, or None
    when its writer still holds it (alive) or it is gone already."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def read_fd(fd: int, path: str) -> Contents:
    """The records of a claimed journal file."""
    chunks = []
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return parse(b"".join(chunks), path)


def discard(fd: int, path: str) -> None:
    """Empty and remove a claimed journal file whose writes are in the store now, and
    release it.  Emptied first: a process that opened it meanwhile finds nothing."""
    try:
        os.ftruncate(fd, 0)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    finally:
        os.close(fd)


def make_directory(directory: str) -> None:
    """``directory`` (and missing parents) created owner-only (0700, whatever the umask)."""
    missing = []
    probe = directory
    while probe and not os.path.isdir(probe):
        missing.append(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        for path in missing:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise JournalFull(
            f"cannot create the history journal directory {directory}: {exc.strerror}"
        ) from exc


def directory_bytes(directory: str) -> int:
    """The bytes the journal files of ``directory`` take."""
    total = 0
    for path in pending_files(directory):
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total


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


def reject(directory: str, path: str, store: str, entries: Iterable[Mapping[str, Any]]) -> str:
    """Keep writes the store refused (each with its ``error``) in ``directory/rejected/``,
    in a file named after the journal file ``path`` (``store``: its header);
    the file's path.  ``scriptrunner db replay --journal DIR/rejected`` tries them again."""
    target_dir = os.path.join(directory, REJECTED)
    make_directory(target_dir)
    target = os.path.join(target_dir, os.path.basename(path))
    data = b"".join(encode(e) for e in entries)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            if os.fstat(fd).st_size == 0:
                data = encode({"journal": VERSION, "store": store, "created": time.time()}) + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise JournalFull(f"cannot write {target}: {exc.strerror}") from exc
    return target
