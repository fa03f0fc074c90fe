"""What the submitter knows of one remote attempt in flight (``workflows.dask_attempts``
fills it from its worker's messages on the Dask client's event loop; ``dask_follow`` reads
it on the task's thread), and the output stream an attempt's chunks go through."""

from __future__ import annotations

import threading
import time
from collections import deque

from scriptrunner.core.output import OutputStream, TailBuffer
from scriptrunner.workflows.dask_protocol import RemoteJob, RemoteReply


class Pending:
    """One attempt in flight: what its worker said of it so far."""

    def __init__(self, job: RemoteJob) -> None:
        self.job = job
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.state = "queued"  # queued -> claimed, or queued -> closed (never to start)
        self.worker: str | None = None
        self.host: str | None = None
        self.pid: int | None = None
        self.claimed_at = 0.0  # time.monotonic() of the accepted claim
        self.lost = False
        self.inbox: deque[tuple[int, bytes]] = deque()
        self.received = [0, 0]
        #: The result, when it came as a ``done`` message.
        self.reply: RemoteReply | None = None

    def claim(self, worker: str, host: str) -> bool:
        """A worker claims the attempt: True for the first claim of a queued attempt."""
        with self.lock:
            if self.state == "queued":
                self.state, self.worker, self.host = "claimed", worker, host
                self.claimed_at = time.monotonic()
                accepted = True
            else:
                # Dask runs an executing task again only once its worker died (its
                # ``allowed-failures``): a second claim means this attempt is lost.
                self.lost = self.lost or self.state == "claimed"
                accepted = False
        self.wake.set()
        return accepted

    def close_if_queued(self) -> bool:
        """Refuse every later claim; True if no worker had claimed it."""
        with self.lock:
            if self.state == "queued":
                self.state = "closed"
                return True
            return False


def open_stream(tail: TailBuffer) -> OutputStream:
    """A stream into ``tail`` for one attempt's chunks: masked and echoed as the run's
    own streams are (``core.output.LiveTail``)."""
    opener = getattr(tail, "open_stream", None)
    return opener() if opener is not None else OutputStream(tail, None)
