"""The tracing configuration value: exporter, sampler, batching and tail-sampling settings.

Every field is checked when the value is built (unknown names, ranges), so a bad value is a
:class:`ConfigError` (exit 2) before anything runs.  :mod:`.config_loader` builds it from the
settings table and the ``OTEL_*`` variables.  This module does not import OpenTelemetry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scriptrunner.errors import ConfigError
from scriptrunner.registry import unknown_name

EXPORTERS = ("otlp", "jaeger", "zipkin", "console", "none")
PROTOCOLS = ("http/protobuf", "grpc")
SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
    "tail",
)
POLICY_TYPES = ("error", "duration", "attribute", "probabilistic", "rate_limit")

OTLP_HTTP_DEFAULT = "http://localhost:4318"
OTLP_GRPC_DEFAULT = "http://localhost:4317"
ZIPKIN_DEFAULT = "http://localhost:9411/api/v2/spans"


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """One tail-sampling policy: the trace is kept when any policy matches.

    ``error``: a span has error status; ``duration``: the trace lasted at least
    ``threshold`` seconds; ``attribute``: a span has attribute ``key`` (with one of
    ``values``, if given); ``probabilistic``: a ``ratio`` of traces, chosen by trace id;
    ``rate_limit``: at most ``per_second`` traces a second.
    """

    type: str
    threshold: float = 0.0
    key: str = ""
    values: tuple[str, ...] = ()
    ratio: float = 0.0
    per_second: float = 0.0


@dataclass(frozen=True, slots=True)
class TailConfig:
    """How the tail sampler holds traces: until the root ends or ``decision_wait`` passes,
    never more than ``max_spans`` spans in all (the oldest trace is decided early)."""

    policies: tuple[PolicySpec, ...] = (PolicySpec("error"),)
    decision_wait: float = 30.0
    max_spans: int = 100_000
    #: Decisions remembered for spans that end after their trace was decided.
    decision_cache: int = 10_000


@dataclass(frozen=True, slots=True)
class TracingConfig:
    """Everything the tracing pipeline needs; see the module docstring for the sources."""

    exporter: str = "otlp"
    #: False when neither an exporter nor an endpoint was configured: the spans are kept in
    #: the history store only (``exporter`` is then ``none``), and the session says so once.
    collector_configured: bool = True
    #: Base URL (OTLP/HTTP gets ``/v1/traces`` appended) unless ``endpoint_is_full``.
    endpoint: str = ""
    endpoint_is_full: bool = False
    protocol: str = "http/protobuf"
    headers: tuple[tuple[str, str], ...] = ()
    sampler: str = "parentbased_always_on"
    sampler_arg: float | None = None
    service_name: str = "scriptrunner"
    resource_attributes: tuple[tuple[str, str], ...] = ()
    #: Seconds one export may take.
    export_timeout: float = 10.0
    #: The most the end of a command waits for its last spans to be exported (never more
    #: than ``export_timeout``); what is not exported by then is counted and given up.
    shutdown_timeout: float = 2.0
    queue_size: int = 2048
    batch_size: int = 512
    schedule_delay: float = 1.0
    tail: TailConfig = field(default_factory=TailConfig)

    def __post_init__(self) -> None:
        one_of("exporter", self.exporter, EXPORTERS)
        one_of("protocol", self.protocol, PROTOCOLS)
        one_of("sampler", self.sampler, SAMPLERS)
        if self.sampler_arg is not None and not 0.0 <= self.sampler_arg <= 1.0:
            raise ConfigError(f"tracing sampler_arg must be from 0 to 1, got {self.sampler_arg}")
        for name in ("export_timeout", "shutdown_timeout", "schedule_delay"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"tracing {name} must be > 0 seconds")
        if not 1 <= self.batch_size <= self.queue_size:
            raise ConfigError("tracing needs 1 <= batch_size <= queue_size")

    @property
    def exit_wait(self) -> float:
        """Seconds the end of a command waits for the last spans."""
        return min(self.shutdown_timeout, self.export_timeout)

    def traces_url(self) -> str:
        """Where spans are sent (for messages, and for the HTTP exporters)."""
        if self.exporter == "zipkin":
            url = self.endpoint or ZIPKIN_DEFAULT
            return url if urlsplit(url).path not in ("", "/") else url.rstrip("/") + "/api/v2/spans"
        if self.exporter not in ("otlp", "jaeger"):
            return self.exporter
        if self.protocol == "grpc":
            return self.endpoint or OTLP_GRPC_DEFAULT
        url = self.endpoint or OTLP_HTTP_DEFAULT
        if self.endpoint_is_full or url.rstrip("/").endswith("/v1/traces"):
            return url
        return url.rstrip("/") + "/v1/traces"


def config_to_plain(config: TracingConfig) -> dict[str, Any]:
    """``config`` as JSON-able data (what the span exporter process is handed; no pickle: the
    process must not run code chosen by whoever could write to its stdin)."""
    return asdict(config)


def config_from_plain(data: dict[str, Any]) -> TracingConfig:
    """The inverse of :func:`config_to_plain` (checked again as it is built)."""
    data = dict(data)
    tail = dict(data.pop("tail"))
    policies = tuple(
        PolicySpec(**{**p, "values": tuple(p.get("values", ()))}) for p in tail.pop("policies")
    )
    return TracingConfig(
        **{
            **data,
            "headers": tuple((str(k), str(v)) for k, v in data.get("headers", ())),
            "resource_attributes": tuple(
                (str(k), str(v)) for k, v in data.get("resource_attributes", ())
            ),
            "tail": TailConfig(policies=policies, **tail),
        }
    )


def one_of(what: str, value: str, valid: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` listing ``valid`` unless ``value`` is one of them."""
    if value not in valid:
        raise unknown_name(f"tracing {what}", value, valid)
