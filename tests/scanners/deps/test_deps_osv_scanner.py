"""The OSV-Scanner adapter.

OSV-Scanner cannot be installed on this machine (it has no package in PyPI, npm or Debian),
so the parser is tested on JSON written here in its documented output format
(https://google.github.io/osv-scanner/output/ : ``results[].source``, ``packages[].package``,
``vulnerabilities[]`` as full OSV records, ``groups[]`` with ``max_severity``), and the
adapter's process handling with a stand-in shell script that prints such JSON.  A missing
executable must fail closed with a clear message.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import Dependency
from scriptrunner.scanners.deps.sources.osv_scanner import (
    OSV_SCANNER,
    OsvScannerSource,
    parse_osv_scanner_json,
)

JINJA_REDOS: dict[str, Any] = {
    "id": "PYSEC-2021-66",
    "modified": "2024-01-02T00:00:00Z",
    "aliases": ["CVE-2020-28493", "GHSA-g3rq-g295-4j3m"],
    "summary": "Jinja2 ReDoS in urlize",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "jinja2", "purl": "pkg:pypi/jinja2"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11.3"}]}],
        }
    ],
}
REQUESTS_LEAK: dict[str, Any] = {
    "id": "GHSA-x84v-xcm2-53pg",
    "modified": "2024-01-04T00:00:00Z",
    "aliases": ["CVE-2018-18074"],
    "summary": "Requests leaks Authorization header",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}],
        }
    ],
}


def output(path: str = "/work/project/requirements.txt") -> dict[str, Any]:
    """OSV-Scanner ``--format json`` output, as documented."""
    return {
        "results": [
            {
                "source": {"path": path, "type": "lockfile"},
                "packages": [
                    {
                        "package": {"name": "jinja2", "version": "2.10", "ecosystem": "PyPI"},
                        "vulnerabilities": [JINJA_REDOS],
                        "groups": [
                            {
                                "ids": ["PYSEC-2021-66"],
                                "aliases": ["CVE-2020-28493", "GHSA-g3rq-g295-4j3m"],
                                "max_severity": "5.3",
                            }
                        ],
                    },
                    {
                        "package": {"name": "requests", "version": "2.19.0", "ecosystem": "PyPI"},
                        "vulnerabilities": [REQUESTS_LEAK],
                        "groups": [
                            {
                                "ids": ["GHSA-x84v-xcm2-53pg"],
                                "aliases": ["CVE-2018-18074"],
                                "max_severity": "7.5",
                            }
                        ],
                    },
                    {
                        "package": {"name": "left-pad", "version": "1.0.0", "ecosystem": "npm"},
                        "vulnerabilities": [{"id": "GHSA-npm-only", "modified": "2024-01-01"}],
                        "groups": [],
                    },
                ],
            }
        ],
        "experimental_config": {"licenses": {"summary": False, "allowlist": []}},
    }


def dep(name: str, version: str, line: int) -> Dependency:
    return Dependency(name=name, version=version, source="requirements.txt", line=line)


def test_parser_matches_packages_to_our_dependencies_and_scores_like_offline() -> None:
    ours = {"jinja2": [dep("Jinja2", "2.10", 1)], "requests": [dep("requests", "2.19.0", 2)]}
    vulns = {v.id: v for v in parse_osv_scanner_json(output(), ours)}

    assert set(vulns) == {"PYSEC-2021-66", "GHSA-x84v-xcm2-53pg"}  # npm package ignored
    redos = vulns["PYSEC-2021-66"]
    assert redos.dependency is ours["jinja2"][0]
    assert redos.cvss is not None and redos.cvss.score == 5.3
    assert (redos.severity, redos.fix, redos.sources) == (
        Severity.WARNING,
        "2.11.3",
        ("osv-scanner",),
    )
    assert set(redos.aliases) == {"CVE-2020-28493", "GHSA-g3rq-g295-4j3m"}
    leak = vulns["GHSA-x84v-xcm2-53pg"]
    # no severity in the record: the group's max_severity (7.5) decides
    assert (leak.severity, leak.severity_unknown, leak.cvss) == (Severity.HIGH, False, None)
    assert leak.fix == "2.20.0"


def test_parser_creates_dependencies_for_packages_we_did_not_see() -> None:
    vulns = parse_osv_scanner_json(output("/p/poetry.lock"))
    assert {(v.dependency.key, v.dependency.version, v.dependency.source) for v in vulns} == {
        ("jinja2", "2.10", "/p/poetry.lock"),
        ("requests", "2.19.0", "/p/poetry.lock"),
    }


def test_parser_keeps_a_reported_match_its_record_does_not_explain() -> None:
    data = output()
    data["results"][0]["packages"][0]["package"]["version"] = "3.1.0"  # outside the range
    warnings: list[str] = []
    vulns = parse_osv_scanner_json(data, None, warnings)
    assert {v.id for v in vulns if v.dependency.key == "jinja2"} == {"PYSEC-2021-66"}
    assert warnings == [
        "PYSEC-2021-66 for jinja2 3.1.0: osv-scanner reports it, but the record's ranges do "
        "not include that version; kept as reported"
    ]


def test_parser_accepts_output_without_results_and_rejects_other_shapes() -> None:
    assert parse_osv_scanner_json({}) == []
    assert parse_osv_scanner_json({"results": []}) == []
    with pytest.raises(ScannerError, match="'results' is not a list"):
        parse_osv_scanner_json({"results": {"oops": 1}})
    bad = output()
    bad["results"][0]["packages"][0]["vulnerabilities"] = [{"id": 42}]
    with pytest.raises(ScannerError, match="malformed OSV record"):
        parse_osv_scanner_json(bad)


def test_missing_executable_fails_closed_with_a_clear_message(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10\n")
    for missing in ("osv-scanner-not-installed", str(tmp_path / "bin" / "osv-scanner")):
        with pytest.raises(
            ScannerError, match="^osv-scanner not found (at|on PATH).*: install OSV-Scanner"
        ) as info:
            OsvScannerSource(missing, [req]).check([dep("jinja2", "2.10", 1)])
        assert OSV_SCANNER.fix in str(info.value)
        assert info.value.exit_code == 2


def fake_scanner(tmp_path: Path, stdout: str, code: int, stderr: str = "") -> Path:
    """A stand-in ``osv-scanner`` (the real one cannot be installed here): logs its argv."""
    (tmp_path / "out.json").write_text(stdout)
    script = tmp_path / "osv-scanner"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/argv"\n'
        f'cat "{tmp_path}/out.json"\n'
        f"echo '{stderr}' >&2\n"
        f"exit {code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_adapter_runs_the_scanner_on_each_file_and_parses_its_json(tmp_path: Path) -> None:
    req = tmp_path / "requirements-dev.txt"
    lock = tmp_path / "poetry.lock"
    script = fake_scanner(tmp_path, json.dumps(output(str(req))), 1)
    ours = [dep("jinja2", "2.10", 1), dep("requests", "2.19.0", 2)]

    report = OsvScannerSource(str(script), [req, lock]).check(ours)

    assert report.source == "osv-scanner"
    assert {v.id for v in report.vulnerabilities} == {"PYSEC-2021-66", "GHSA-x84v-xcm2-53pg"}
    assert {v.dependency for v in report.vulnerabilities} == set(ours)
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == [
        "--format",
        "json",
        f"--lockfile=requirements.txt:{req}",  # non-standard names are parsed as requirements
        f"--lockfile={lock}",
    ]


@pytest.mark.parametrize(
    ("stdout", "code", "message"),
    [
        ("", 127, r"osv-scanner failed \(exit 127\) on .*: boom"),
        ("", 128, r"osv-scanner found no packages in .*: boom"),
        ("Scanning...\nnot json", 0, r"osv-scanner printed no JSON report \(exit 0\): boom"),
    ],
)
def test_adapter_fails_closed_on_errors(
    tmp_path: Path, stdout: str, code: int, message: str
) -> None:
    req = tmp_path / "requirements.txt"
    script = fake_scanner(tmp_path, stdout, code, stderr="boom")
    with pytest.raises(ScannerError, match=message):
        OsvScannerSource(str(script), [req]).check([dep("jinja2", "2.10", 1)])


def test_scanner_keeps_osv_scanner_offline_unless_online_is_asked(tmp_path: Path) -> None:
    """OSV-Scanner would query api.osv.dev by itself: only ``--online`` lets it."""
    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.deps.scanner import DepsScanner
    from scriptrunner.scanners.options import DepsOptions

    req = tmp_path / "requirements.txt"
    tools = {"osv-scanner": str(tmp_path / "osv-scanner")}

    def adapter(online: bool) -> OsvScannerSource:
        options = DepsOptions(osv_scanner=True, online=online, osv_url="http://127.0.0.1:9")
        scanner = DepsScanner(ScanContext(root=tmp_path, tool_paths=tools, options=options))
        (source,) = [s for s in scanner.sources([req]) if s.name == "osv-scanner"]
        assert isinstance(source, OsvScannerSource)
        return source

    assert adapter(online=False).extra_args == ("--offline-vulnerabilities",)
    assert adapter(online=True).extra_args == ()
