"""Tracing for one CLI command or API call: set up, attach to a bus, shut down in time.

::

    session = start_tracing(load_config(settings.tracing), store=store)
    options = dataclasses.replace(options, env_hook=session.env_hook)
    runner = Runner(store, options=options)
    session.attach(runner.bus)
    try:
        runner.run(spec)
    finally:
        for line in session.close():   # waits at most config.exit_wait
            print("scriptrunner: warning:", line, file=sys.stderr)

The pipeline: head sampler -> span processors: bus events (``trace.span.created`` /
``trace.span.ended``), then [tail sampler ->] one :class:`BatchExporter` per destination
(the history store, the collector).  OpenTelemetry's own log lines are captured while the
session is open: a failing collector becomes one warning from :meth:`close`, not a log
line per batch.  While the command runs, a probe connects once to each collector: one that
refuses the connection is not waited for at the end (see :mod:`.batch`).  Without a
collector configured there is no exporter at all, and :meth:`close` says so in one line.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from scriptrunner.core.spec import RunSpec
from scriptrunner.events import SPAN_CREATED, SPAN_ENDED, Event, EventBus
from scriptrunner.store.base import HistoryStore
from scriptrunner.tracing.batch import BatchExporter, Guard
from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.context import context_from_env
from scriptrunner.tracing.exporters import make_exporter
from scriptrunner.tracing.failures import Capture, Explain
from scriptrunner.tracing.ids import parse_parent
from scriptrunner.tracing.samplers import make_sampler
from scriptrunner.tracing.store_exporter import StoreSpanExporter
from scriptrunner.tracing.tail import TailSamplingProcessor
from scriptrunner.tracing.tracer import MintedIds, RunTracer
from scriptrunner.version import __version__


class BusSpanEvents(SpanProcessor):
    """Tells the buses' subscribers (the dashboard) about spans as they start and end.

    Notified, not persisted: the ``spans`` table is the record of a span.
    """

    def __init__(self) -> None:
        self.buses: list[EventBus] = []

    def _notify(self, kind: str, span: ReadableSpan) -> None:
        ctx = span.context
        if not self.buses or ctx is None:
            return
        run_id = (span.attributes or {}).get("scriptrunner.run_id")
        event = Event(
            kind,
            str(run_id) if run_id else None,
            {
                "trace_id": f"{ctx.trace_id:032x}",
                "span_id": f"{ctx.span_id:016x}",
                "parent_span_id": f"{span.parent.span_id:016x}" if span.parent else None,
                "name": span.name,
            },
        )
        for bus in self.buses:
            bus.publish(event)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._notify(SPAN_CREATED, span)

    def on_end(self, span: ReadableSpan) -> None:
        self._notify(SPAN_ENDED, span)


class TracingSession:
    """An open tracing pipeline (see the module docstring); close it exactly once."""

    #: :attr:`env_hook` names spans after the spec's command line (mask it first).
    names_from_spec = True

    def __init__(
        self,
        config: TracingConfig,
        *,
        store: HistoryStore | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._capture = Capture()
        self._otel_logger = logging.getLogger("opentelemetry")
        self._otel_logger.addHandler(self._capture)
        self._propagate = self._otel_logger.propagate
        self._otel_logger.propagate = False
        try:
            self._build(store, environ)
        except BaseException:  # e.g. an exporter that cannot be set up: leave logging as it was
            self._restore_logging()
            raise
        self._unsubscribe: list[Callable[[], None]] = []
        self._closed = False

    def _restore_logging(self) -> None:
        self._otel_logger.removeHandler(self._capture)
        self._otel_logger.propagate = self._propagate

    def _build(self, store: HistoryStore | None, environ: Mapping[str, str] | None) -> None:
        config = self.config
        attributes: dict[str, str] = {
            "service.name": config.service_name,
            "service.version": __version__,
            "host.name": os.uname().nodename,
            **dict(config.resource_attributes),
        }
        minted = MintedIds()
        self.provider = TracerProvider(
            sampler=make_sampler(config.sampler, config.sampler_arg),
            resource=Resource.create(attributes),
            shutdown_on_exit=False,
            id_generator=minted,
        )
        self.exporters: list[BatchExporter] = []
        self._stored = store is not None
        if store is not None:
            store_sink = StoreSpanExporter(store)
            self.exporters.append(self._batch(store_sink, f"the history store {store.where}"))
        exporter = make_exporter(config)
        if exporter is not None:
            url = config.traces_url()
            probe = url if config.exporter in ("otlp", "jaeger", "zipkin") else None
            self.exporters.append(self._batch(exporter, url, probe))
        self.bus_events = BusSpanEvents()
        self.provider.add_span_processor(self.bus_events)
        self.tail: TailSamplingProcessor | None = None
        if config.sampler == "tail":
            self.tail = TailSamplingProcessor(self.exporters, config.tail)
            self.provider.add_span_processor(self.tail)
        else:
            for processor in self.exporters:
                self.provider.add_span_processor(processor)
        tracer = self.provider.get_tracer("scriptrunner", __version__)
        env = os.environ if environ is None else environ
        self.tracer = RunTracer(
            tracer, parent=context_from_env(env), minted=minted, remote=parse_parent(env)
        )

    def _batch(self, exporter: SpanExporter, where: str, url: str | None = None) -> BatchExporter:
        cfg = self.config
        # A dead collector is tried once per cooldown, not once per batch.
        cooldown = max(30.0, 3 * cfg.export_timeout)
        explain = Explain(self._capture, url, cfg.export_timeout)
        guard = Guard(exporter, where, cooldown=cooldown, explainer=explain)
        explain.watch(guard)
        return BatchExporter(
            guard, queue_size=cfg.queue_size, batch_size=cfg.batch_size, delay=cfg.schedule_delay
        )

    @property
    def env_hook(self) -> Callable[[str, RunSpec], Mapping[str, str]]:
        """For :attr:`RunOptions.env_hook`: TRACEPARENT/TRACESTATE of each run's span."""
        return self.tracer.env_for

    def attach(self, bus: EventBus) -> None:
        """Follow ``bus``'s run/workflow events and publish span events on it."""
        self._unsubscribe.append(bus.subscribe(self.tracer))
        self.bus_events.buses.append(bus)

    def close(self) -> list[str]:
        """Flush and stop within ``config.exit_wait``; returns warnings (one per failing
        destination, and one when no collector is configured) for the caller to show.
        Never raises for telemetry failures."""
        if self._closed:
            return []
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        deadline = time.monotonic() + self.config.exit_wait
        try:
            if self.tail is not None:
                self.tail.decide_all()
            for processor in self.exporters:
                processor.close(deadline)
        finally:
            self._restore_logging()
        return self.warnings()

    def warnings(self) -> list[str]:
        lines = []
        if not self.config.collector_configured:
            lines.append(
                "no trace collector configured: spans are kept in the history store only "
                "(`scriptrunner traces` shows them; docs/tracing.md says how to export them)"
                if self._stored
                else "no trace collector configured and no history store: the spans are not kept"
            )
        for processor in self.exporters:
            guard = processor.guard
            stats = guard.stats
            lost = _spans(stats.dropped) + (" was" if stats.dropped == 1 else " were")
            if stats.error is not None:
                lines.append(
                    f"trace export to {guard.where} failed ({stats.error}); {lost} not "
                    "exported (the runs themselves are not affected)"
                )
            elif stats.dropped:
                lines.append(
                    f"trace export to {guard.where} did not finish within "
                    f"{self.config.exit_wait:g} s; {lost} not exported"
                )
            if stats.queue_full:
                lines.append(
                    f"{_spans(stats.queue_full)} for {guard.where} dropped: the export "
                    f"queue ({self.config.queue_size}) was full"
                )
        return lines

    def __enter__(self) -> TracingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _spans(n: int) -> str:
    return f"{n} span" + ("s" if n != 1 else "")


def start_tracing(
    config: TracingConfig,
    *,
    store: HistoryStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> TracingSession:
    """Open a tracing session; ``environ`` (default ``os.environ``) may hold TRACEPARENT."""
    return TracingSession(config, store=store, environ=environ)
