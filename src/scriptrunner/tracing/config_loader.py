"""Reading the tracing configuration from the ``[tracing]`` settings table and ``OTEL_*``.

Without an exporter or an endpoint named anywhere, the exporter is ``none``: the spans are
kept in the history store only (``TracingConfig.collector_configured`` is False).

Precedence, highest first: the standard ``OTEL_*`` environment variables (what a CI job or a
collector side-car sets), the ``tracing`` table of the scriptrunner settings (file, or the
``SCRIPTRUNNER_TRACING`` JSON variable), built-in defaults.  Tail-sampling policies are only
in the settings table: there is no standard variable for them.

Each source is read into field values with messages naming the key or variable; the
value itself (:mod:`.config`) checks names and ranges.  This module does not import
OpenTelemetry, so a bad value is a :class:`ConfigError` (exit 2) before anything runs,
whether or not the extra is installed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from scriptrunner.errors import ConfigError
from scriptrunner.tracing.config import POLICY_TYPES, PolicySpec, TailConfig, TracingConfig, one_of


def load_config(
    table: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> TracingConfig:
    """The configuration from a settings table and an environment (both optional)."""
    values = _from_table(table or {})
    env = _from_env(environ or {})
    # OTLP endpoint variables do not point a Zipkin exporter (nor the reverse).
    zipkin = env.pop("zipkin_endpoint", None)
    otlp = env.pop("otlp_endpoint", None)
    values.update(env)
    endpoint = zipkin if values.get("exporter") == "zipkin" else otlp
    if endpoint is not None:
        values["endpoint"], values["endpoint_is_full"] = endpoint
    if "exporter" not in values and not values.get("endpoint"):
        # Nothing names a collector: keep the spans in the history store rather than wait
        # on an exporter retrying localhost:4318 (issue 17: 7 s per command).
        values["exporter"], values["collector_configured"] = "none", False
    return TracingConfig(**values)


_TABLE_KEYS = (
    "exporter", "endpoint", "protocol", "headers", "sampler", "sampler_arg", "service_name",
    "resource_attributes", "export_timeout", "shutdown_timeout", "queue_size", "batch_size",
    "schedule_delay", "tail",
)  # fmt: skip
_TAIL_KEYS = ("policies", "decision_wait", "max_spans", "decision_cache")


def _from_table(table: Mapping[str, Any]) -> dict[str, Any]:
    where = "settings [tracing]"
    _known_keys(where, table, _TABLE_KEYS)
    values: dict[str, Any] = {}
    for key in ("exporter", "protocol", "sampler"):
        if key in table:
            values[key] = str(table[key]).strip().lower()
    for key in ("endpoint", "service_name"):
        if key in table:
            values[key] = str(table[key]).strip()
    for key in ("headers", "resource_attributes"):
        if key in table:
            values[key] = _pairs(f"{where} {key}", table[key])
    if "sampler_arg" in table:
        values["sampler_arg"] = _number(f"{where} sampler_arg", table["sampler_arg"])
    for key in ("export_timeout", "shutdown_timeout", "schedule_delay"):
        if key in table:
            values[key] = _number(f"{where} {key}", table[key])
    for key in ("queue_size", "batch_size"):
        if key in table:
            values[key] = _integer(f"{where} {key}", table[key])
    if "tail" in table:
        values["tail"] = _tail(table["tail"])
    return values


def _tail(raw: Any) -> TailConfig:
    where = "settings [tracing.tail]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table")
    _known_keys(where, raw, _TAIL_KEYS)
    values: dict[str, Any] = {}
    if "policies" in raw:
        items = raw["policies"]
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where} policies must be a non-empty list of tables")
        values["policies"] = tuple(
            _policy(f"{where} policies[{i}]", p) for i, p in enumerate(items)
        )
    if "decision_wait" in raw:
        values["decision_wait"] = _number(f"{where} decision_wait", raw["decision_wait"])
    for key in ("max_spans", "decision_cache"):
        if key in raw:
            values[key] = _integer(f"{where} {key}", raw[key], minimum=1)
    return TailConfig(**values)


def _policy(where: str, raw: Any) -> PolicySpec:
    if not isinstance(raw, Mapping) or "type" not in raw:
        raise ConfigError(f"{where} must be a table with a type ({', '.join(POLICY_TYPES)})")
    kind = str(raw["type"])
    one_of("tail policy type", kind, POLICY_TYPES)
    needs = {"duration": "threshold", "attribute": "key", "probabilistic": "ratio"}
    needs["rate_limit"] = "per_second"
    _known_keys(where, raw, ("type", "threshold", "key", "values", "ratio", "per_second"))
    if kind in needs and needs[kind] not in raw:
        raise ConfigError(f"{where}: a {kind} policy needs {needs[kind]}")
    values = raw.get("values", ())
    values = (values,) if isinstance(values, (str, int, float, bool)) else values
    ratio = _number(f"{where} ratio", raw.get("ratio", 0.0))
    if ratio > 1:
        raise ConfigError(f"{where} ratio must be from 0 to 1, got {ratio}")
    return PolicySpec(
        type=kind,
        threshold=_number(f"{where} threshold", raw.get("threshold", 0.0)),
        key=str(raw.get("key", "")),
        values=tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values),
        ratio=ratio,
        per_second=_number(f"{where} per_second", raw.get("per_second", 0.0)),
    )


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    def get(*names: str) -> str | None:
        for name in names:
            value = env.get(name, "").strip()
            if value:
                return value
        return None

    values: dict[str, Any] = {}
    if (exporter := get("OTEL_TRACES_EXPORTER")) is not None:
        names = [n.strip().lower() for n in exporter.split(",") if n.strip()]
        if len(names) != 1:
            raise ConfigError(f"OTEL_TRACES_EXPORTER={exporter!r}: give exactly one exporter")
        values["exporter"] = names[0]
    protocol = get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
    if protocol is not None:
        values["protocol"] = protocol.lower()
    if (zipkin := get("OTEL_EXPORTER_ZIPKIN_ENDPOINT")) is not None:
        values["zipkin_endpoint"] = (zipkin, True)
    if (full := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) is not None:
        values["otlp_endpoint"] = (full, True)
    elif (base := get("OTEL_EXPORTER_OTLP_ENDPOINT")) is not None:
        values["otlp_endpoint"] = (base, False)
    headers = get("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
    if headers is not None:
        values["headers"] = _pairs("OTEL_EXPORTER_OTLP_HEADERS", headers)
    if (sampler := get("OTEL_TRACES_SAMPLER")) is not None:
        values["sampler"] = sampler.lower()
    if (arg := get("OTEL_TRACES_SAMPLER_ARG")) is not None:
        values["sampler_arg"] = _number("OTEL_TRACES_SAMPLER_ARG", arg)
    if (service := get("OTEL_SERVICE_NAME")) is not None:
        values["service_name"] = service
    if (attrs := get("OTEL_RESOURCE_ATTRIBUTES")) is not None:
        values["resource_attributes"] = _pairs("OTEL_RESOURCE_ATTRIBUTES", attrs)
    # Milliseconds, as the specification says (the Python SDK reads seconds for the OTLP one).
    millis = get("OTEL_BSP_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
    if (millis := millis or get("OTEL_EXPORTER_OTLP_TIMEOUT")) is not None:
        values["export_timeout"] = _number("OTEL_BSP_EXPORT_TIMEOUT", millis) / 1000
    if (delay := get("OTEL_BSP_SCHEDULE_DELAY")) is not None:
        values["schedule_delay"] = _number("OTEL_BSP_SCHEDULE_DELAY", delay) / 1000
    if (size := get("OTEL_BSP_MAX_QUEUE_SIZE")) is not None:
        values["queue_size"] = _integer("OTEL_BSP_MAX_QUEUE_SIZE", size, minimum=1)
    if (batch := get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")) is not None:
        values["batch_size"] = _integer("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", batch, minimum=1)
    return values


def _known_keys(where: str, raw: Mapping[str, Any], known: tuple[str, ...]) -> None:
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(known)})")


def _pairs(where: str, raw: Any) -> tuple[tuple[str, str], ...]:
    """``k=v,k2=v2`` (values URL-decoded, as W3C baggage) or a table, as sorted pairs."""
    if isinstance(raw, Mapping):
        return tuple((str(k), str(v)) for k, v in raw.items())
    pairs = []
    for item in str(raw).split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"{where}: expected key=value pairs separated by commas, got {item!r}"
            )
        pairs.append((unquote(key.strip()), unquote(value.strip())))
    return tuple(pairs)


def _number(where: str, raw: Any) -> float:
    try:
        if isinstance(raw, bool):
            raise ValueError(raw)
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a number, got {raw!r}") from None
    if value < 0 or not math.isfinite(value):
        raise ConfigError(f"{where} must be a non-negative number, got {raw!r}")
    return value


def _integer(where: str, raw: Any, minimum: int = 1) -> int:
    value = _number(where, raw)
    if not value.is_integer() or value < minimum:
        raise ConfigError(f"{where} must be an integer >= {minimum}, got {raw!r}")
    return int(value)
