"""The spinner of a long scan: on stderr, on a terminal only, after :data:`DELAY` seconds.

``scanning code ⠹ 1/2 tools done · 3 findings so far · 4 s``, redrawn in place and erased
when the scan ends, so nothing of it stays on the screen or reaches a pipe, a CI log, the
report on stdout or an ``-o`` file.  Scans that end within :data:`DELAY` show nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from scriptrunner.scanners.progress import Progress

#: Seconds before the spinner appears.
DELAY = 2.0
#: Seconds between two frames.
FRAME = 0.1
_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Spinner:
    """A context manager whose :meth:`update` is a scanner's progress hook."""

    def __init__(self, kind: str, stream: TextIO | None = None) -> None:
        self.kind = kind
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.latest: Progress | None = None
        self.started = time.monotonic()
        self.stopped = threading.Event()
        self.shown = False
        self.thread = threading.Thread(target=self._spin, name="scan-spinner", daemon=True)

    def update(self, progress: Progress) -> None:
        self.latest = progress

    def __enter__(self) -> Spinner:
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopped.set()
        if self.enabled:
            self.thread.join()
            if self.shown:
                self._write("\r\x1b[2K")

    def line(self, frame: int) -> str:
        elapsed = int(time.monotonic() - self.started)
        text = f"scanning {self.kind} {_FRAMES[frame % len(_FRAMES)]}"
        if self.latest is not None:
            text += f" {self.latest.describe()}"
        return f"{text} · {elapsed} s"

    def _spin(self) -> None:
        if self.stopped.wait(DELAY):
            return
        frame = 0
        while not self.stopped.is_set():
            self._write(f"\r\x1b[2K{self.line(frame)}")
            self.shown = True
            frame += 1
            self.stopped.wait(FRAME)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing
            self.stopped.set()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


__all__ = ["DELAY", "Spinner"]
