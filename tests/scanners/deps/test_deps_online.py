"""The OSV API source against the loopback stand-in (tests/fixtures/osv_api.py).

The stand-in serves tests/scanners/deps/osv_api_records/ with its own, independent matcher;
these tests prove batching, pagination, caching, fail-closed errors, and that the online
results equal what the offline evaluation of the same records gives.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from fixtures.osv_api import (
    FIXTURE_RECORDS,
    OsvApiServer,
    osv_api_server,  # noqa: F401
)
from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.findings.model import Severity
from scriptrunner.scanners.deps.model import Dependency, Vulnerability
from scriptrunner.scanners.deps.osv.evaluate import vulnerability_for
from scriptrunner.scanners.deps.osv.records import load_database
from scriptrunner.scanners.deps.sources.online import OnlineSource


@pytest.fixture
def api(osv_api_server: OsvApiServer) -> OsvApiServer:  # noqa: F811 - the imported fixture
    return osv_api_server


def dep(name: str, version: str | None, line: int = 1, **kw: object) -> Dependency:
    return Dependency(name=name, version=version, source="requirements.txt", line=line, **kw)  # type: ignore[arg-type]


DEPS = [
    dep("Jinja2", "2.10", 1),
    dep("requests", "2.19.0", 2),
    dep("listed_pkg", "1.1", 3),
    dep("flask", "2.0.0", 4),
    dep("foo", None, 5, unresolvable="unpinned: foo>=1"),
]


def ids_by_package(vulns: tuple[Vulnerability, ...] | list[Vulnerability]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in vulns:
        out.setdefault(v.dependency.key, set()).add(v.id)
    return out


def gets(server: OsvApiServer) -> list[str]:
    return [path for method, path, _ in server.requests if method == "GET"]


def batches(server: OsvApiServer) -> list[list[dict[str, object]]]:
    return [body["queries"] for method, path, body in server.requests if path == "/v1/querybatch"]


def test_online_reports_what_the_api_says_with_severity_and_fixes(
    api: OsvApiServer,
) -> None:
    report = OnlineSource(api.url, None).check(DEPS)

    assert report.source == "osv-api"
    assert ids_by_package(report.vulnerabilities) == {
        "jinja2": {"PYSEC-TEST-1", "GHSA-TEST-2"},
        "requests": {"PYSEC-TEST-3"},  # PYSEC-TEST-4 is withdrawn, GHSA-TEST-6 is npm
        "listed-pkg": {"PYSEC-TEST-5"},
    }
    by_id = {v.id: v for v in report.vulnerabilities}
    redos = by_id["PYSEC-TEST-1"]
    assert redos.severity is Severity.WARNING and redos.cvss is not None
    assert redos.cvss.score == 5.3
    assert redos.fix == "2.11.3"
    assert set(redos.aliases) == {"CVE-2020-28493", "GHSA-g3rq-g295-4j3m"}
    assert redos.sources == ("osv-api",)
    assert by_id["GHSA-TEST-2"].severity is Severity.HIGH  # declared severity, no vector
    assert by_id["GHSA-TEST-2"].fix is None  # last_affected only: no fix available
    assert by_id["PYSEC-TEST-3"].severity is Severity.HIGH
    # one batch with the four pinned packages (the unpinned one is not queried) ...
    assert [[q["package"]["name"] for q in b] for b in batches(api)] == [  # type: ignore[index]
        ["jinja2", "requests", "listed-pkg", "flask"]
    ]
    assert all(q["package"]["ecosystem"] == "PyPI" for q in batches(api)[0])  # type: ignore[index]
    # ... then one GET per distinct id
    assert sorted(gets(api)) == sorted(
        f"/v1/vulns/{i}" for i in ("PYSEC-TEST-1", "GHSA-TEST-2", "PYSEC-TEST-3", "PYSEC-TEST-5")
    )


def test_online_equals_offline_evaluation_of_the_same_records(
    api: OsvApiServer,
) -> None:
    deps = [*DEPS, dep("manyvulns", "2.5", 6), dep("jinja2", "2.11.3", 7), dep("requests", "2.0")]
    online = OnlineSource(api.url, None).check(deps)
    offline = [
        v
        for advisory in load_database(FIXTURE_RECORDS)
        for d in deps
        if (v := vulnerability_for(advisory, d, "osv-api")) is not None
    ]

    def key(v: Vulnerability) -> tuple[str, str, str]:
        return (v.dependency.line or 0, v.dependency.key, v.id)  # type: ignore[return-value]

    assert sorted(online.vulnerabilities, key=key) == sorted(offline, key=key)
    assert online.warnings == ()
    assert {v.id for v in online.vulnerabilities if v.dependency.key == "manyvulns"} == {
        "PYSEC-TEST-MANY-3",
        "PYSEC-TEST-MANY-4",
        "PYSEC-TEST-MANY-5",
    }


def test_online_splits_queries_into_batches_of_the_chunk_size(
    api: OsvApiServer,
) -> None:
    api.max_batch = 3  # the stand-in rejects bigger batches, like the real limit
    deps = [dep(f"pkg{i}", "1.0", i) for i in range(5)] + [dep("requests", "2.19.0", 9)]
    deps.append(dep("jinja2", "2.10", 10))

    report = OnlineSource(api.url, None, batch_size=3).check(deps)

    assert [len(b) for b in batches(api)] == [3, 3, 1]
    assert ids_by_package(report.vulnerabilities) == {
        "requests": {"PYSEC-TEST-3"},
        "jinja2": {"PYSEC-TEST-1", "GHSA-TEST-2"},
    }


def test_online_fails_closed_when_a_batch_is_too_big_for_the_server(
    api: OsvApiServer,
) -> None:
    api.max_batch = 2
    deps = [dep(f"pkg{i}", "1.0", i) for i in range(3)]
    with pytest.raises(ScannerError, match=r"OSV API http://127\.0\.0\.1:\d+: .*HTTP 400"):
        OnlineSource(api.url, None).check(deps)


def test_online_follows_next_page_token_for_the_paginated_query_only(
    api: OsvApiServer,
) -> None:
    api.page_size = 2
    deps = [dep("manyvulns", "0.5", 1), dep("requests", "2.19.0", 2)]

    report = OnlineSource(api.url, None).check(deps)

    assert ids_by_package(report.vulnerabilities)["manyvulns"] == {
        f"PYSEC-TEST-MANY-{n}" for n in range(1, 6)
    }
    sent = batches(api)
    assert [len(b) for b in sent] == [2, 1, 1]  # pages 2 and 3 repeat only manyvulns
    assert [("page_token" in q) for b in sent for q in b] == [False, False, True, True]
    assert all(q["package"]["name"] == "manyvulns" for b in sent[1:] for q in b)  # type: ignore[index]


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"fail_next": 500}, r"POST /v1/querybatch: HTTP 500"),
        ({"fail_next": 503, "fail_path": "/v1/vulns/"}, r"GET /v1/vulns/[\w-]+: HTTP 503"),
        ({"garbage_next": True}, r"POST /v1/querybatch: answer is not JSON"),
        ({"delay": 1.0}, r"no answer within 0.3 s|timed out"),
    ],
)
def test_online_fails_closed_on_server_errors(
    api: OsvApiServer, knobs: dict[str, object], message: str
) -> None:
    for name, value in knobs.items():
        setattr(api, name, value)
    source = OnlineSource(api.url, None, timeout=0.3)
    with pytest.raises(ScannerError, match=r"^OSV API http://127\.0\.0\.1:\d+: ") as info:
        source.check(DEPS)
    assert info.match(message)
    assert "no vulnerabilities were checked" in str(info.value)


def test_online_fails_closed_when_the_server_is_unreachable() -> None:
    url = closed_port_url()
    source = OnlineSource(url, None, timeout=2)  # constructing it touches no network
    with pytest.raises(ScannerError, match=rf"OSV API {url}: POST /v1/querybatch: cannot connect"):
        source.check(DEPS)


def test_online_checks_nothing_and_asks_nothing_without_pinned_dependencies(
    api: OsvApiServer,
) -> None:
    report = OnlineSource(api.url, None).check([DEPS[-1]])
    assert report.vulnerabilities == ()
    assert len(api.requests) <= 1  # at most an empty batch; never a GET
    assert gets(api) == []


@pytest.mark.parametrize("url", ["ftp://example.org", "api.osv.dev", "file:///etc/passwd"])
def test_online_rejects_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(ConfigError, match="--osv-url"):
        OnlineSource(url, None)


def test_online_caches_records_by_id_and_modified(api: OsvApiServer, tmp_path: Path) -> None:
    first = OnlineSource(api.url, tmp_path).check(DEPS)
    assert len(gets(api)) == 4
    assert sorted(p.name for p in (tmp_path / "osv-api").iterdir())[0] == "GHSA-TEST-2.json"

    api.requests.clear()
    second = OnlineSource(api.url, tmp_path).check(DEPS)
    assert gets(api) == []  # every record came from the cache
    assert second.vulnerabilities == first.vulnerabilities

    # a record modified upstream is fetched again; a damaged cache entry too
    api.records["PYSEC-TEST-3"] = {
        **api.records["PYSEC-TEST-3"],
        "modified": "2025-01-01T00:00:00Z",
        "summary": "updated summary",
    }
    (tmp_path / "osv-api" / "PYSEC-TEST-1.json").write_text("{not json")
    api.requests.clear()
    third = OnlineSource(api.url, tmp_path).check(DEPS)
    assert sorted(gets(api)) == ["/v1/vulns/PYSEC-TEST-1", "/v1/vulns/PYSEC-TEST-3"]
    assert {v.summary for v in third.vulnerabilities if v.id == "PYSEC-TEST-3"} == {
        "updated summary"
    }
    cached = json.loads((tmp_path / "osv-api" / "PYSEC-TEST-3.json").read_text())
    assert cached["modified"] == "2025-01-01T00:00:00Z"


def test_online_reports_an_api_match_its_record_does_not_explain_with_a_warning(
    api: OsvApiServer,
) -> None:
    # The real service also matches fuzzily; dropping its answer would fail open.
    records = api.records
    api.matching = lambda name, version: (  # type: ignore[method-assign]
        [records["PYSEC-TEST-3"]] if name == "requests" else []
    )
    report = OnlineSource(api.url, None).check([dep("requests", "2.25.0")])

    (vuln,) = report.vulnerabilities
    assert (vuln.id, vuln.severity, vuln.fix) == ("PYSEC-TEST-3", Severity.HIGH, None)
    assert vuln.fixed_versions == ("2.20.0",)
    assert report.warnings == (
        "PYSEC-TEST-3 for requests 2.25.0: OSV API reports it, but the record's ranges do not "
        "include that version; kept as reported",
    )


def test_stand_in_single_query_endpoint_returns_full_records(api: OsvApiServer) -> None:
    """``/v1/query`` is what pip-audit calls (bench/deps_scan.py compares against it)."""
    import urllib.request

    def query(name: str, version: str) -> dict[str, object]:
        body = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version})
        request = urllib.request.Request(f"{api.url}/v1/query", data=body.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    hits = query("Requests", "2.19.0")["vulns"]
    assert [v["id"] for v in hits] == ["PYSEC-TEST-3"]  # type: ignore[index]
    assert hits[0]["affected"][0]["ranges"]  # type: ignore[index]
    assert query("flask", "2.0.0") == {}
