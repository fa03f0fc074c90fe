"""Head samplers by name (the ``OTEL_TRACES_SAMPLER`` names, plus ``tail``).

``tail`` samples every trace at the head; :mod:`scriptrunner.tracing.tail` decides which
to keep once each trace is complete.  ``traceidratio`` takes its probability from the
sampler argument (default 1.0).
"""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from scriptrunner.registry import Registry

#: Builds a sampler from the sampler argument (None when not given).
SamplerFactory = Callable[[float | None], Sampler]


def _ratio(arg: float | None) -> Sampler:
    return TraceIdRatioBased(1.0 if arg is None else arg)


SAMPLERS: Registry[SamplerFactory] = Registry(
    "tracing sampler",
    {
        "always_on": lambda _arg: ALWAYS_ON,
        "always_off": lambda _arg: ALWAYS_OFF,
        "traceidratio": _ratio,
        "parentbased_always_on": lambda _arg: ParentBased(ALWAYS_ON),
        "parentbased_always_off": lambda _arg: ParentBased(ALWAYS_OFF),
        "parentbased_traceidratio": lambda arg: ParentBased(_ratio(arg)),
        # Record everything; the tail-sampling processor keeps or drops whole traces later.
        "tail": lambda _arg: ALWAYS_ON,
    },
)


def make_sampler(name: str, arg: float | None = None) -> Sampler:
    """The sampler called ``name``; an unknown name is an error listing the valid ones."""
    return SAMPLERS.get(name)(arg)
