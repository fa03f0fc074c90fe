"""The tracing session: batching, failing open, bounded shutdown, warnings, bus events."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from fixtures.otel import Receiver
from fixtures.postgres import free_port
from scriptrunner.core.runner import Runner, RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ConfigError
from scriptrunner.events import Event
from scriptrunner.settings import Settings
from scriptrunner.store import open_store
from scriptrunner.tracing.batch import BatchExporter, Guard
from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.exporters import make_exporter
from scriptrunner.tracing.session import SPAN_CREATED, SPAN_ENDED, start_tracing

TRUE = RunSpec(command=("true",))


def traced_run(
    config: TracingConfig, spec: RunSpec = TRUE, **kw: object
) -> tuple[float, list[str]]:
    """One traced run; returns (seconds from start to tracing closed, warnings)."""
    t0 = time.monotonic()
    session = start_tracing(config, environ={}, **kw)  # type: ignore[arg-type]
    runner = Runner(options=RunOptions(env_hook=session.env_hook))
    session.attach(runner.bus)
    result = runner.run(spec)
    warnings = session.close()
    assert result.exit_code == 0
    return time.monotonic() - t0, warnings


@pytest.fixture
def hanging_collector() -> Iterator[str]:
    """A port that accepts connections and never answers (a collector stuck under load)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_dead_collector_costs_at_most_the_export_timeout_and_warns_once(protocol: str) -> None:
    baseline, _ = traced_run(TracingConfig(exporter="none"))
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    config = TracingConfig(endpoint=url, protocol=protocol, export_timeout=0.5)
    elapsed, warnings = traced_run(config)
    assert elapsed - baseline < 0.5 + 0.5
    assert len(warnings) == 1
    assert "connection refused" in warnings[0] and "1 span was not exported" in warnings[0]


def test_hanging_collector_costs_at_most_the_export_timeout(hanging_collector: str) -> None:
    config = TracingConfig(endpoint=hanging_collector, export_timeout=0.5, schedule_delay=10)
    baseline, _ = traced_run(TracingConfig(exporter="none"))
    elapsed, warnings = traced_run(config)
    assert elapsed - baseline < 0.5 + 0.5
    assert len(warnings) == 1
    assert "1 span was not exported" in warnings[0]


def test_opentelemetry_log_lines_are_not_printed(capfd: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    traced_run(TracingConfig(endpoint=url, export_timeout=0.3))
    assert capfd.readouterr().err == ""


class Stuck(SpanExporter):
    def __init__(self) -> None:
        self.release = threading.Event()
        self.exporting = threading.Event()  # set once the exporter thread is inside export

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exporting.set()
        self.release.wait(10)
        return SpanExportResult.SUCCESS


class Raising(SpanExporter):
    calls = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.calls += 1
        raise RuntimeError("collector exploded")


class Failing(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.FAILURE


def fake_span() -> ReadableSpan:
    from opentelemetry.trace import SpanContext, TraceFlags

    return ReadableSpan("s", SpanContext(1, 2, False, TraceFlags(TraceFlags.SAMPLED)))


def test_close_abandons_a_stuck_export_at_the_deadline() -> None:
    stuck = Stuck()
    batch = BatchExporter(
        Guard(stuck, "stuck", cooldown=30), queue_size=10, batch_size=1, delay=0.01
    )
    for _ in range(3):
        batch.on_end(fake_span())
    assert stuck.exporting.wait(5)
    t0 = time.monotonic()
    batch.close(time.monotonic() + 0.3)
    assert time.monotonic() - t0 < 0.6
    assert batch.guard.stats.dropped == 3  # one in flight, two queued
    stuck.release.set()


class StuckThenFailing(Stuck):
    def __init__(self) -> None:
        super().__init__()
        self.done = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exporting.set()
        self.release.wait(10)
        self.done.set()
        return SpanExportResult.FAILURE


def test_an_abandoned_export_that_fails_later_is_counted_once() -> None:
    """The in-flight batch counts as dropped at close; its late failure must not count it
    again (seen as "2 spans were not exported" for one span on a loaded machine)."""
    exporter = StuckThenFailing()
    batch = BatchExporter(
        Guard(exporter, "late", cooldown=30), queue_size=10, batch_size=1, delay=0.01
    )
    batch.on_end(fake_span())
    assert exporter.exporting.wait(5)
    batch.close(time.monotonic() + 0.1)
    assert batch.guard.stats.dropped == 1
    exporter.release.set()
    assert exporter.done.wait(5)
    batch._thread.join(5)
    assert batch.guard.stats.dropped == 1


def test_exceptions_are_counted_and_a_failed_destination_pauses() -> None:
    exporter = Raising()
    guard = Guard(exporter, "x", cooldown=30)
    guard.export([fake_span()])
    guard.export([fake_span(), fake_span()])
    assert exporter.calls == 1  # the second batch fell in the cooldown
    assert guard.stats.dropped == 3 and guard.stats.failures == 1
    assert guard.stats.error == "RuntimeError: collector exploded"
    failing = Guard(Failing(), "y", cooldown=0)
    failing.export([fake_span()])
    assert failing.stats.error == "the exporter reported a failure"


def test_a_full_queue_drops_and_counts() -> None:
    stuck = Stuck()
    batch = BatchExporter(Guard(stuck, "q", cooldown=30), queue_size=2, batch_size=2, delay=5)
    for _ in range(5):
        batch.on_end(fake_span())
    assert batch.guard.stats.queue_full >= 1
    stuck.release.set()
    assert batch.force_flush(5000)
    batch.shutdown()


def test_force_flush_exports_what_is_queued(otlp_http_receiver: Receiver) -> None:
    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=60)
    session = start_tracing(config, environ={})
    session.provider.get_tracer("t").start_span("one").end()
    assert all(p.force_flush(5000) for p in session.exporters)
    assert [s.name for s in otlp_http_receiver.spans] == ["one"]
    session.close()


def test_headers_reach_the_collector(otlp_http_receiver: Receiver) -> None:
    config = TracingConfig(endpoint=otlp_http_receiver.url, headers=(("X-Tenant", "t1"),))
    traced_run(config)
    otlp_http_receiver.wait_for(1)
    assert otlp_http_receiver.headers[0]["x-tenant"] == "t1"


def test_grpc_headers_reach_the_collector(otlp_grpc_receiver: Receiver) -> None:
    config = TracingConfig(
        endpoint=otlp_grpc_receiver.url, protocol="grpc", headers=(("X-Tenant", "t2"),)
    )
    traced_run(config)
    otlp_grpc_receiver.wait_for(1)
    assert otlp_grpc_receiver.headers[0]["x-tenant"] == "t2"


def test_bus_gets_span_created_and_ended_events() -> None:
    seen: list[Event] = []
    session = start_tracing(TracingConfig(exporter="none"), environ={})
    runner = Runner(options=RunOptions(env_hook=session.env_hook))
    session.attach(runner.bus)
    runner.bus.subscribe(seen.append)
    result = runner.run(TRUE)
    session.close()
    trace_events = [e for e in seen if e.type.startswith("trace.")]
    assert [e.type for e in trace_events] == [SPAN_CREATED, SPAN_ENDED]
    assert {e.run_id for e in trace_events} == {result.run_id}
    assert trace_events[0].payload["name"] == "run true"
    assert len(trace_events[1].payload["trace_id"]) == 32


def test_console_exporter_writes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    traced_run(TracingConfig(exporter="console"))
    out, err = capfd.readouterr()
    assert out == "" and '"name": "run true"' in err


def test_unknown_exporter_lists_the_valid_ones() -> None:
    class Odd:
        exporter = "carrier-pigeon"

    with pytest.raises(ConfigError, match="valid: otlp, jaeger, zipkin, console, none"):
        make_exporter(Odd())  # type: ignore[arg-type]


def test_a_failing_store_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path))
    store.close()  # writes now fail
    _, warnings = traced_run(TracingConfig(exporter="none"), store=store)
    assert len(warnings) == 1
    assert "the history store" in warnings[0] and "1 span was not exported" in warnings[0]


