"""Live output of a remote attempt, from its worker to the submitter (``dask_worker``).

:class:`Publisher` is the echo target of one of the attempt's pipes on the worker: what the
runner core's stream reader writes to it is published on the submitter's topic in ``out``
messages of at most ``CHUNK_BYTES``, gathered for up to ``LINGER_SECONDS``
(``workflows.dask_protocol``).
"""

from __future__ import annotations

import threading
from typing import Any

from scriptrunner.workflows.dask_protocol import CHUNK_BYTES, LINGER_SECONDS, OUT, RemoteJob


class Publisher:
    """A binary stream (the echo target of one pipe) that publishes what is written to it
    on the submitter's topic, in chunks of at most ``CHUNK_BYTES``, gathered for up to
    ``LINGER_SECONDS``.  Every send happens on the worker's event loop, in write order, and
    before the task's result (which the loop reports after the task returns)."""

    def __init__(self, worker: Any, job: RemoteJob, fd: int) -> None:
        self.worker, self.topic, self.id, self.fd = worker, job.topic, job.attempt_id, fd
        self.lock = threading.Lock()
        self.buffer = bytearray()
        self.lingering = False  # a send is due within LINGER_SECONDS
        self.urgent = False  # a send is due now (a whole chunk is waiting)
        self.sent = 0

    def write(self, data: bytes) -> int:
        with self.lock:
            self.sent += len(data)  # every byte written is sent, in order, before the result
            self.buffer += data
            now = len(self.buffer) >= CHUNK_BYTES and not self.urgent
            later = not now and not self.lingering and not self.urgent
            self.urgent = self.urgent or now
            self.lingering = self.lingering or later
        try:
            loop = self.worker.loop
            if now:
                loop.add_callback(self._send)
            elif later:
                loop.add_callback(lambda: loop.call_later(LINGER_SECONDS, self._send))
        except Exception:  # the worker is closing: its attempts end with it
            pass
        return len(data)

    def flush(self) -> None:
        return None  # the linger gathers writes; close() sends the rest

    def close(self) -> None:
        try:
            self.worker.loop.add_callback(self._send)
        except Exception:  # the worker is closing
            pass

    def _send(self) -> None:
        with self.lock:
            data = bytes(self.buffer)
            self.buffer.clear()
            self.lingering = self.urgent = False
        for start in range(0, len(data), CHUNK_BYTES):
            piece = data[start : start + CHUNK_BYTES]
            self.worker.log_event(
                self.topic, {"op": OUT, "id": self.id, "fd": self.fd, "data": piece}
            )
