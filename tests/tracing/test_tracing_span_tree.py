"""The exact span tree of a workflow, at real receivers, including a child script that uses
the OpenTelemetry SDK and joins the trace through TRACEPARENT."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.otel import Receiver, span_tree
from scriptrunner import __version__
from scriptrunner.core.runner import RunOptions
from scriptrunner.settings import Settings
from scriptrunner.store import open_reader, open_store
from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.session import start_tracing
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.results import WorkflowResult

# The child exports its own spans with the same protocol, straight to the receiver.
CHILD = """\
import sys
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from scriptrunner.tracing import child_context

protocol, url = sys.argv[1], sys.argv[2]
if protocol == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    exporter = OTLPSpanExporter(endpoint=url, insecure=True)
elif protocol == "zipkin":
    from opentelemetry.exporter.zipkin.json import ZipkinExporter
    exporter = ZipkinExporter(endpoint=url)
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    exporter = OTLPSpanExporter(endpoint=url + "/v1/traces")
provider = TracerProvider(resource=Resource.create({"service.name": "child-script"}))
provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = provider.get_tracer("child")
with tracer.start_as_current_span("child work", context=child_context()):
    with tracer.start_as_current_span("child step"):
        pass
provider.shutdown()
"""

EXPECTED = [
    (
        "workflow traced",
        (
            ("task broken", ()),
            ("task child", (("child work", (("child step", ()),)),)),
            ("task flaky", (("attempt 1", ()), ("attempt 2", ()))),
            ("task prepare", ()),
            ("task skipped", ()),
        ),
    )
]
RUNNER_SPANS = 8  # workflow, 5 tasks, 2 attempts


def workflow(protocol: str, url: str) -> dict[str, Any]:
    return {
        "name": "traced",
        "tasks": {
            "prepare": {"run": "true"},
            "child": {
                "script": "child.py",
                "args": [protocol, url, "--api-token=s3cret"],
                "needs": ["prepare"],
            },
            "flaky": {
                "run": "sh -c 'test -f flag || { touch flag; exit 3; }'",
                "retries": {"max": 1, "delay": 0},
                "needs": ["prepare"],
            },
            "skipped": {"run": "true", "if": "false"},
            "broken": {
                "run": "sh -c 'exit 5'",
                "continue_on_error": True,
                "tags": {"team": "data"},
            },
        },
    }


def run_traced(
    doc: dict[str, Any], base: Path, config: TracingConfig, home: Path | None = None
) -> tuple[WorkflowResult, list[str]]:
    """Run a workflow with tracing in this process, the way the CLI wires it."""
    store = open_store(Settings(home=home)) if home is not None else None
    session = start_tracing(config, store=store, environ={})
    engine = WorkflowEngine(
        store, options=EngineOptions(run_options=RunOptions(env_hook=session.env_hook))
    )
    session.attach(engine.bus)
    try:
        result = engine.run(expand(workflow_from_dict(doc, base_dir=base)))
    finally:
        warnings = session.close()
        if store is not None:
            store.close()
    return result, warnings


PROTOCOLS = [
    ("http/protobuf", "otlp_http_receiver", "otlp"),
    ("grpc", "otlp_grpc_receiver", "otlp"),
    ("zipkin", "zipkin_receiver", "zipkin"),
]


@pytest.mark.parametrize(("protocol", "fixture", "exporter"), PROTOCOLS)
def test_workflow_span_tree_with_child_script_joining_via_traceparent(
    protocol: str, fixture: str, exporter: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    receiver: Receiver = request.getfixturevalue(fixture)
    (tmp_path / "child.py").write_text(CHILD)
    config = TracingConfig(
        exporter=exporter,
        endpoint=receiver.url,
        endpoint_is_full=exporter == "zipkin",
        protocol="grpc" if protocol == "grpc" else "http/protobuf",
        schedule_delay=0.05,
    )
    result, warnings = run_traced(workflow(protocol, receiver.url), tmp_path, config)
    assert result.ok, result.counts()
    assert warnings == []
    spans = receiver.wait_for(RUNNER_SPANS + 2)
    assert span_tree(spans) == EXPECTED
    assert len({s.trace_id for s in spans}) == 1
    by_name = {s.name: s for s in spans}
    assert by_name["child work"].service == "child-script"
    assert by_name["child work"].parent_id == by_name["task child"].span_id
    assert {s.service for s in spans if not s.name.startswith("child")} == {"scriptrunner"}
    errors = {s.name for s in spans if s.error}
    assert errors == {"task broken", "attempt 1"}


def test_span_attributes_and_resource(otlp_http_receiver: Receiver, tmp_path: Path) -> None:
    (tmp_path / "child.py").write_text(CHILD)
    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=0.05)
    result, _ = run_traced(workflow("http", otlp_http_receiver.url), tmp_path, config)
    spans = {s.name: s for s in otlp_http_receiver.wait_for(RUNNER_SPANS + 2)}
    child = spans["task child"].attributes
    assert child["scriptrunner.args"] == ["http", otlp_http_receiver.url, "--api-token=***"]
    assert "s3cret" not in repr(spans["task child"])
    assert child["scriptrunner.script"].endswith("child.py")
    assert child["scriptrunner.exit_code"] == 0
    assert child["scriptrunner.attempts"] == 1
    assert child["scriptrunner.run_id"] == result.tasks["child"].run.run_id  # type: ignore[union-attr]
    assert child["scriptrunner.duration_seconds"] > 0
    assert child["scriptrunner.cpu_seconds"] >= 0
    assert child["scriptrunner.task.state"] == "succeeded"
    broken = spans["task broken"].attributes
    assert broken["scriptrunner.exit_code"] == 5
    assert broken["scriptrunner.tag.team"] == "data"
    assert broken["scriptrunner.task.result"] == "success"  # tolerated, but still an error span
    flaky = spans["task flaky"]
    assert flaky.attributes["scriptrunner.attempts"] == 2
    # The failed first attempt is an event; a lone success is said by the attributes.
    assert sorted(flaky.events) == ["attempt.finished", "retry"]
    assert spans["task prepare"].events == ()
    assert spans["attempt 1"].attributes["scriptrunner.exit_code"] == 3
    assert spans["task skipped"].attributes["scriptrunner.task.state"] == "skipped"
    root = spans["workflow traced"]
    assert root.attributes["scriptrunner.run_id"] == result.run_id
    assert root.attributes["scriptrunner.tasks.succeeded"] == 3
    assert root.resource["service.name"] == "scriptrunner"
    assert root.resource["service.version"] == __version__
    assert root.resource["host.name"]
    # Children never start before their parent nor end after it.
    for span in spans.values():
        parent = next((p for p in spans.values() if p.span_id == span.parent_id), None)
        if parent is not None and parent.service == span.service:
            assert parent.start_ns <= span.start_ns <= span.end_ns <= parent.end_ns


def test_spans_are_written_to_the_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    doc = {"name": "stored", "tasks": {"a": {"run": "true"}, "b": {"run": "false"}}}
    result, warnings = run_traced(doc, tmp_path, TracingConfig(exporter="none"), home)
    assert warnings == []
    reader = open_reader(Settings(home=home))
    try:
        rows = reader.spans(trace_ids=reader.recent_traces())
    finally:
        reader.close()
    assert sorted(r["name"] for r in rows) == ["task a", "task b", "workflow stored"]
    root = next(r for r in rows if r["parent_span_id"] is None)
    assert root["run_id"] == result.run_id
    assert root["status"] == "error" and root["status_message"] == "failed"
    b = next(r for r in rows if r["name"] == "task b")
    assert b["parent_span_id"] == root["span_id"]
    assert b["attributes"]["scriptrunner.exit_code"] == 1
    assert b["events"][0]["name"] == "attempt.finished"
    assert b["start_time"] <= b["end_time"]


def test_runner_honours_an_incoming_traceparent(
    otlp_http_receiver: Receiver, tmp_path: Path
) -> None:
    from scriptrunner.core.runner import Runner
    from scriptrunner.core.spec import RunSpec

    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=0.05)
    session = start_tracing(config, environ={"TRACEPARENT": parent, "TRACESTATE": "ci=1"})
    runner = Runner(options=RunOptions(env_hook=session.env_hook))
    session.attach(runner.bus)
    script = "import os; print(os.environ['TRACEPARENT'], os.environ['TRACESTATE'])"
    result = runner.run(RunSpec(command=(sys.executable, "-c", script)))
    session.close()
    (span,) = otlp_http_receiver.wait_for(1)
    assert span.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert span.parent_id == "b7ad6b7169203331"
    traceparent, tracestate = result.stdout.text.split()
    assert traceparent == f"00-{span.trace_id}-{span.span_id}-01"
    assert tracestate == "ci=1"
    assert span.name == f"run {Path(sys.executable).name}"
