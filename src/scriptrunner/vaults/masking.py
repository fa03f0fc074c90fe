"""Masking secret values in text and in a child's output stream, as CI systems do.

What is masked (each replaced by ``***``), for every value of at least :data:`MIN_LENGTH`
characters:

* the value itself, and each line of a multi-line value (a PEM key printed line by line);
* its common encodings: JSON string escaping, URL percent-encoding, and base64 at the three
  byte alignments, so ``base64("user:" + value)`` is caught as GitHub Actions' runner does.

Shorter values are not masked (masking ``ab`` would shred the output) and the caller warns.
Occurrences that overlap (two secrets sharing characters) are masked as their union.
Transformations beyond those (reversed, hex, hashed, split by the script) are not found.

Output arrives in chunks that can cut a value in two.  :class:`StreamMasker` therefore holds
back only the shortest tail of the stream that could still be the start of a secret (often
nothing), so live output is not delayed line by line, and ``flush`` releases the rest at EOF.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

__all__ = ["MASK", "MIN_LENGTH", "Masker", "StreamMasker"]

MASK = "***"
MIN_LENGTH = 4
#: Base64 variants shorter than this are not masked (too likely to occur by chance).
_MIN_BASE64 = 6

_T = TypeVar("_T", str, bytes)


def _variants(value: str, min_length: int) -> set[str]:
    found = {value}
    for line in value.splitlines():
        if len(line.strip()) >= min_length:
            found.add(line)
    found.add(json.dumps(value)[1:-1])
    found.add(urllib.parse.quote(value, safe=""))
    raw = value.encode("utf-8")
    for shift in range(3):
        # Encoded after ``shift`` unknown bytes: drop the characters mixing their bits with
        # the value's, and a last character mixing the value with whatever follows it.
        body = base64.b64encode(b"\0" * shift + raw).decode("ascii").rstrip("=")
        if (shift + len(raw)) % 3:
            body = body[:-1]
        body = body[(0, 2, 3)[shift] :]
        if len(body) >= _MIN_BASE64:
            found.add(body)
    return {v for v in found if len(v.strip()) >= min_length}


def _mask(data: _T, needles: tuple[_T, ...], mask: _T) -> _T:
    """``data`` with every occurrence of any needle (overlaps merged) replaced by ``mask``."""
    spans: list[tuple[int, int]] = []
    for needle in needles:
        at = data.find(needle)
        while at != -1:
            spans.append((at, at + len(needle)))
            at = data.find(needle, at + 1)
    if not spans:
        return data
    spans.sort()
    parts: list[_T] = []
    pos = 0
    start, end = spans[0]
    for s, e in spans[1:]:
        if s < end:  # overlapping (not merely adjacent): one mask for both
            end = max(end, e)
            continue
        parts += [data[pos:start], mask]
        pos, (start, end) = end, (s, e)
    parts += [data[pos:start], mask, data[end:]]
    return data[:0].join(parts)


class Masker:
    """Masks a fixed set of secret values; falsy when there is nothing to mask.

    Callable on byte chunks (stateless; use :meth:`open_stream` for a stream, which the
    runner does for each output pipe).  Never shows its values in ``repr``.
    """

    def __init__(self, values: Iterable[str], *, min_length: int = MIN_LENGTH) -> None:
        needles: set[str] = set()
        for value in values:
            if len(value.strip()) >= min_length:
                needles |= _variants(value, min_length)
        ordered = sorted(needles, key=lambda n: (-len(n), n))
        self.needles: tuple[str, ...] = tuple(ordered)
        self._bytes: tuple[bytes, ...] = tuple(n.encode("utf-8") for n in ordered)

    def __bool__(self) -> bool:
        return bool(self.needles)

    def __repr__(self) -> str:
        return f"Masker({len(self.needles)} patterns)"

    def mask(self, text: str) -> str:
        """``text`` with secrets replaced by ``***``."""
        if not self.needles or not text:
            return text
        return _mask(text, self.needles, MASK)

    def mask_bytes(self, data: bytes) -> bytes:
        if not self._bytes or not data:
            return data
        return _mask(data, self._bytes, MASK.encode())

    __call__ = mask_bytes

    def mask_obj(self, obj: Any) -> Any:
        """A copy of JSON-like data (dicts, lists, tuples) with every string masked."""
        if not self.needles:
            return obj
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, bytes):
            return self.mask_bytes(obj)
        if isinstance(obj, Mapping):
            return {self.mask_obj(k): self.mask_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self.mask_obj(v) for v in obj)
        return obj

    def open_stream(self) -> StreamMasker:
        """A filter for one output stream (keeps the state of a value cut across chunks)."""
        return StreamMasker(self)

    def hold_from(self, data: bytes) -> int:
        """Where to cut ``data`` so that no secret is split: the start of the shortest
        tail that could still begin a secret, moved before any secret straddling it."""
        n = len(data)
        cut = n
        for needle in self._bytes:
            # Tails shorter than the needle, found by its first bytes with bytes.find (C
            # speed: a PEM key would make a per-position Python loop cost milliseconds).
            lo = max(0, n - len(needle) + 1)
            k = min(4, len(needle) - 1)
            head = needle[:k]
            at = data.find(head, lo)
            while at != -1 and at < cut:
                if needle.startswith(data[at:]):
                    cut = at
                    break
                at = data.find(head, at + 1)
            for p in range(max(lo, n - k + 1), cut):  # tails too short to hold ``head``
                if needle.startswith(data[p:]):
                    cut = p
                    break
        moved = True
        while moved and cut < n:
            moved = False
            for needle in self._bytes:
                at = data.find(needle, max(0, cut - len(needle) + 1))
                if at != -1 and at < cut:
                    cut, moved = at, True
        return cut


class StreamMasker:
    """Masks one byte stream chunk by chunk; ``flush()`` at EOF returns what it held."""

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._carry = b""

    def __call__(self, chunk: bytes) -> bytes:
        data = self._carry + chunk if self._carry else chunk
        cut = self._masker.hold_from(data)
        self._carry = data[cut:]
        return self._masker.mask_bytes(data[:cut])

    def flush(self) -> bytes:
        rest, self._carry = self._carry, b""
        return self._masker.mask_bytes(rest)
