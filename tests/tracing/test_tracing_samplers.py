"""Each head sampler's decisions, at the span and at a real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

from fixtures.otel import Receiver
from scriptrunner.errors import ConfigError
from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.samplers import make_sampler
from scriptrunner.tracing.session import start_tracing

LOW = 0x0000000000000001_0000000000000001  # low 64 bits tiny: sampled by any ratio > 0
HIGH = 0x0000000000000001_FFFFFFFFFFFFFFFF  # low 64 bits maximal: sampled only by ratio 1


class FixedIds(IdGenerator):
    """Trace ids from a list, span ids counting up: decisions become predictable."""

    def __init__(self, trace_ids: list[int]) -> None:
        self._trace_ids: Iterator[int] = iter(trace_ids)
        self._span = 0

    def generate_trace_id(self) -> int:
        return next(self._trace_ids)

    def generate_span_id(self) -> int:
        self._span += 1
        return self._span


def parent(sampled: bool, trace_id: int) -> Context:
    """A remote parent (a child span takes its trace id, not a generated one)."""
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    ctx = SpanContext(trace_id, 0xDEF, is_remote=True, trace_flags=flags)
    return set_span_in_context(NonRecordingSpan(ctx))


def sampled(name: str, arg: float | None, trace_id: int, context: Context | None = None) -> bool:
    provider = TracerProvider(
        sampler=make_sampler(name, arg), id_generator=FixedIds([trace_id]), shutdown_on_exit=False
    )
    span = provider.get_tracer("t").start_span("s", context=context)
    span.end()
    return span.get_span_context().trace_flags.sampled


CASES = [
    # name, arg, trace id, parent (None = root), sampled?
    ("always_on", None, HIGH, None, True),
    ("always_off", None, LOW, None, False),
    ("traceidratio", 0.5, LOW, None, True),
    ("traceidratio", 0.5, HIGH, None, False),
    ("traceidratio", None, HIGH, None, True),  # no argument: ratio 1
    ("traceidratio", 0.5, HIGH, True, False),  # not parent-based: the parent is ignored
    ("parentbased_always_on", None, LOW, None, True),
    ("parentbased_always_on", None, LOW, False, False),
    ("parentbased_always_off", None, LOW, None, False),
    ("parentbased_always_off", None, LOW, True, True),
    ("parentbased_traceidratio", 0.5, LOW, None, True),
    ("parentbased_traceidratio", 0.5, HIGH, None, False),
    ("parentbased_traceidratio", 0.0, LOW, True, True),
    ("tail", None, HIGH, False, True),  # records everything; decided at the tail
]


@pytest.mark.parametrize(("name", "arg", "trace_id", "parent_sampled", "expected"), CASES)
def test_sampler_decision(
    name: str, arg: float | None, trace_id: int, parent_sampled: bool | None, expected: bool
) -> None:
    context = None if parent_sampled is None else parent(parent_sampled, trace_id)
    assert sampled(name, arg, trace_id, context) is expected


def test_unknown_sampler_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: always_on, always_off, traceidratio"):
        make_sampler("mostly")


def test_ratio_sampler_decisions_reach_the_receiver(otlp_http_receiver: Receiver) -> None:
    ids = [(i << 64) | (i * 0x0400_0000_0000_0000) for i in range(1, 65)]
    bound = round(0.25 * 2**64)
    expected = {f"{t:032x}" for t in ids if (t & (2**64 - 1)) < bound}
    config = TracingConfig(
        sampler="traceidratio", sampler_arg=0.25, endpoint=otlp_http_receiver.url
    )
    session = start_tracing(config, environ={})
    session.provider.id_generator = FixedIds(ids)
    tracer = session.provider.get_tracer("t")
    for _ in ids:
        tracer.start_span("s").end()
    assert session.close() == []
    got = {s.trace_id for s in otlp_http_receiver.spans}
    assert got == expected
    assert len(expected) == 16
