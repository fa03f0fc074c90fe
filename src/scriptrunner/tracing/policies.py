"""Tail-sampling policies: does this finished (or given-up-on) trace deserve keeping?

A policy sees every buffered span of one trace.  The tail sampler keeps a trace when any
policy matches, asking them in the configured order, so a ``rate_limit`` listed last only
spends its budget on traces no other policy kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from scriptrunner.registry import Registry
from scriptrunner.tracing.config import PolicySpec

_ID_MASK = (1 << 64) - 1


class Policy(Protocol):
    """One reason to keep a trace."""

    @property
    def name(self) -> str: ...

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool: ...


@dataclass(frozen=True, slots=True)
class ErrorPolicy:
    """Keeps traces with a span in error status (a failed task, a timed-out run)."""

    name: str = "error"

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool:
        return any(s.status.status_code is StatusCode.ERROR for s in spans)


@dataclass(frozen=True, slots=True)
class DurationPolicy:
    """Keeps traces lasting ``threshold`` seconds or more (first start to last end)."""

    threshold: float
    name: str = "duration"

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool:
        start = min((s.start_time or 0) for s in spans)
        end = max((s.end_time or 0) for s in spans)
        return (end - start) / 1e9 >= self.threshold


@dataclass(frozen=True, slots=True)
class AttributePolicy:
    """Keeps traces with a span having attribute ``key`` (equal to one of ``values``)."""

    key: str
    values: tuple[str, ...] = ()
    name: str = "attribute"

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool:
        for s in spans:
            attributes = s.attributes or {}
            if self.key in attributes:
                value = attributes[self.key]
                text = str(value).lower() if isinstance(value, bool) else str(value)
                if not self.values or text in self.values:
                    return True
        return False


@dataclass(frozen=True, slots=True)
class ProbabilisticPolicy:
    """Keeps ``ratio`` of traces, chosen by trace id (as ``traceidratio`` does at the head,
    so every process deciding on the same trace agrees)."""

    ratio: float
    name: str = "probabilistic"

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool:
        return (trace_id & _ID_MASK) < round(self.ratio * (_ID_MASK + 1))


@dataclass(slots=True)
class RateLimitPolicy:
    """Keeps at most ``per_second`` traces in each one-second window."""

    per_second: float
    clock: Callable[[], float] = time.monotonic
    name: str = "rate_limit"
    _window: float = -1.0
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def matches(self, trace_id: int, spans: Sequence[ReadableSpan]) -> bool:
        with self._lock:
            window = float(int(self.clock()))
            if window != self._window:
                self._window, self._count = window, 0
            if self._count < self.per_second:
                self._count += 1
                return True
            return False


POLICIES: Registry[Callable[[PolicySpec], Policy]] = Registry(
    "tail-sampling policy",
    {
        "error": lambda _spec: ErrorPolicy(),
        "duration": lambda spec: DurationPolicy(spec.threshold),
        "attribute": lambda spec: AttributePolicy(spec.key, spec.values),
        "probabilistic": lambda spec: ProbabilisticPolicy(spec.ratio),
        "rate_limit": lambda spec: RateLimitPolicy(spec.per_second),
    },
)


def make_policies(specs: Sequence[PolicySpec]) -> tuple[Policy, ...]:
    """Policy objects for ``specs``; an unknown type is an error listing the valid ones."""
    return tuple(POLICIES.get(spec.type)(spec) for spec in specs)
