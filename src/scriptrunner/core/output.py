"""Streaming a child's output live while keeping a bounded tail for history.

Output is handled as bytes end to end: invalid UTF-8 is passed through to the terminal
unchanged and only decoded (with replacement characters) when the tail is stored.  Memory
stays bounded by ``limit`` however much a script prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import BinaryIO, Protocol

from scriptrunner import limits
from scriptrunner.payloads import tail_text
from scriptrunner.results import OutputTail


def check_tail_bytes(value: object) -> int:
    """``tail_bytes`` validated: a whole number from 0 to ``limits.MAX_TAIL_BYTES`` (for
    settings built directly, which the settings loader did not check)."""
    field = "tail_bytes (--tail-bytes, SCRIPTRUNNER_TAIL_BYTES)"
    return limits.count(field, value, maximum=limits.MAX_TAIL_BYTES)


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
        return OutputTail(
            text=tail_text(data, total), total_bytes=total, truncated=total > len(data)
        )


#: A stateless filter applied to each chunk, or a factory of per-stream filters (see below).
OutputFilter = Callable[[bytes], bytes]


class StreamFilter(Protocol):
    """A stateful filter for one stream: it may hold bytes back (a secret cut in two by a
    read) and returns them from ``flush`` at EOF."""

    def __call__(self, chunk: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class StreamFilterFactory(Protocol):
    """An output filter that needs state per stream (secret masking): each pipe of each
    attempt gets its own :class:`StreamFilter` from ``open_stream``."""

    def __call__(self, chunk: bytes) -> bytes: ...

    def open_stream(self) -> StreamFilter: ...


class OutputStream:
    """Where one pipe's chunks go: an optional filter, the tail, and a live target.

    Chunks arrive on the shared hub thread (``core.hub``); ``done`` is set at EOF.
    """

    def __init__(
        self,
        tail: TailBuffer | _Unfiltered,
        target: BinaryIO | None,
        filter: OutputFilter | None = None,
    ) -> None:
        self.tail = tail
        self.target = target
        opener = getattr(filter, "open_stream", None)
        self.filter: OutputFilter | None = opener() if opener is not None else filter
        self.done = threading.Event()

    def on_data(self, chunk: bytes) -> None:
        if self.filter is not None:
            chunk = self.filter(chunk)
        self._emit(chunk)

    def _emit(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.tail.write(chunk)
        if self.target is not None:
            try:
                self.target.write(chunk)
                self.target.flush()
            except (OSError, ValueError):
                # The terminal went away (closed pipe): keep draining so the child never
                # blocks on a full pipe, but stop echoing.
                self.target = None

    def on_eof(self) -> None:
        try:
            flush = getattr(self.filter, "flush", None)
            if flush is not None:
                self._emit(flush())
        except Exception:
            # Runs on the hub thread every run shares; a broken filter loses only what it
            # held back (failing closed: nothing unfiltered is shown).
            pass
        finally:
            self.done.set()


class LiveTail(TailBuffer):
    """The tail of a stream whose chunks arrive from elsewhere (a Dask worker streams an
    attempt's output back): each attempt opens an :class:`OutputStream` on it, which
    filters (masks) and echoes the chunks as the local pipes' streams do, with a filter of
    its own per stream; what is written to the tail directly is filtered too."""

    def __init__(
        self, limit: int, filter: OutputFilter | None, target: BinaryIO | None = None
    ) -> None:
        super().__init__(limit)
        self.filter = filter
        self.target = target

    def open_stream(self) -> OutputStream:
        """A stream for one attempt's chunks; its ``on_eof`` ends it (flushes the filter)."""
        return OutputStream(_Unfiltered(self), self.target, self.filter)

    def write(self, data: bytes) -> None:
        super().write(self.filter(data) if self.filter is not None else data)


class _Unfiltered:
    """Writes to a :class:`LiveTail` past its filter (the stream filtered already)."""

    def __init__(self, tail: LiveTail) -> None:
        self.tail = tail

    def write(self, data: bytes) -> None:
        TailBuffer.write(self.tail, data)
