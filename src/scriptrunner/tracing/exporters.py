"""Span exporters by name: ``otlp`` (HTTP/protobuf or gRPC), ``jaeger``, ``zipkin``,
``console`` and ``none``.

``jaeger`` is OTLP sent to a Jaeger collector's own OTLP receiver (ports 4318 HTTP, 4317
gRPC): Jaeger has accepted OTLP natively since 1.35, and OpenTelemetry retired its Jaeger
Thrift exporter in 2023, so there is no other way worth supporting.  Each exporter module is
imported only when chosen (gRPC alone costs about 150 ms to import).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from opentelemetry.sdk.trace.export import SpanExporter

from scriptrunner.registry import Registry
from scriptrunner.tracing.config import TracingConfig

#: Builds the exporter for a configuration; None means "no network export" (store only).
ExporterFactory = Callable[[TracingConfig], SpanExporter | None]


def _otlp(config: TracingConfig) -> SpanExporter:
    url = config.traces_url()
    headers = {k.lower(): v for k, v in config.headers}
    if config.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        scheme = urlsplit(url).scheme
        return GrpcExporter(
            endpoint=url,
            insecure=True if scheme == "http" else (False if scheme == "https" else None),
            headers=headers or None,
            timeout=config.export_timeout,
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=url, headers=headers, timeout=config.export_timeout)


def _zipkin(config: TracingConfig) -> SpanExporter:
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    # The annotation says int; requests takes any positive number of seconds.
    timeout: int = config.export_timeout  # type: ignore[assignment]
    return ZipkinExporter(endpoint=config.traces_url(), timeout=timeout)


def _console(config: TracingConfig) -> SpanExporter:
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    # stderr: stdout belongs to the script's output and to --json.
    return ConsoleSpanExporter(out=sys.stderr)


EXPORTERS: Registry[ExporterFactory] = Registry(
    "tracing exporter",
    {
        "otlp": _otlp,
        "jaeger": _otlp,
        "zipkin": _zipkin,
        "console": _console,
        "none": lambda _config: None,
    },
)


def make_exporter(config: TracingConfig) -> SpanExporter | None:
    """The exporter ``config`` names; an unknown name is an error listing the valid ones."""
    return EXPORTERS.get(config.exporter)(config)
