"""W3C Trace Context through environment variables: ``TRACEPARENT`` and ``TRACESTATE``.

The runner gives every child process the context of the span of its run, and reads its own
parent from the same variables (set by CI, or by an outer scriptrunner).  A script joins
the trace with::

    from opentelemetry import trace
    from scriptrunner.tracing import child_context

    with trace.get_tracer("my-job").start_as_current_span("work", context=child_context()):
        ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.context import Context
from opentelemetry.trace import Span, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()


def inject_env(span: Span) -> dict[str, str]:
    """``TRACEPARENT`` and ``TRACESTATE`` (possibly empty) naming ``span`` as the parent.

    Both are always set for a valid span, so a ``TRACESTATE`` inherited from the runner's
    own environment never reaches a child with someone else's ``TRACEPARENT``.
    """
    ctx = span.get_span_context()
    if not ctx.is_valid:
        return {}
    return {
        "TRACEPARENT": f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}",
        "TRACESTATE": ctx.trace_state.to_header() if ctx.trace_state else "",
    }


def context_from_env(environ: Mapping[str, str] | None = None) -> Context | None:
    """The remote parent named by ``TRACEPARENT``, or None when there is none (or it is
    malformed: a bad header starts a new trace, as the W3C specification asks)."""
    env = os.environ if environ is None else environ
    traceparent = env.get("TRACEPARENT", "").strip()
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if env.get("TRACESTATE"):
        carrier["tracestate"] = env["TRACESTATE"]
    ctx = _PROPAGATOR.extract(carrier)
    return ctx if get_current_span(ctx).get_span_context().is_valid else None


def child_context(environ: Mapping[str, str] | None = None) -> Context:
    """For scripts: the context to start spans in so they join scriptrunner's trace.

    Returns an empty context (the script's spans start a trace of their own) when the
    script was not started by a tracing scriptrunner.
    """
    return context_from_env(environ) or Context()