def test_close_is_idempotent_and_context_manager_closes() -> None:
    with start_tracing(TracingConfig(exporter="none"), environ={}) as session:
        pass
    assert session.close() == []


def test_timeout_and_gate_decisions_are_span_events(
    otlp_http_receiver: Receiver, tmp_path: Path
) -> None:
    from scriptrunner.gates.base import GateContext
    from scriptrunner.workflows import EngineOptions, WorkflowEngine, expand, workflow_from_dict

    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=0.05)
    session = start_tracing(config, environ={})
    runner = Runner(options=RunOptions(env_hook=session.env_hook, kill_grace=0.2))
    session.attach(runner.bus)
    spec = RunSpec(command=(sys.executable, "-c", "import time; time.sleep(5)"), timeout=0.3)
    result = runner.run(spec)
    session.close()
    # A workflow task blocked by its (real) secrets gate: the decision is on the task's span.
    (tmp_path / "job.py").write_text("KEY = 'sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN'\n")
    workflow = workflow_from_dict(
        {
            "name": "gated",
            "tasks": {"job": {"script": "job.py", "security": {"scan": ["secrets"]}}},
        },
        base_dir=tmp_path,
    )
    session2 = start_tracing(config, environ={})
    options = EngineOptions(
        run_options=RunOptions(env_hook=session2.env_hook),
        gate_context=GateContext(cache_dir=None),
    )
    engine = WorkflowEngine(options=options)
    session2.attach(engine.bus)
    gated = engine.run(expand(workflow))
    session2.close()
    spans = {s.name: s for s in otlp_http_receiver.wait_for(3)}
    timed = spans[f"run {Path(sys.executable).name}"]
    assert result.status == "timed_out"
    assert timed.error and "timeout" in timed.events
    assert timed.attributes["scriptrunner.timeout_seconds"] == 0.3
    assert gated.tasks["job"].state == "blocked"
    task_events = spans["task job"].events
    assert {"scan.completed", "secret.detected", "run.blocked"} <= set(task_events)


def test_a_failed_setup_leaves_logging_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from scriptrunner.tracing import session as session_module

    def broken(config: TracingConfig) -> None:
        raise RuntimeError("no exporter today")

    monkeypatch.setattr(session_module, "make_exporter", broken)
    logger = logging.getLogger("opentelemetry")
    handlers, propagate = list(logger.handlers), logger.propagate
    with pytest.raises(RuntimeError):
        start_tracing(TracingConfig(), environ={})
    assert logger.handlers == handlers and logger.propagate == propagate
