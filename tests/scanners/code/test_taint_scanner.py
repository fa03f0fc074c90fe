"""The taint analysis inside ``scan code``, beside real Bandit and Semgrep: merged findings
keep the flow and the higher severity; every format shows the flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from taint_helpers import write

from fixtures.sarif import validate_sarif
from scriptrunner.findings import render
from scriptrunner.findings.model import Finding, ScanResult, Severity
from scriptrunner.scanners.base import ScanContext, get_scanner
from scriptrunner.scanners.options import CodeOptions

PROJECT = {
    "media/__init__.py": "",
    "media/convert.py": """
        import subprocess


        def thumbnail(name):
            subprocess.run("convert " + name + " thumb.png", shell=True)


        def fetch_first(urls):
            import urllib.request

            return urllib.request.urlopen(urls[0], timeout=5).read()
        """,
    "media/views.py": """
        from flask import Flask, request

        from media.convert import fetch_first, thumbnail

        app = Flask(__name__)


        @app.post("/thumb")
        def thumb():
            thumbnail(request.form["name"])
            return fetch_first(request.form.getlist("source"))
        """,
}


@pytest.fixture(scope="module")
def scan(
    tmp_path_factory: pytest.TempPathFactory, semgrep_exe: Path, scan_cache: Path
) -> ScanResult:
    root = write(tmp_path_factory.mktemp("taint-project"), PROJECT)
    context = ScanContext(root=root, cache_dir=scan_cache, tool_paths={"semgrep": str(semgrep_exe)})
    return get_scanner("code", context).scan([root])


def at(scan: ScanResult, path: str, text: str) -> Finding:
    written = (Path(scan.root) / path).read_text().splitlines()
    line = next(n for n, s in enumerate(written, 1) if text in s)
    [found] = [f for f in scan.findings if (f.location.path, f.location.start_line) == (path, line)]
    return found


def test_three_tools_ran(scan: ScanResult) -> None:
    assert scan.complete and set(scan.tools) == {"bandit", "semgrep", "taint"}


def test_a_taint_finding_merges_with_the_tools_finding_on_its_sink(scan: ScanResult) -> None:
    shell = at(scan, "media/convert.py", "subprocess.run(")
    # The established rule id stays (baselines made before keep matching) ...
    assert shell.rule_id == "shell-injection"
    assert "taint" in shell.tools and "bandit" in shell.tools
    assert shell.properties["tool_rules"]["taint"] == ["taint-shell-injection"]
    # ... with the higher severity (request data into a shell: CRITICAL) and the flow.
    assert shell.severity is Severity.CRITICAL
    [flow] = shell.flows
    assert flow.source.location.path == "media/views.py"
    assert flow.sink.location.path == "media/convert.py"


def test_a_taint_finding_takes_over_an_unmapped_tool_finding(scan: ScanResult) -> None:
    ssrf = at(scan, "media/convert.py", "urlopen(")
    # Bandit's B310 (any urlopen, INFO on its own) is the same issue: one HIGH finding.
    assert (ssrf.rule_id, ssrf.severity, ssrf.tools[0]) == ("taint-ssrf", Severity.HIGH, "taint")
    assert ssrf.properties["tool_rules"] == {"taint": ["taint-ssrf"], "bandit": ["B310"]}
    assert ssrf.flows[0].source.message.startswith("HTTP request data: request.form")


def test_every_format_shows_the_flow(scan: ScanResult) -> None:
    sarif = json.loads(render(scan, "sarif"))
    validate_sarif(sarif)
    flows = [r for run in sarif["runs"] for r in run["results"] if "codeFlows" in r]
    assert {r["ruleId"] for r in flows} == {"shell-injection", "taint-ssrf"}
    report = json.loads(render(scan, "json"))
    assert all(f["flows"] for f in report["findings"] if "taint" in f["tools"])
    assert "from: media/views.py:" in render(scan, "table")
    assert "(from: media/views.py:" in render(scan, "github")


def test_suppressions_naming_the_established_rule_silence_the_taint_finding_too(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "job.py": """
                import os
                import sys

                os.system("ls " + sys.argv[1])  # scriptrunner: ignore[shell-injection]
                os.system("du " + sys.argv[1])  # scriptrunner: ignore[taint-shell-injection]
                os.system("df " + sys.argv[1])  # nosec
                """
        },
    )
    context = ScanContext(root=root, cache_dir=None, options=CodeOptions(tools=("taint",)))
    result = get_scanner("code", context).scan([root])
    assert [f.location.start_line for f in result.suppressed] == [4, 5]
    # `# nosec` names Bandit: the taint finding on that line stands.
    assert [f.location.start_line for f in result.findings] == [6]
