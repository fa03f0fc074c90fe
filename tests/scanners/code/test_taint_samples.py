"""The taint analysis on the sample programs: every ``# expect: RULE`` line is found, and
nothing else is (see taint_samples/README.md)."""

from __future__ import annotations

import pytest
from taint_helpers import SAMPLES, expected, taint_scan, where

from scriptrunner.findings.model import Finding, Severity


@pytest.fixture(scope="module")
def views() -> list[Finding]:
    return taint_scan(SAMPLES / "views")


@pytest.fixture(scope="module")
def shop() -> list[Finding]:
    return taint_scan(SAMPLES, [SAMPLES / "shop"])


def test_sources_reach_sinks_inside_a_module_and_near_misses_stay_silent(
    views: list[Finding],
) -> None:
    want = expected(SAMPLES / "views", [SAMPLES / "views"])
    assert where(views) == want


def test_flows_cross_modules_through_every_form_of_import(shop: list[Finding]) -> None:
    assert where(shop) == expected(SAMPLES, [SAMPLES / "shop"])


def test_each_finding_has_one_flow_per_source_from_source_to_sink(shop: list[Finding]) -> None:
    sink = line_of("shop/net.py", "return requests.get(url, timeout=10)  # expect")
    [ssrf] = [f for f in shop if f.location.path == "shop/net.py" and f.location.start_line == sink]
    assert ssrf.rule_id == "taint-ssrf" and ssrf.tools == ("taint",) and ssrf.cwe == (918,)
    [flow] = ssrf.flows
    assert flow.source.location.path == "shop/web.py"
    assert flow.source.message.startswith("HTTP request data: request.args")
    assert flow.sink.location == ssrf.location
    assert flow.sink.message == ("reaches requests.get(): the URL or host of an outbound request")
    messages = [s.message for s in flow.steps]
    assert "passed to fetch_url()" in messages and "parameter `url` of fetch_url()" in messages


def line_of(path: str, text: str) -> int:
    [n] = [n for n, line in enumerate((SAMPLES / path).read_text().splitlines(), 1) if text in line]
    return n


def test_severity_and_confidence_follow_the_class_and_the_source(views: list[Finding]) -> None:
    by_line = {(f.location.path, f.location.start_line): f for f in views}

    def at(path: str, text: str) -> Finding:
        return by_line[(path, line_of(f"views/{path}", text))]

    shell = at("flask_app.py", '"ping -c 1 " + host, shell=True)')
    assert (shell.severity, shell.confidence) == (Severity.CRITICAL, "HIGH")
    assert at("flask_app.py", "requests.get(target").severity is Severity.HIGH
    argv = at("script.py", '"tar czf backup.tgz " + args.target')
    assert (argv.severity, argv.confidence) == (Severity.CRITICAL, "MEDIUM")
    # The environment is the operator's: a shell command from it is reported, lower.
    env = at("script.py", 'os.system(os.environ["BUILD_COMMAND"])')
    assert (env.severity, env.confidence) == (Severity.WARNING, "LOW")
    assert env.message.startswith("An environment variable reaches os.system()")
