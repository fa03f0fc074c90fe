"""The local journal: history writes the store could not take, kept on disk until it can.

Where: ``<home>/journal/``, a directory created ``0700``; one append-only file per process
that had to journal (``<host>-<pid>-<random>.jnl``, created ``0600``, whatever the umask,
by ``store.journal_writer`` at its first write).
A file is locked (``flock``) by the process writing it for as long as it has it open, so
a file nobody holds a lock on belongs to a process that is gone: any process may replay
it (``store.replay``), and a file still locked is left alone.

Each record is self-delimiting and checksummed (``store.journal_format``): a torn last
record or a damaged one is skipped, named by its file and offset.  The first record of a
file (its header) names the store the writes are for; the others are writes
(``store.ops.op_record``).  Records are written with one ``write`` per batch and
``fsync`` after it (and after the directory entry of a new file), so a batch is on disk
before the writer goes on.

Bounded: a file takes at most ``max_bytes`` (64 MiB by default), the directory at most
:data:`MAX_DIRECTORY_BYTES` at the time a new file is started; past that,
:class:`JournalFull` (a ``StoreError``) says so, naming the file and the store.

Standard library only (the ``run`` fast path writes and replays through it).
"""

from __future__ import annotations

import os
import time

from scriptrunner.errors import StoreError
from scriptrunner.store.journal_format import (
    HEAD_BYTES,
    MAGIC,
    VERSION,
    Contents,
    encode,
    parse,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DIRECTORY",
    "HEAD_BYTES",
    "MAGIC",
    "MAX_DIRECTORY_BYTES",
    "REJECTED",
    "SUFFIX",
    "VERSION",
    "Contents",
    "JournalFull",
    "claim",
    "discard",
    "directory_bytes",
    "has_pending",
    "journal_dir",
    "make_directory",
    "encode",
    "parse",
    "peek_store",
    "pending_files",
    "read",
    "read_fd",
    "reject",
    "store_key",
]

#: The journal's directory under the scriptrunner home.
DIRECTORY = "journal"
#: Where writes the store refused (a data error, not an outage) are kept for inspection.
REJECTED = "rejected"
SUFFIX = ".jnl"
#: The most one journal file takes by default.
DEFAULT_MAX_BYTES = 64 * 2**20
#: A new journal file is not started while the directory already holds this much.
MAX_DIRECTORY_BYTES = 1024 * 2**20


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


def peek_store(fd: int, path: str) -> str | None:
    """The store a claimed journal file is for, from its header alone (None: unreadable),
    so that a journal of another store is not read whole."""
    header = parse(os.pread(fd, 4096, 0), path).header
    store = header.get("store") if header is not None else None
    return store if isinstance(store, str) else None


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
