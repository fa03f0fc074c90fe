"""Tail sampling: hold each trace's spans until the trace can be judged as a whole.

State (all under one lock):

``pending``   trace id -> its buffered spans and when its first span arrived, oldest first
``held``      how many spans ``pending`` holds in all (never more than ``max_spans``)
``decided``   trace id -> kept?  for the most recent ``decision_cache`` decisions, so spans
              ending after their trace was judged follow the same decision

A trace is judged when its local root ends (a span without a parent, or whose parent is
remote: the CI job's), when ``decision_wait`` has passed since its first span, when it is
the oldest trace and the buffer is full (``evicted``), or when the sampler is flushed.  A
kept trace's spans go to the downstream processors (the exporters' batch queues).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from scriptrunner.tracing.config import TailConfig
from scriptrunner.tracing.policies import Policy, make_policies


@dataclass(slots=True)
class _Trace:
    first_seen: float
    spans: list[ReadableSpan] = field(default_factory=list)


@dataclass(slots=True)
class TailStats:
    """Counters for the closing report and the tests."""

    kept: int = 0
    dropped: int = 0
    expired: int = 0  # judged because decision_wait passed before the root ended
    evicted: int = 0  # judged early because the buffer was full
    late_spans: int = 0  # spans that ended after their trace was judged
    peak_held: int = 0


class TailSamplingProcessor(SpanProcessor):
    """A span processor that forwards whole traces chosen by policies (module docstring)."""

    def __init__(
        self,
        downstream: Sequence[SpanProcessor],
        config: TailConfig,
        *,
        policies: Sequence[Policy] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.downstream = tuple(downstream)
        self.config = config
        self.policies = tuple(policies) if policies is not None else make_policies(config.policies)
        self.clock = clock
        self.stats = TailStats()
        self._lock = threading.Lock()
        self._pending: OrderedDict[int, _Trace] = OrderedDict()
        self._decided: OrderedDict[int, bool] = OrderedDict()
        self.held = 0

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        ctx = span.context
        if ctx is None or not ctx.trace_flags.sampled:
            return
        tid = ctx.trace_id
        forward: list[ReadableSpan] = []
        with self._lock:
            if tid not in self._decided:
                # Full: judge the oldest trace now (this one, if it is the only one).
                while self.held >= self.config.max_spans:
                    self.stats.evicted += 1
                    forward += self._decide(next(iter(self._pending)))
            decision = self._decided.get(tid)
            if decision is not None:
                self.stats.late_spans += 1
                if decision:
                    forward.append(span)
            else:
                trace = self._pending.get(tid)
                if trace is None:
                    trace = self._pending[tid] = _Trace(self.clock())
                trace.spans.append(span)
                self.held += 1
                self.stats.peak_held = max(self.stats.peak_held, self.held)
                if _is_local_root(span):
                    forward += self._decide(tid)
                forward += self._expire()
        self._forward(forward)

    def _decide(self, tid: int) -> list[ReadableSpan]:
        """Judge one pending trace (lock held); returns the spans to forward."""
        trace = self._pending.pop(tid)
        self.held -= len(trace.spans)
        keep = any(p.matches(tid, trace.spans) for p in self.policies)
        self._decided[tid] = keep
        if len(self._decided) > self.config.decision_cache:
            self._decided.popitem(last=False)
        if keep:
            self.stats.kept += 1
            return trace.spans
        self.stats.dropped += 1
        return []

    def _expire(self) -> list[ReadableSpan]:
        forward: list[ReadableSpan] = []
        deadline = self.clock() - self.config.decision_wait
        while self._pending:
            tid, trace = next(iter(self._pending.items()))
            if trace.first_seen > deadline:
                break
            self.stats.expired += 1
            forward += self._decide(tid)
        return forward

    def _forward(self, spans: list[ReadableSpan]) -> None:
        for span in spans:
            for processor in self.downstream:
                processor.on_end(span)

    def decide_all(self) -> None:
        """Judge every pending trace now, with the spans it has (at exit, or on a flush)."""
        with self._lock:
            forward: list[ReadableSpan] = []
            while self._pending:
                forward += self._decide(next(iter(self._pending)))
        self._forward(forward)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.decide_all()
        return all(p.force_flush(timeout_millis) for p in self.downstream)

    def shutdown(self) -> None:
        self.decide_all()


def _is_local_root(span: ReadableSpan) -> bool:
    return span.parent is None or span.parent.is_remote
