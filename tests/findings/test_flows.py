"""Data-flow findings: their source -> sink flows in every format (SARIF validated)."""

from __future__ import annotations

import json

import pytest

from fixtures.sarif import validate_sarif
from scriptrunner.findings import Terminal, render, to_sarif
from scriptrunner.findings.jsonout import finding_from_dict, finding_to_dict, to_dict
from scriptrunner.findings.model import (
    Finding,
    Flow,
    FlowStep,
    Location,
    ScanResult,
    Severity,
)


def step(path: str, line: int, message: str, col: int | None = None) -> FlowStep:
    return FlowStep(Location(path, line, line, col, None), message)


SSRF_FLOW = Flow(
    (
        step("web/views.py", 14, 'request data: request.args["u"]', 11),
        step("web/views.py", 15, "passed to fetch_thumbnail() as `url`"),
        step("web/net/client.py", 40, "parameter `url` of fetch_thumbnail()"),
        step("web/net/client.py", 43, "reaches requests.get() (outbound URL)", 12),
    ),
    "request data reaches an outbound URL",
)
OTHER_FLOW = Flow(
    (
        step("web/admin.py", 8, "request data: request.form"),
        step("web/net/client.py", 43, "reaches requests.get() (outbound URL)"),
    )
)


def tainted(*flows: Flow) -> Finding:
    return Finding(
        tools=("taint",),
        rule_id="taint-ssrf",
        title="Untrusted data in an outbound request URL",
        message="HTTP request data reaches the URL of requests.get()",
        severity=Severity.HIGH,
        confidence="HIGH",
        location=Location("web/net/client.py", 43, 43, 12, 30),
        cwe=(918,),
        fingerprint="e" * 64,
        flows=flows,
    )


@pytest.fixture
def result() -> ScanResult:
    plain = Finding(
        tools=("bandit",),
        rule_id="weak-hash",
        title="Weak hash (MD5/SHA-1) for security",
        message="md5",
        severity=Severity.WARNING,
        location=Location("web/util.py", 3),
        fingerprint="f" * 64,
    )
    return ScanResult(
        findings=(tainted(SSRF_FLOW, OTHER_FLOW), plain),
        tools={"taint": "7.0.0", "bandit": "1.9.4"},
        targets=("web",),
        root="/srv/project",
    )


def test_sarif_code_flows_are_valid_and_list_every_step(result: ScanResult) -> None:
    log = to_sarif(result)
    validate_sarif(log)
    [run] = [r for r in log["runs"] if r["tool"]["driver"]["name"] == "taint"]
    [res] = run["results"]
    first, second = res["codeFlows"]
    assert first["message"] == {"text": "request data reaches an outbound URL"}
    [thread] = first["threadFlows"]
    places = [
        (
            loc["location"]["physicalLocation"]["artifactLocation"]["uri"],
            loc["location"]["physicalLocation"]["region"]["startLine"],
            loc["location"]["message"]["text"],
        )
        for loc in thread["locations"]
    ]
    assert places[0] == ("web/views.py", 14, 'request data: request.args["u"]')
    assert places[-1] == ("web/net/client.py", 43, "reaches requests.get() (outbound URL)")
    assert len(places) == 4
    assert thread["locations"][0]["location"]["physicalLocation"]["region"]["startColumn"] == 11
    assert "message" not in second  # a flow without a message has none in SARIF either
    # A finding without flows has no codeFlows at all.
    [bandit] = [r for r in log["runs"] if r["tool"]["driver"]["name"] == "bandit"]
    assert "codeFlows" not in bandit["results"][0]


def test_json_has_the_flows_and_round_trips_them(result: ScanResult) -> None:
    data = json.loads(render(result, "json"))
    flows = data["findings"][0]["flows"]
    assert [s["location"]["start_line"] for s in flows[0]["steps"]] == [14, 15, 40, 43]
    assert flows[0]["message"] == "request data reaches an outbound URL"
    assert data["findings"][1]["flows"] == []
    for f in result.findings:
        assert finding_from_dict(finding_to_dict(f)) == f
    # Reports written before flows existed still load.
    old = finding_to_dict(result.findings[1])
    del old["flows"]
    assert finding_from_dict(old) == result.findings[1]
    assert to_dict(result)["counts"]["findings"] == 2


def test_plain_table_puts_the_path_compactly_at_the_end_of_the_line(result: ScanResult) -> None:
    lines = render(result, "table").splitlines()
    assert lines[0] == (
        "web/net/client.py:43: HIGH taint-ssrf Untrusted data in an outbound request URL; "
        "from: web/views.py:14 -> :15 -> web/net/client.py:40 -> :43 (+1 more)"
    )
    assert lines[1] == "web/util.py:3: WARNING weak-hash Weak hash (MD5/SHA-1) for security"


@pytest.mark.parametrize("width", [60, 100, 160])
def test_terminal_table_shows_the_path_under_the_row_within_the_width(
    result: ScanResult, width: int
) -> None:
    lines = render(result, "table", terminal=Terminal(width)).splitlines()
    assert all(len(line) <= width for line in lines)
    [row] = [n for n, line in enumerate(lines) if "taint-ssrf" in line]
    assert lines[row + 1].lstrip().startswith("from: web/views.py:14 -> :15")
    assert not any("from:" in line for line in lines if "weak-hash" in line)


def test_github_annotation_message_ends_with_the_path(result: ScanResult) -> None:
    first = render(result, "github").splitlines()[0]
    assert first.startswith("::error file=web/net/client.py,line=43")
    # In a message only %, CR and LF are escaped: the arrows and colons stay readable.
    assert first.endswith(
        "::HTTP request data reaches the URL of requests.get() (from: web/views.py:14 -> :15 "
        "-> web/net/client.py:40 -> :43 (+1 more)) [taint]"
    )


def test_a_long_path_is_counted_in_the_middle() -> None:
    steps = tuple(step(f"m{n}.py", n + 1, "step") for n in range(9))
    assert (
        Flow(steps).path_text()
        == "m0.py:1 -> m1.py:2 -> ... 4 more ... -> m6.py:7 -> m7.py:8 -> m8.py:9"
    )
    same_file = Flow(tuple(step("a.py", n, "s") for n in (3, 3, 5)))
    assert same_file.path_text() == "a.py:3 -> :5"
    assert same_file.source.location.start_line == 3 and same_file.sink.location.start_line == 5
