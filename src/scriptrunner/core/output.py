"""Streaming a child's output live while keeping a bounded tail for history.

Output is handled as bytes end to end: invalid UTF-8 is passed through to the terminal
unchanged and only decoded (with replacement characters) when the tail is stored.  Memory
stays bounded by ``limit`` however much a script prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO, BinaryIO

from scriptrunner.core.results import OutputTail

CHUNK = 64 * 1024


class TailBuffer:
    """Keeps the last ``limit`` bytes written to it and counts all of them."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.total = 0
        self._buf = bytearray()
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            self.total += len(data)
            if not self.limit:
                return
            self._buf += data
            # Trim only when the buffer is twice the limit, so trimming is amortised O(1).
            if len(self._buf) > 2 * self.limit:
                del self._buf[: len(self._buf) - self.limit]

    def raw(self) -> bytes:
        """The kept bytes (at most ``limit``)."""
        with self._lock:
            return bytes(self._buf[-self.limit :]) if self.limit else b""

    def snapshot(self) -> OutputTail:
        with self._lock:
            data = bytes(self._buf[-self.limit :]) if self.limit else b""
            total = self.total
        truncated = total > len(data)
        if truncated:
            # The cut may fall inside a multi-byte character: drop its continuation bytes
            # instead of storing a replacement character that was never in the output.
            skip = 0
            while skip < min(3, len(data)) and 0x80 <= data[skip] <= 0xBF:
                skip += 1
            data = data[skip:]
        return OutputTail(
            text=data.decode("utf-8", errors="replace"), total_bytes=total, truncated=truncated
        )


OutputFilter = Callable[[bytes], bytes]


class StreamPump(threading.Thread):
    """Copies one pipe to an optional live target and a tail buffer until EOF."""

    def __init__(
        self,
        source: IO[bytes],
        tail: TailBuffer,
        target: BinaryIO | None,
        name: str,
        filter: OutputFilter | None = None,
    ) -> None:
        super().__init__(name=f"scriptrunner-{name}", daemon=True)
        self.source = source
        self.tail = tail
        self.target = target
        self.filter = filter

    def run(self) -> None:
        target = self.target
        try:
            while True:
                try:
                    # read1 returns whatever is available (at most CHUNK): live, not batched.
                    chunk = self.source.read1(CHUNK)  # type: ignore[attr-defined]  # BufferedReader
                except (OSError, ValueError):
                    break
                if not chunk:
                    break
                if self.filter is not None:
                    chunk = self.filter(chunk)
                self.tail.write(chunk)
                if target is not None:
                    try:
                        target.write(chunk)
                        target.flush()
                    except (OSError, ValueError):
                        # The terminal went away (closed pipe): keep draining so the child
                        # never blocks on a full pipe, but stop echoing.
                        target = None
        finally:
            try:
                self.source.close()
            except OSError:
                pass
