"""Every name -> implementation mapping of the scanners and findings uses one registry, so an
unknown name gets one wording: ``unknown <what> 'x' (did you mean 'y'? valid: ...)``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.findings import RENDERERS, render
from scriptrunner.findings.model import ScanResult, Severity
from scriptrunner.scanners.base import SCANNERS, ScanContext, get_scanner
from scriptrunner.scanners.code.scanner import CODE_TOOLS, CodeScanner
from scriptrunner.scanners.deps.inputs import INPUTS
from scriptrunner.scanners.deps.sbom import SBOM_FORMATS, render_sbom
from scriptrunner.scanners.deps.scanner import SOURCES, make_source
from scriptrunner.scanners.options import CONFIDENCE_LEVELS, CodeOptions, SecretsOptions
from scriptrunner.scanners.secrets.scanner import parse_confidence


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: get_scanner("secret", ScanContext(root=Path("."))),
            "unknown scanner 'secret' (did you mean 'secrets'? valid: code, deps, secrets)",
        ),
        (
            lambda: CodeScanner(
                ScanContext(root=Path("."), options=CodeOptions(tools=("bandti",)))
            ),
            "unknown code analysis tool 'bandti' (did you mean 'bandit'? valid: bandit, semgrep, taint)",
        ),
        (
            lambda: make_source("osv-apl"),
            "unknown vulnerability source 'osv-apl' (did you mean 'osv-api'? "
            "valid: osv-db, osv-api, safety, osv-scanner)",
        ),
        (
            lambda: render_sbom("spdx", [], []),
            "unknown SBOM format 'spdx' (valid: json, xml)",
        ),
        (
            lambda: parse_confidence("hihg"),
            "unknown confidence 'hihg' (did you mean 'high'? valid: low, medium, high)",
        ),
        (
            lambda: render(ScanResult(), "sarf"),
            "unknown format 'sarf' (did you mean 'sarif'? valid: table, json, sarif, github, "
            "markdown, gitlab-sast, gitlab-secrets, gitlab-deps, codeclimate)",
        ),
        (
            lambda: Severity.parse("hgh"),
            "unknown severity 'hgh' (did you mean 'high'? valid: info, warning, high, critical)",
        ),
    ],
    ids=["scanner", "code-tool", "source", "sbom-format", "confidence", "format", "severity"],
)
def test_unknown_names_get_one_wording(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        call()
    assert str(info.value) == message


def test_registries_list_every_implementation() -> None:
    assert SCANNERS.names() == ("code", "deps", "secrets")
    assert CODE_TOOLS.names() == ("bandit", "semgrep", "taint")
    assert SOURCES.names() == ("osv-db", "osv-api", "safety", "osv-scanner")
    assert SBOM_FORMATS.names() == ("json", "xml")
    assert CONFIDENCE_LEVELS.names() == ("low", "medium", "high")
    assert RENDERERS.names() == (
        "table",
        "json",
        "sarif",
        "github",
        "markdown",
        "gitlab-sast",
        "gitlab-secrets",
        "gitlab-deps",
        "codeclimate",
    )
    assert INPUTS.names() == (
        "requirements*.txt",
        "pyproject.toml",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
    )


def test_every_scanner_kind_and_source_loads() -> None:
    for kind in SCANNERS:
        assert callable(SCANNERS.get(kind))
    for name in SOURCES:
        assert callable(SOURCES.get(name))
    for name in INPUTS:
        assert callable(INPUTS.get(name))


def test_options_of_another_kind_are_refused() -> None:
    context = ScanContext(root=Path("."), options=SecretsOptions())
    with pytest.raises(
        ConfigError, match="SecretsOptions given to a scanner that takes CodeOptions"
    ):
        CodeScanner(context)
    assert ScanContext(root=Path(".")).options_as(CodeOptions) == CodeOptions()
