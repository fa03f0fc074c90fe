"""Tracing configuration: the settings table, the standard OTEL_* variables, and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.settings import load_settings
from scriptrunner.tracing import config_for
from scriptrunner.tracing.config import (
    EXPORTERS,
    POLICY_TYPES,
    SAMPLERS,
    ZIPKIN_DEFAULT,
    PolicySpec,
    TailConfig,
    TracingConfig,
)
from scriptrunner.tracing.config_loader import load_config
from scriptrunner.tracing.exporters import EXPORTERS as EXPORTER_REGISTRY
from scriptrunner.tracing.policies import POLICIES
from scriptrunner.tracing.samplers import SAMPLERS as SAMPLER_REGISTRY


def test_registries_know_exactly_the_names_the_config_accepts() -> None:
    assert tuple(EXPORTER_REGISTRY) == EXPORTERS
    assert tuple(SAMPLER_REGISTRY) == SAMPLERS
    assert tuple(POLICIES) == POLICY_TYPES


def test_defaults() -> None:
    # Issue 17: with no collector named anywhere, the spans stay in the history store.
    config = load_config()
    assert config == TracingConfig(exporter="none", collector_configured=False)
    assert TracingConfig().traces_url() == "http://localhost:4318/v1/traces"
    assert config.sampler == "parentbased_always_on"
    assert config.tail.policies == (PolicySpec("error"),)
    assert config.exit_wait == 2.0


@pytest.mark.parametrize(
    ("table", "env", "exporter"),
    [
        ({"exporter": "otlp"}, {}, "otlp"),
        ({"endpoint": "http://collector:4318"}, {}, "otlp"),
        ({}, {"OTEL_TRACES_EXPORTER": "zipkin"}, "zipkin"),
        ({}, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, "otlp"),
        ({}, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, "otlp"),
        ({"exporter": "none"}, {}, "none"),
    ],
)
def test_an_exporter_or_an_endpoint_configures_a_collector(
    table: dict[str, str], env: dict[str, str], exporter: str
) -> None:
    config = load_config(table, env)
    assert (config.exporter, config.collector_configured) == (exporter, True)


def test_the_exit_wait_is_the_shutdown_timeout_within_the_export_timeout() -> None:
    assert load_config({"shutdown_timeout": 0.5}).exit_wait == 0.5
    assert load_config({"shutdown_timeout": 5}, {"OTEL_BSP_EXPORT_TIMEOUT": "1000"}).exit_wait == 1
    with pytest.raises(ConfigError, match="shutdown_timeout must be > 0"):
        load_config({"shutdown_timeout": 0})


ENV_CASES: list[tuple[dict[str, str], dict[str, Any]]] = [
    ({"OTEL_TRACES_EXPORTER": "zipkin"}, {"exporter": "zipkin"}),
    ({"OTEL_TRACES_EXPORTER": " Console "}, {"exporter": "console"}),
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, {"protocol": "grpc"}),
    (
        {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
        {"protocol": "http/protobuf"},
    ),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/"}, {"endpoint": "http://c:4318/"}),
    (
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c/t", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"},
        {"endpoint": "http://c/t", "endpoint_is_full": True},
    ),
    (
        {"OTEL_EXPORTER_OTLP_HEADERS": "api-key=a%20b, tenant=t1"},
        {"headers": (("api-key", "a b"), ("tenant", "t1"))},
    ),
    ({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, {"sampler_arg": 0.25}),
    ({"OTEL_SERVICE_NAME": "nightly-etl"}, {"service_name": "nightly-etl"}),
    ({"OTEL_RESOURCE_ATTRIBUTES": "team=data,env=ci"}, {"resource_attributes": (("team", "data"), ("env", "ci"))}),
    ({"OTEL_BSP_EXPORT_TIMEOUT": "500"}, {"export_timeout": 0.5}),
    ({"OTEL_EXPORTER_OTLP_TIMEOUT": "2000"}, {"export_timeout": 2.0}),
    ({"OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_BSP_MAX_QUEUE_SIZE": "10", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "5"},
     {"schedule_delay": 0.1, "queue_size": 10, "batch_size": 5}),
]  # fmt: skip


@pytest.mark.parametrize(("env", "expected"), ENV_CASES)
def test_standard_otel_variables(env: dict[str, str], expected: dict[str, Any]) -> None:
    config = load_config({}, env)
    for key, value in expected.items():
        assert getattr(config, key) == value


def test_otel_variables_override_the_settings_table() -> None:
    table = {"exporter": "zipkin", "sampler": "always_off", "service_name": "from-file"}
    env = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SERVICE_NAME": "from-env"}
    config = load_config(table, env)
    assert (config.exporter, config.sampler, config.service_name) == (
        "otlp",
        "always_off",
        "from-env",
    )


URLS = [
    (TracingConfig(), "http://localhost:4318/v1/traces"),
    (TracingConfig(endpoint="http://c:4318/v1/traces"), "http://c:4318/v1/traces"),
    (TracingConfig(endpoint="http://c/custom", endpoint_is_full=True), "http://c/custom"),
    (TracingConfig(protocol="grpc"), "http://localhost:4317"),
    (
        TracingConfig(exporter="jaeger", endpoint="http://jaeger:4318"),
        "http://jaeger:4318/v1/traces",
    ),
    (TracingConfig(exporter="zipkin"), "http://localhost:9411/api/v2/spans"),
    (TracingConfig(exporter="zipkin", endpoint="http://z:9411/"), "http://z:9411/api/v2/spans"),
    (TracingConfig(exporter="console"), "console"),
]


@pytest.mark.parametrize(("config", "url"), URLS)
def test_traces_url(config: TracingConfig, url: str) -> None:
    assert config.traces_url() == url


def test_zipkin_endpoint_variable_is_used_for_zipkin() -> None:
    env = {"OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_ZIPKIN_ENDPOINT": "http://z/api"}
    assert load_config({}, env).traces_url() == "http://z/api"


def test_tail_policies_from_the_settings_table() -> None:
    table = {
        "sampler": "tail",
        "tail": {
            "decision_wait": 5,
            "max_spans": 1000,
            "policies": [
                {"type": "error"},
                {"type": "duration", "threshold": 30},
                {"type": "attribute", "key": "scriptrunner.task", "values": ["deploy", True]},
                {"type": "probabilistic", "ratio": 0.1},
                {"type": "rate_limit", "per_second": 5},
            ],
        },
    }
    tail = load_config(table).tail
    assert tail == TailConfig(
        policies=(
            PolicySpec("error"),
            PolicySpec("duration", threshold=30.0),
            PolicySpec("attribute", key="scriptrunner.task", values=("deploy", "true")),
            PolicySpec("probabilistic", ratio=0.1),
            PolicySpec("rate_limit", per_second=5.0),
        ),
        decision_wait=5.0,
        max_spans=1000,
    )


BAD: list[tuple[dict[str, Any], dict[str, str], str]] = [
    ({"exporter": "jaegr"}, {}, "valid: otlp, jaeger, zipkin, console, none"),
    ({}, {"OTEL_TRACES_EXPORTER": "otlp,zipkin"}, "exactly one exporter"),
    ({"protocol": "http/json"}, {}, "unknown tracing protocol"),
    ({"sampler": "sometimes"}, {}, "valid: always_on"),
    ({"sampler_arg": 2}, {}, "from 0 to 1"),
    ({}, {"OTEL_TRACES_SAMPLER_ARG": "half"}, "must be a number"),
    ({"export_timeout": 0}, {}, "export_timeout must be > 0"),
    ({"queue_size": 10, "batch_size": 20}, {}, "batch_size <= queue_size"),
    ({"queue_size": 1.5}, {}, "must be an integer"),
    ({"colour": "red"}, {}, "unknown key 'colour'"),
    ({"headers": "novalue"}, {}, "expected key=value"),
    ({"tail": "yes"}, {}, "must be a table"),
    ({"tail": {"policies": []}}, {}, "non-empty list"),
    ({"tail": {"policies": ["error"]}}, {}, "must be a table with a type"),
    ({"tail": {"policies": [{"type": "latency"}]}}, {}, "valid: error, duration"),
    ({"tail": {"policies": [{"type": "duration"}]}}, {}, "needs threshold"),
    ({"tail": {"policies": [{"type": "probabilistic", "ratio": 3}]}}, {}, "from 0 to 1"),
    ({"tail": {"policies": [{"type": "error", "x": 1}]}}, {}, "unknown key 'x'"),
    ({"tail": {"max_spans": 0}}, {}, "integer >= 1"),
    ({"export_timeout": -1}, {}, "non-negative"),
    ({"export_timeout": True}, {}, "must be a number"),
]


@pytest.mark.parametrize(("table", "env", "message"), BAD)
def test_bad_values_are_config_errors_naming_the_problem(
    table: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(table, env)


def test_settings_file_switches_tracing_on_and_holds_the_table(tmp_path: Path) -> None:
    (tmp_path / "scriptrunner.toml").write_text(
        'trace = true\n[tracing]\nexporter = "zipkin"\n[tracing.tail]\ndecision_wait = 2\n'
    )
    settings = load_settings(cwd=tmp_path, environ={})
    assert settings.trace is True
    config = config_for(settings, environ={})
    assert config.exporter == "zipkin"
    assert config.tail.decision_wait == 2.0


def test_settings_table_from_a_json_environment_variable(tmp_path: Path) -> None:
    env = {"SCRIPTRUNNER_TRACE": "1", "SCRIPTRUNNER_TRACING": json.dumps({"sampler": "always_off"})}
    settings = load_settings(cwd=tmp_path, environ=env)
    assert settings.trace and settings.tracing == {"sampler": "always_off"}
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_settings(cwd=tmp_path, environ={"SCRIPTRUNNER_TRACING": "{nope"})
    with pytest.raises(ConfigError, match="must be a table"):
        load_settings(cwd=tmp_path, environ={"SCRIPTRUNNER_TRACING": "[1]"})


def test_otlp_endpoint_variables_do_not_redirect_a_zipkin_exporter() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}
    assert load_config({"exporter": "zipkin"}, env).traces_url() == ZIPKIN_DEFAULT
    env["OTEL_EXPORTER_ZIPKIN_ENDPOINT"] = "http://z:9411/api/v2/spans"
    assert load_config({"exporter": "zipkin"}, env).traces_url() == "http://z:9411/api/v2/spans"
    assert load_config({}, env).traces_url() == "http://otel:4318/v1/traces"


def test_the_exporter_process_gets_the_config_as_plain_data_and_back() -> None:
    """The span exporter process is handed its configuration as JSON, not a pickle (which
    would run code chosen by whoever writes its stdin): every field survives the trip."""
    from scriptrunner.tracing.config import config_from_plain, config_to_plain

    config = TracingConfig(
        exporter="zipkin",
        collector_configured=False,
        endpoint="http://127.0.0.1:9411/api/v2/spans",
        endpoint_is_full=True,
        protocol="grpc",
        headers=(("authorization", "Bearer t"), ("x-team", "data")),
        sampler="tail",
        sampler_arg=0.25,
        service_name="etl",
        resource_attributes=(("deployment.environment", "prod"),),
        export_timeout=3.0,
        shutdown_timeout=1.5,
        queue_size=64,
        batch_size=8,
        schedule_delay=0.2,
        tail=TailConfig(
            policies=(
                PolicySpec("attribute", key="team", values=("data", "ml")),
                PolicySpec("duration", threshold=2.0),
            ),
            decision_wait=5.0,
            max_spans=100,
            decision_cache=10,
        ),
    )
    plain = config_to_plain(config)
    assert config_from_plain(json.loads(json.dumps(plain))) == config
