"""CycloneDX 1.6 SBOMs: validated with cyclonedx-python-lib's own schema validators, and
checked for what they must say (purls, hashes, licenses, graph, vulnerabilities)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from scriptrunner import __version__
from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import Cvss, Dependency, Vulnerability
from scriptrunner.scanners.deps.sbom import render_sbom, write_sbom

SHA = "sha256:" + "ab" * 32
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

JINJA = Dependency(
    "Jinja2",
    "2.10",
    "requirements.txt",
    1,
    hashes=(SHA, "sha224:" + "c" * 56),  # sha224 has no CycloneDX name: left out
    license="BSD-3-Clause",
    requires=("markupsafe",),
)
MARKUPSAFE = Dependency(
    "MarkupSafe", "1.0", "requirements.txt", 2, license="Custom Licence 1.0", direct=False
)
URLLIB3 = Dependency("urllib3", "1.26.0", "requirements.txt", 3, license="MIT OR Apache-2.0")
UNPINNED = Dependency("foo", None, "requirements.txt", 4, unresolvable="not pinned: foo>=1")
DEPS = [JINJA, MARKUPSAFE, URLLIB3, UNPINNED]

VULNS = [
    Vulnerability(
        JINJA,
        "PYSEC-2019-217",
        aliases=("CVE-2019-10906", "GHSA-462w-v97r-4m45"),
        summary="Jinja2 sandbox escape",
        severity=Severity.HIGH,
        cvss=Cvss("3.1", V31, 8.6),
        fixed_versions=("2.10.1",),
        fix="2.10.1",
        references=("https://example.org/advisory",),
        sources=("osv-db",),
    ),
    Vulnerability(
        URLLIB3,
        "GHSA-test-v4",
        severity=Severity.CRITICAL,
        cvss=Cvss("4.0", V40, 9.3),
        sources=("osv-api",),
    ),
    Vulnerability(MARKUPSAFE, "PYUP-1234", severity_unknown=True, sources=("safety",)),
]


def bom_json() -> dict[str, Any]:
    text = render_sbom("json", DEPS, VULNS)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True) is None
    data: dict[str, Any] = json.loads(text)
    return data


def test_json_sbom_is_valid_cyclonedx_1_6_with_components() -> None:
    bom = bom_json()
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    assert bom["metadata"]["timestamp"]
    (tool,) = bom["metadata"]["tools"]["components"]
    assert (tool["name"], tool["version"]) == ("scriptrunner", __version__)
    assert bom["metadata"]["component"]["name"] == "requirements.txt"

    comps = {c["bom-ref"]: c for c in bom["components"]}
    assert set(comps) == {
        "pkg:pypi/jinja2@2.10",
        "pkg:pypi/markupsafe@1.0",
        "pkg:pypi/urllib3@1.26.0",
        "pkg:pypi/foo",
    }
    jinja = comps["pkg:pypi/jinja2@2.10"]
    assert (jinja["type"], jinja["name"], jinja["version"]) == ("library", "Jinja2", "2.10")
    assert jinja["purl"] == "pkg:pypi/jinja2@2.10"
    assert jinja["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert jinja["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert comps["pkg:pypi/markupsafe@1.0"]["licenses"] == [
        {"license": {"name": "Custom Licence 1.0"}}
    ]
    assert comps["pkg:pypi/urllib3@1.26.0"]["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    foo = comps["pkg:pypi/foo"]
    assert "version" not in foo and foo["purl"] == "pkg:pypi/foo"
    props = {p["name"]: p["value"] for p in foo["properties"]}
    assert props == {
        "scriptrunner:source": "requirements.txt:4",
        "scriptrunner:unresolvable": "not pinned: foo>=1",
    }


def test_json_sbom_has_the_dependency_graph() -> None:
    graph = {d["ref"]: set(d.get("dependsOn", [])) for d in bom_json()["dependencies"]}
    assert graph["root:requirements.txt"] == {
        "pkg:pypi/jinja2@2.10",
        "pkg:pypi/urllib3@1.26.0",
        "pkg:pypi/foo",
    }  # markupsafe is not direct: it is reached through jinja2
    assert graph["pkg:pypi/jinja2@2.10"] == {"pkg:pypi/markupsafe@1.0"}
    assert graph["pkg:pypi/markupsafe@1.0"] == set()


def test_json_sbom_has_vulnerabilities_with_ratings_and_affects() -> None:
    vulns = {v["id"]: v for v in bom_json()["vulnerabilities"]}
    assert set(vulns) == {"PYSEC-2019-217", "GHSA-test-v4", "PYUP-1234"}

    sandbox = vulns["PYSEC-2019-217"]
    assert sandbox["source"]["name"] == "PyPA Advisory Database"
    assert sandbox["source"]["url"] == "https://osv.dev/vulnerability/PYSEC-2019-217"
    assert {r["id"] for r in sandbox["references"]} == {"CVE-2019-10906", "GHSA-462w-v97r-4m45"}
    assert sandbox["ratings"] == [
        {"score": 8.6, "severity": "high", "method": "CVSSv31", "vector": V31}
    ]
    assert sandbox["affects"] == [
        {"ref": "pkg:pypi/jinja2@2.10", "versions": [{"version": "2.10", "status": "affected"}]}
    ]
    assert sandbox["recommendation"] == "Upgrade to 2.10.1"
    assert sandbox["description"] == "Jinja2 sandbox escape"
    assert sandbox["advisories"] == [{"url": "https://example.org/advisory"}]

    v4 = vulns["GHSA-test-v4"]
    assert v4["ratings"] == [
        {"score": 9.3, "severity": "critical", "method": "CVSSv4", "vector": V40}
    ]
    assert v4["recommendation"] == "No fix available"
    assert vulns["PYUP-1234"]["ratings"] == [{"severity": "unknown"}]
    assert vulns["PYUP-1234"]["source"]["name"] == "Safety DB"
    assert vulns["PYUP-1234"]["affects"][0]["ref"] == "pkg:pypi/markupsafe@1.0"


def test_xml_sbom_is_valid_cyclonedx_1_6_with_the_same_content() -> None:
    text = render_sbom("xml", DEPS, VULNS)
    assert XmlValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True) is None
    ns = {"c": "http://cyclonedx.org/schema/bom/1.6"}
    root = ET.fromstring(text)
    purls = {e.text for e in root.findall("c:components/c:component/c:purl", ns)}
    assert purls == {
        "pkg:pypi/jinja2@2.10",
        "pkg:pypi/markupsafe@1.0",
        "pkg:pypi/urllib3@1.26.0",
        "pkg:pypi/foo",
    }
    hashes = root.findall("c:components/c:component/c:hashes/c:hash", ns)
    assert [(h.get("alg"), h.text) for h in hashes] == [("SHA-256", "ab" * 32)]
    ids = {e.text for e in root.findall("c:components/c:component/c:licenses/c:license/c:id", ns)}
    assert ids == {"BSD-3-Clause"}
    edges = {
        (d.get("ref"), sub.get("ref"))
        for d in root.findall("c:dependencies/c:dependency", ns)
        for sub in d.findall("c:dependency", ns)
    }
    assert ("pkg:pypi/jinja2@2.10", "pkg:pypi/markupsafe@1.0") in edges
    assert ("root:requirements.txt", "pkg:pypi/jinja2@2.10") in edges
    affects = {
        v.findtext("c:id", namespaces=ns): [
            t.findtext("c:ref", namespaces=ns) for t in v.findall("c:affects/c:target", ns)
        ]
        for v in root.findall("c:vulnerabilities/c:vulnerability", ns)
    }
    assert affects == {
        "PYSEC-2019-217": ["pkg:pypi/jinja2@2.10"],
        "GHSA-test-v4": ["pkg:pypi/urllib3@1.26.0"],
        "PYUP-1234": ["pkg:pypi/markupsafe@1.0"],
    }


def test_sbom_lists_a_package_once_and_an_advisory_once_per_id() -> None:
    again = Dependency("jinja2", "2.10", "requirements-dev.txt", 7, hashes=("sha512:" + "d" * 128,))
    other = Dependency("jinja2", "2.9", "constraints.txt", 1)
    vulns = [VULNS[0], Vulnerability(other, "PYSEC-2019-217", fix="2.10.1")]
    bom = json.loads(render_sbom("json", [JINJA, again, other], vulns, project="my-app"))

    assert bom["metadata"]["component"]["name"] == "my-app"
    comps = {c["bom-ref"]: c for c in bom["components"]}
    assert set(comps) == {"pkg:pypi/jinja2@2.10", "pkg:pypi/jinja2@2.9"}
    assert {h["alg"] for h in comps["pkg:pypi/jinja2@2.10"]["hashes"]} == {"SHA-256", "SHA-512"}
    (vuln,) = bom["vulnerabilities"]
    assert [a["ref"] for a in vuln["affects"]] == ["pkg:pypi/jinja2@2.10", "pkg:pypi/jinja2@2.9"]
    assert vuln["recommendation"] == (
        "Jinja2 2.10: Upgrade to 2.10.1; jinja2 2.9: Upgrade to 2.10.1"
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_write_sbom_writes_the_file(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"sbom.{fmt}"
    write_sbom(target, fmt, DEPS, VULNS)
    text = target.read_text(encoding="utf-8")
    assert "pkg:pypi/jinja2@2.10" in text
    validator = JsonStrictValidator if fmt == "json" else XmlValidator
    assert validator(SchemaVersion.V1_6).validate_str(text) is None


def test_sbom_of_nothing_is_still_valid() -> None:
    text = render_sbom("json", [], [])
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert json.loads(text)["metadata"]["component"]["name"] == "scanned project"


def test_unknown_sbom_format_and_unwritable_path_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown SBOM format 'spdx' \(valid: json, xml\)"):
        render_sbom("spdx", DEPS, VULNS)
    with pytest.raises(ConfigError, match="cannot write SBOM"):
        write_sbom(tmp_path / "missing-dir" / "sbom.json", "json", DEPS, VULNS)
