"""A task that ends ``lost`` or ``infrastructure`` is a failed span, like a failed one."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from scriptrunner import events as ev
from scriptrunner.tracing.tracer import RunTracer


@pytest.mark.parametrize("state", ["lost", "infrastructure"])
def test_a_lost_or_infrastructure_task_is_an_error_span(state: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = RunTracer(provider.get_tracer("test"))
    tracer(ev.Event(ev.WORKFLOW_STARTED, "wf1", {"name": "w", "tasks": 1, "max_parallel": 1}))
    reason = "its worker died"
    finished = {"task": "t", "state": state, "result": "failure", "reason": reason}
    tracer(ev.Event(ev.TASK_FINISHED, "wf1", finished))
    tracer(ev.Event(ev.WORKFLOW_FINISHED, "wf1", {"status": "failed", "exit_code": 1}))
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert spans["task t"].status.status_code is StatusCode.ERROR
    assert spans["task t"].status.description == reason
