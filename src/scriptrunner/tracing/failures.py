"""Why trace exports fail: OpenTelemetry's recent warnings (:class:`Capture`) and a
connection probe of the collector (:class:`Explain`), so a failing destination becomes one
clear warning at the end of a command, and one that refuses connections is not waited for."""

from __future__ import annotations

import logging
import threading
from collections import deque

from scriptrunner.tracing.batch import Guard

__all__ = ["Capture", "Explain"]


class Capture(logging.Handler):
    """Keeps OpenTelemetry's recent warnings (per thread) to explain a failed export."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: deque[tuple[int, str]] = deque(maxlen=64)
        self.count = 0  # messages seen in all (the deque keeps the last 64)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record.thread or 0, record.getMessage()))
            self.count += 1
        except Exception:  # pragma: no cover - a broken log call must not break exports
            pass

    def mark(self) -> int:
        return self.count

    def since(self, mark: int) -> str | None:
        """The first message logged by the calling thread after ``mark``."""
        me = threading.get_ident()
        records = list(self.records)
        for thread, message in records[max(0, len(records) - (self.count - mark)) :]:
            if thread == me:
                return message
        return None


class Explain:
    """Why exports to ``url`` fail: a connection probe first (the exporters often log only
    "failed to export"), else what OpenTelemetry logged meanwhile.  Runs once per failing
    destination, on its export thread."""

    def __init__(self, capture: Capture, url: str | None, timeout: float) -> None:
        self.capture = capture
        self.url = url
        self.timeout = timeout

    def mark(self) -> int:
        return self.capture.count

    def since(self, mark: int) -> str | None:
        return self.probe() or self.capture.since(mark)

    def watch(self, guard: Guard) -> None:
        """Probe ``url`` once in the background; a refusal marks ``guard`` unreachable."""

        def run() -> None:
            reason = self.probe()
            if reason is not None:
                guard.unreachable = reason

        if self.url:
            threading.Thread(target=run, name="scriptrunner-trace-probe", daemon=True).start()

    def probe(self) -> str | None:
        """Why a TCP connection to ``url`` fails, or None when it is accepted."""
        if not self.url:
            return None
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(self.url if "//" in self.url else "//" + self.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        where = f"{parts.hostname}:{port}"
        try:
            socket.create_connection((parts.hostname, port), min(1.0, self.timeout)).close()
        except TimeoutError:
            return f"no answer from {where}"
        except OSError as exc:
            return f"cannot connect to {where}: {(exc.strerror or str(exc)).lower()}"
        return None
