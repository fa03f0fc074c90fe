"""The tail sampler: whole traces kept by policy, decision wait, memory cap, late spans."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import SpanContext, Status, StatusCode, TraceFlags

from scriptrunner.errors import ConfigError
from scriptrunner.tracing.config import PolicySpec, TailConfig
from scriptrunner.tracing.policies import RateLimitPolicy, make_policies
from scriptrunner.tracing.tail import TailSamplingProcessor

SAMPLED = TraceFlags(TraceFlags.SAMPLED)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Collect(SpanProcessor):
    spans: list[ReadableSpan] = field(default_factory=list)

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


_ids = iter(range(1, 10**9))


def span(
    trace: int,
    *,
    root: bool = False,
    remote_parent: bool = False,
    error: bool = False,
    start: float = 0.0,
    end: float = 0.1,
    attributes: dict[str, object] | None = None,
    sampled: bool = True,
) -> ReadableSpan:
    flags = SAMPLED if sampled else TraceFlags(TraceFlags.DEFAULT)
    ctx = SpanContext(trace, next(_ids), is_remote=False, trace_flags=flags)
    parent = None
    if not root or remote_parent:
        parent = SpanContext(trace, 999_999, is_remote=remote_parent, trace_flags=flags)
    return ReadableSpan(
        name="s",
        context=ctx,
        parent=parent,
        attributes=attributes or {},  # type: ignore[arg-type]
        status=Status(StatusCode.ERROR if error else StatusCode.UNSET),
        start_time=int(start * 1e9),
        end_time=int(end * 1e9),
    )


def sampler(
    *policies: PolicySpec, **config: object
) -> tuple[TailSamplingProcessor, Collect, Clock]:
    out, clock = Collect(), Clock()
    tail = TailSamplingProcessor(
        [out],
        TailConfig(policies=policies or (PolicySpec("error"),), **config),
        clock=clock,  # type: ignore[arg-type]
    )
    return tail, out, clock


def test_a_trace_is_held_until_its_root_ends_then_kept_whole() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(1, error=True))
    tail.on_end(span(1))
    assert out.spans == [] and tail.held == 2
    tail.on_end(span(1, root=True))
    assert len(out.spans) == 3 and tail.held == 0
    assert tail.stats.kept == 1


def test_a_trace_matching_no_policy_is_dropped() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(2))
    tail.on_end(span(2, root=True))
    assert out.spans == [] and tail.stats.dropped == 1


def test_a_root_with_a_remote_parent_is_the_local_root() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(3, root=True, remote_parent=True, error=True))
    assert len(out.spans) == 1


def test_unsampled_spans_are_ignored() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(4, root=True, error=True, sampled=False))
    assert out.spans == [] and tail.held == 0


POLICY_CASES = [
    (PolicySpec("error"), {"error": True}, True),
    (PolicySpec("error"), {}, False),
    (PolicySpec("duration", threshold=2.0), {"start": 0.0, "end": 2.5}, True),
    (PolicySpec("duration", threshold=2.0), {"start": 0.0, "end": 1.5}, False),
    (PolicySpec("attribute", key="team"), {"attributes": {"team": "x"}}, True),
    (PolicySpec("attribute", key="team", values=("data",)), {"attributes": {"team": "web"}}, False),
    (PolicySpec("attribute", key="team", values=("data",)), {"attributes": {"team": "data"}}, True),
    (PolicySpec("attribute", key="flag", values=("true",)), {"attributes": {"flag": True}}, True),
    (PolicySpec("attribute", key="team"), {"attributes": {"other": 1}}, False),
]


@pytest.mark.parametrize(("policy", "shape", "kept"), POLICY_CASES)
def test_policy(policy: PolicySpec, shape: dict[str, object], kept: bool) -> None:
    tail, out, _ = sampler(policy)
    tail.on_end(span(5, root=True, **shape))  # type: ignore[arg-type]
    assert bool(out.spans) is kept


def test_probabilistic_policy_decides_by_trace_id() -> None:
    tail, out, _ = sampler(PolicySpec("probabilistic", ratio=0.5))
    low, high = (1 << 64) | 5, (1 << 64) | (2**64 - 5)
    tail.on_end(span(low, root=True))
    tail.on_end(span(high, root=True))
    assert [s.context.trace_id for s in out.spans] == [low]  # type: ignore[union-attr]


def test_rate_limit_keeps_at_most_n_traces_per_second() -> None:
    clock, out = Clock(), Collect()
    rate = RateLimitPolicy(2, clock=clock)
    tail = TailSamplingProcessor([out], TailConfig(), policies=[rate], clock=clock)
    for t in range(10, 15):
        tail.on_end(span(t, root=True))
    assert len(out.spans) == 2
    clock.now += 1.0
    for t in range(15, 20):
        tail.on_end(span(t, root=True))
    assert len(out.spans) == 4


def test_every_policy_type_is_built_from_its_spec_in_order() -> None:
    specs = [
        PolicySpec("rate_limit", per_second=1),
        PolicySpec("error"),
        PolicySpec("duration", threshold=1),
        PolicySpec("attribute", key="k"),
        PolicySpec("probabilistic", ratio=0.5),
    ]
    names = [p.name for p in make_policies(specs)]
    assert names == ["rate_limit", "error", "duration", "attribute", "probabilistic"]


def test_policies_are_asked_in_order_so_rate_limit_only_spends_on_the_rest() -> None:
    clock = Clock()
    rate = RateLimitPolicy(1, clock=clock)
    out = Collect()
    tail = TailSamplingProcessor(
        [out], TailConfig(), policies=[*make_policies([PolicySpec("error")]), rate], clock=clock
    )
    tail.on_end(span(20, root=True, error=True))
    tail.on_end(span(21, root=True))
    tail.on_end(span(22, root=True))
    assert len(out.spans) == 2  # the error trace did not use the budget; 21 did; 22 dropped


def test_decision_wait_judges_a_trace_whose_root_never_ended() -> None:
    tail, out, clock = sampler(decision_wait=5.0)
    tail.on_end(span(30, error=True))
    clock.now += 4.9
    tail.on_end(span(31))
    assert out.spans == []
    clock.now += 0.2
    tail.on_end(span(32))  # any activity checks the oldest trace
    assert len(out.spans) == 1 and tail.stats.expired == 1
    tail.on_end(span(30))  # late span of a kept trace follows the decision
    assert len(out.spans) == 2 and tail.stats.late_spans == 1


def test_late_spans_of_a_dropped_trace_are_dropped() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(40, root=True))
    tail.on_end(span(40, error=True))
    assert out.spans == [] and tail.stats.late_spans == 1


def test_memory_cap_evicts_the_oldest_trace_and_never_holds_more() -> None:
    tail, out, _ = sampler(max_spans=100)
    for i in range(1000):
        tail.on_end(span(100 + i // 10, error=(i // 10) % 7 == 0))
        assert tail.held <= 100
    assert tail.stats.peak_held == 100
    assert tail.stats.evicted == 90
    # Evicted traces are judged on what they had: the error ones were kept whole.
    kept_traces = {s.context.trace_id for s in out.spans}  # type: ignore[union-attr]
    assert kept_traces == {100 + t for t in range(90) if t % 7 == 0}


def test_one_trace_larger_than_the_cap_is_judged_early() -> None:
    tail, out, _ = sampler(max_spans=10)
    for _ in range(25):
        tail.on_end(span(50, error=True))
    assert tail.held <= 10
    assert len(out.spans) == 25  # judged at 11 spans (kept); the rest followed the decision


def test_decision_cache_is_bounded() -> None:
    tail, _, _ = sampler(decision_cache=3)
    for t in range(60, 70):
        tail.on_end(span(t, root=True))
    assert len(tail._decided) == 3


def test_flush_decides_everything_pending() -> None:
    tail, out, _ = sampler()
    tail.on_end(span(70, error=True))
    tail.on_end(span(71))
    assert tail.force_flush()
    assert len(out.spans) == 1 and tail.held == 0
    tail.shutdown()


def test_unknown_policy_type_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: error, duration, attribute"):
        make_policies([PolicySpec("latency")])
