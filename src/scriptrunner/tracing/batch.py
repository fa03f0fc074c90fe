"""Export in the background, bounded in memory and in time, failing open.

The SDK's ``BatchSpanProcessor`` waits up to 30 s at shutdown whatever its export timeout,
and exports every remaining batch to a dead collector one timeout after another; a run must
never wait more than one export timeout for telemetry.  So each destination gets a
:class:`BatchExporter`: a bounded queue (full: the span is dropped and counted), one daemon
thread exporting batches, and :meth:`BatchExporter.close` that waits for the queue to drain
until a deadline and then abandons what is left (counted, never raised).

:class:`Guard` wraps the exporter: an exception or a failed export is counted, its reason
kept for the one warning line, and exports pause for ``cooldown`` seconds (a dead
collector costs one timeout, not one per batch).  Once closing, a destination that has
failed, or that refused a connection (:attr:`Guard.unreachable`, set by a probe while the
command runs), is not tried again, and :meth:`BatchExporter.close` does not wait for it:
OpenTelemetry's OTLP exporters retry a refused connection with backoff (1, 2, 4 s...)
until their timeout, which is what made a command without a collector take 7 s longer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult


@dataclass(slots=True)
class SinkStats:
    """What happened to the spans sent to one destination."""

    exported: int = 0
    dropped: int = 0  # failed exports, the cooldown after one, and spans abandoned at close
    queue_full: int = 0
    failures: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One export: ``ok`` None when it was not tried (paused), ``mark`` for the explainer."""

    ok: bool | None
    error: str | None = None
    mark: int = 0


class Explainer(Protocol):
    """Where a failed export's reason is found when the exporter only logs it."""

    def mark(self) -> int: ...

    def since(self, mark: int) -> str | None: ...


class Guard:
    """An exporter that never raises and stops hammering a destination that failed."""

    def __init__(
        self,
        exporter: SpanExporter,
        where: str,
        *,
        cooldown: float,
        explainer: Explainer | None = None,
    ) -> None:
        self.exporter = exporter
        self.where = where
        self.cooldown = cooldown
        self.stats = SinkStats()
        self.closing = False
        #: Why the destination cannot be reached (a refused connection), if a probe said so.
        self.unreachable: str | None = None
        self._explainer = explainer
        self._paused_until = 0.0

    def export(self, spans: Sequence[ReadableSpan]) -> None:
        self.settle(spans, self.send(spans))

    def send(self, spans: Sequence[ReadableSpan]) -> Outcome:
        """Export ``spans`` (the slow part); :meth:`settle` counts the outcome."""
        if self.stats.failures and (self.closing or time.monotonic() < self._paused_until):
            return Outcome(ok=None)
        if self.closing and self.unreachable is not None:
            return Outcome(ok=False, error=self.unreachable)
        error = None
        mark = self._explainer.mark() if self._explainer is not None else 0
        try:
            ok = self.exporter.export(spans) is SpanExportResult.SUCCESS
        except Exception as exc:  # telemetry fails open: never let it reach the run
            ok, error = False, f"{type(exc).__name__}: {exc}"
        return Outcome(ok, error, mark)

    def settle(self, spans: Sequence[ReadableSpan], outcome: Outcome) -> None:
        """Count what :meth:`send` did with ``spans``; a failure pauses the destination."""
        ok, error, mark = outcome.ok, outcome.error, outcome.mark
        if ok is None:  # not tried: the destination is paused after a failure
            self.stats.dropped += len(spans)
            return
        if ok:
            self.stats.exported += len(spans)
            self.unreachable = None  # it answers now, whatever the probe found
            return
        self.stats.dropped += len(spans)
        self.stats.failures += 1
        self._paused_until = time.monotonic() + self.cooldown
        if self.stats.error is None:
            logged = self._explainer.since(mark) if self._explainer is not None else None
            self.stats.error = _short(error or logged or "the exporter reported a failure")

    def shutdown(self) -> None:
        try:
            self.exporter.shutdown()
        except Exception:  # pragma: no cover - best effort at exit
            pass


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BatchExporter(SpanProcessor):
    """Queues sampled spans and exports them in batches from one daemon thread."""

    def __init__(
        self, guard: Guard, *, queue_size: int, batch_size: int, delay: float, name: str = ""
    ) -> None:
        self.guard = guard
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.delay = delay
        self._queue: deque[ReadableSpan] = deque()
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._busy = 0  # spans taken from the queue and not yet counted
        self._lock = threading.Lock()  # taking a batch, counting it, and close's count
        self._stop = False
        self._thread = threading.Thread(
            target=self._loop, name=f"scriptrunner-trace-{name or guard.where}", daemon=True
        )
        self._thread.start()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        ctx = span.context
        if ctx is None or not ctx.trace_flags.sampled or self._stop:
            return
        if len(self._queue) >= self.queue_size:
            self.guard.stats.queue_full += 1
            return
        self._queue.append(span)
        if len(self._queue) >= self.batch_size:
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait(self.delay)
            self._wake.clear()
            self._drain()
        self._drain()

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            with self._lock:
                batch = [queue.popleft() for _ in range(min(self.batch_size, len(queue)))]
                self._busy = len(batch)
            outcome = self.guard.send(batch)
            with self._lock:
                if self._busy:  # else close() gave up on it and counted it already
                    self.guard.settle(batch, outcome)
                self._busy = 0
        with self._idle:
            self._idle.notify_all()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Export what is queued now; False if that takes longer than the timeout."""
        deadline = time.monotonic() + timeout_millis / 1000
        with self._idle:
            while self._queue or self._busy:
                self._wake.set()
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    def close(self, deadline: float) -> None:
        """Stop: export what is queued until ``deadline`` (monotonic), abandon the rest --
        at once if the destination is known to be unreachable."""
        self._stop = True
        guard = self.guard
        guard.closing = True
        self._wake.set()
        while self._thread.is_alive() and guard.unreachable is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._thread.join(min(left, 0.05))
        # A thread still exporting is abandoned (a daemon): its batch counts as dropped,
        # once -- should its export end later, that outcome is not counted again.
        with self._lock:
            left_over = len(self._queue) + self._busy
            guard.stats.dropped += left_over
            if left_over and guard.stats.error is None and guard.unreachable is not None:
                guard.stats.error = guard.unreachable
            self._busy = 0
            self._queue.clear()
        guard.shutdown()

    def shutdown(self) -> None:
        self.close(time.monotonic())
