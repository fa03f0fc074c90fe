"""The journal's record format (``store.journal``): self-delimiting, checksummed records.

A record: the marker ``SRJ1``, the length of the body (4 bytes, big-endian), the CRC-32 of
the body (4 bytes), the body (JSON, UTF-8, written by ``store.values.to_json``: text that
is not UTF-8 reads back exactly).  Reading checks each record's marker, length and
checksum: a torn last record (a crash in the middle of a write) or a damaged one is
skipped, with a line naming the file and the record's byte offset, and reading goes on at
the next marker.

Standard library only; ``zlib`` and ``json`` are imported when a record is written or read.
"""

from __future__ import annotations

from scriptrunner.store.values import to_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

MAGIC = b"SRJ1"
#: Marker, length, checksum.
HEAD_BYTES = 12
#: The format of a header record (``{"journal": VERSION, ...}``).
VERSION = 1
#: A body longer than this is taken for a damaged length field.
MAX_RECORD_BYTES = 256 * 2**20


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
