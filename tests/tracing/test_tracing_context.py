"""W3C Trace Context through TRACEPARENT/TRACESTATE, both ways."""

from __future__ import annotations

import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import INVALID_SPAN, get_current_span

from scriptrunner.tracing import child_context, inject_env
from scriptrunner.tracing.context import context_from_env

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_inject_then_extract_round_trips() -> None:
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("t")
    parent_ctx = context_from_env({"TRACEPARENT": PARENT, "TRACESTATE": "vendor=a"})
    span = tracer.start_span("s", context=parent_ctx)
    env = inject_env(span)
    ctx = get_current_span(child_context(env)).get_span_context()
    assert ctx.trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert ctx.span_id == span.get_span_context().span_id
    assert ctx.is_remote and ctx.trace_flags.sampled
    assert env["TRACESTATE"] == "vendor=a"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"TRACEPARENT": ""},
        {"TRACEPARENT": "garbage"},
        {"TRACEPARENT": "00-" + "0" * 32 + "-00f067aa0ba902b7-01"},
    ],
)
def test_no_or_bad_traceparent_starts_a_new_trace(env: dict[str, str]) -> None:
    assert context_from_env(env) is None
    assert get_current_span(child_context(env)).get_span_context().is_valid is False


def test_an_invalid_span_injects_nothing() -> None:
    assert inject_env(INVALID_SPAN) == {}


def test_child_context_reads_the_process_environment() -> None:
    code = (
        "from opentelemetry.trace import get_current_span\n"
        "from scriptrunner.tracing import child_context\n"
        "print(format(get_current_span(child_context()).get_span_context().span_id, '016x'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"TRACEPARENT": PARENT, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "00f067aa0ba902b7"
