"""Dependency scanning: index build, scan speed, pip-audit side by side, SBOM generation.

    .venv/bin/python bench/deps_scan.py [--runs N] [--db PATH]

Everything runs on this machine, against the PyPA advisory snapshot (``--db``, default
/work/shared/advisory-db):

(a) building the offline index of the snapshot with a fresh cache dir (cold), in-process;
(b) ``scriptrunner scan deps FILE --db DB`` on a 100-package requirements file (60 packages
    pinned at versions the snapshot lists as affected, 40 that it does not know), as a full
    CLI process after the index exists; target median <= 0.5 s;
(c) pip-audit on the same file (``-r FILE --no-deps --disable-pip -s osv --osv-url``) against a
    loopback OSV-API stand-in (tests/fixtures/osv_api.py) serving the same snapshot, next to
    our offline scan and our ``--online --osv-url`` scan against the same stand-in; the
    ratios are ours / pip-audit, and both tools' vulnerability ids are compared per package;
(d) CycloneDX SBOM (JSON and XML) generation for the 100 packages and their vulnerabilities.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRIPTRUNNER = BIN / "scriptrunner"
PIP_AUDIT = BIN / "pip-audit"
SNAPSHOT = Path("/work/shared/advisory-db")
sys.path.insert(0, str(ROOT / "tests"))  # the OSV-API stand-in lives with the test fixtures

#: Versions the snapshot lists as affected (picked once from its ``versions`` lists).
VULNERABLE = {
    "django": "5.1", "flask": "2.3.1", "jinja2": "2.11.2", "requests": "2.30.0",
    "urllib3": "2.0.6", "pyyaml": "5.3.1", "pillow": "10.0.0", "numpy": "1.19.0",
    "cryptography": "41.0.5", "lxml": "4.9.0", "werkzeug": "3.0.0", "sqlalchemy": "1.2.17",
    "paramiko": "2.10.0", "pycrypto": "2.6.1", "babel": "2.9.0", "bleach": "3.2.3",
    "celery": "5.2.1", "certifi": "2023.5.7", "aiohttp": "3.9.1", "tornado": "6.3.1",
    "twisted": "24.3.0", "setuptools": "65.5.0", "pip": "23.2.1", "wheel": "0.38.0",
    "gunicorn": "19.4.5", "waitress": "2.1.1", "mako": "1.2.1", "markdown2": "2.3.10",
    "pygments": "2.15.0", "psutil": "5.6.5", "pyjwt": "2.3.0", "rsa": "4.6",
    "ecdsa": "0.13.2", "httplib2": "0.18.1", "idna": "3.6", "oauthlib": "3.2.0",
    "pyopenssl": "17.4.0", "sqlparse": "0.4.3", "tqdm": "4.11.1", "ujson": "5.0.0",
    "validators": "0.12.5", "websockets": "9.0.2", "jupyter-server": "2.7.1",
    "notebook": "6.4.11", "ipython": "8.9.0", "nbconvert": "6.2.0", "mistune": "2.0.2",
    "scipy": "1.9.3", "pandas": "1.0.3", "protobuf": "3.14.0", "grpcio": "1.2.1",
    "tensorflow": "2.6.0", "torch": "1.13.0", "joblib": "1.1.1", "dask": "2021.9.1",
    "distributed": "2021.9.1", "starlette": "0.26.1", "fastapi": "0.109.0",
    "uvicorn": "0.11.6", "pydantic": "1.8.1",
}  # fmt: skip
#: Packages the snapshot has no advisories for.
BENIGN = {
    "attrs": "23.2.0", "click": "8.1.7", "six": "1.16.0", "python-dateutil": "2.9.0",
    "pytz": "2024.1", "charset-normalizer": "3.3.2", "packaging": "24.1",
    "pyparsing": "3.1.2", "colorama": "0.4.6", "toml": "0.10.2", "tomli": "2.0.1",
    "typing-extensions": "4.12.2", "wrapt": "1.16.0", "decorator": "5.1.1",
    "more-itertools": "10.3.0", "zipp": "3.19.2", "importlib-metadata": "8.0.0",
    "platformdirs": "4.2.2", "filelock": "3.15.4", "distlib": "0.3.8", "markupsafe": "2.1.5",
    "itsdangerous": "2.2.0", "pluggy": "1.5.0", "iniconfig": "2.0.0", "soupsieve": "2.5",
    "beautifulsoup4": "4.12.3", "chardet": "5.2.0", "cachetools": "5.4.0",
    "pyasn1": "0.6.0", "pyasn1-modules": "0.4.0", "cffi": "1.16.0", "pycparser": "2.22",
    "greenlet": "3.0.3", "multidict": "6.0.5", "yarl": "1.9.4", "frozenlist": "1.4.1",
    "aiosignal": "1.3.1", "async-timeout": "4.0.3", "regex": "2024.5.15", "jmespath": "1.0.1",
}  # fmt: skip


def requirements_text() -> str:
    pins = {**VULNERABLE, **BENIGN}
    assert len(pins) == 100, len(pins)
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (1,)) -> float:
    """Wall time of ``cmd``; both tools exit 1 when they find vulnerabilities, which the
    file guarantees, so any other code (0 included) means a run that did not scan."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


# -- (a) index build ---------------------------------------------------------------------


def index_build(db: Path, work: Path, runs: int) -> tuple[float, str]:
    from scriptrunner.scanners.deps.osv.index import OsvIndex

    times, described = [], ""
    for n in range(runs):
        index = OsvIndex.open(db, work / f"index-cache-{n}")  # a fresh cache dir: cold
        if not index.rebuilt:
            raise SystemExit("index was not rebuilt in a fresh cache dir")
        times.append(index.build_seconds)
        described = index.describe()
        index.close()
    return statistics.median(times), described


# -- (c) agreement -----------------------------------------------------------------------


def ours_ids(report: Path) -> dict[str, list[frozenset[str]]]:
    data = json.loads(report.read_text())
    out: dict[str, list[frozenset[str]]] = {}
    for f in data["findings"]:
        props = f.get("properties") or {}
        if f["rule_id"].startswith("SR-"):
            continue
        ids = frozenset([f["rule_id"], *props.get("aliases", [])])
        out.setdefault(str(props["package"]).lower(), []).append(ids)
    return out


def pip_audit_ids(report: Path) -> dict[str, list[frozenset[str]]]:
    data = json.loads(report.read_text())
    out: dict[str, list[frozenset[str]]] = {}
    for dep in data["dependencies"]:
        for v in dep.get("vulns", []):
            out.setdefault(dep["name"].lower(), []).append(frozenset([v["id"], *v["aliases"]]))
    return out


def agreement(a: dict[str, list[frozenset[str]]], b: dict[str, list[frozenset[str]]]) -> str:
    """Same issues per package (ids or aliases in common), both ways."""
    missing_in_b, missing_in_a = [], []
    for pkg in sorted(set(a) | set(b)):
        for ids in a.get(pkg, []):
            if not any(ids & other for other in b.get(pkg, [])):
                missing_in_b.append(f"{pkg}:{min(ids)}")
        for ids in b.get(pkg, []):
            if not any(ids & other for other in a.get(pkg, [])):
                missing_in_a.append(f"{pkg}:{min(ids)}")
    if not missing_in_a and not missing_in_b:
        ours, theirs = sum(map(len, a.values())), sum(map(len, b.values()))
        if ours == theirs:
            return f"same {ours} vulnerabilities in {len(a)} packages"
        return (
            f"same vulnerabilities in {len(a)} packages (scriptrunner {ours} after merging "
            f"aliases, pip-audit {theirs})"
        )
    return (
        f"DIFFER: only scriptrunner {missing_in_b[:8]} ({len(missing_in_b)}), "
        f"only pip-audit {missing_in_a[:8]} ({len(missing_in_a)})"
    )


# -- (d) SBOM ----------------------------------------------------------------------------


def sbom_times(db: Path, cache: Path, runs: int) -> tuple[float, float, int]:
    from scriptrunner.scanners.deps.model import Dependency
    from scriptrunner.scanners.deps.sbom import render_sbom
    from scriptrunner.scanners.deps.sources.offline import OfflineSource

    pins = sorted({**VULNERABLE, **BENIGN}.items())
    deps = [Dependency(n, v, "requirements.txt", i) for i, (n, v) in enumerate(pins, 1)]
    vulns = OfflineSource(db, cache).check(deps).vulnerabilities
    render_sbom("json", deps, vulns)  # warm the imports: measure generation, not loading

    def one(fmt: str) -> float:
        start = time.perf_counter()
        render_sbom(fmt, deps, vulns)
        return time.perf_counter() - start

    return median_of(runs, lambda: one("json")), median_of(runs, lambda: one("xml")), len(vulns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=SNAPSHOT)
    args = parser.parse_args()
    from fixtures.osv_api import start_osv_api

    work = Path(tempfile.mkdtemp(prefix="sr-depsbench-"))
    server = None
    try:
        req = work / "requirements.txt"
        req.write_text(requirements_text())
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTRUNNER_")}
        env["SCRIPTRUNNER_HOME"] = str(work / "home")

        build, described = index_build(args.db, work, min(args.runs, 3))
        print(f"(a) offline index of {args.db} ({described})")
        print(f"    cold build, in-process (median of {min(args.runs, 3)}) : {build:6.2f} s")

        offline = [str(SCRIPTRUNNER), "scan", "deps", str(req), "--db", str(args.db)]
        offline += ["--format", "json", "--no-record"]
        first = timed([*offline, "-o", os.devnull], env)  # builds the index in the home
        scan = median_of(args.runs, lambda: timed([*offline, "-o", os.devnull], env))
        print(f"(b) scriptrunner scan deps, 100 packages, full CLI process (median of {args.runs})")
        print(f"    first scan (builds the index)           : {first:6.2f} s")
        print(f"    scan after indexing                     : {scan:6.2f} s  (target <= 0.50)")

        start = time.perf_counter()
        server, url = start_osv_api(args.db / "vulns" if (args.db / "vulns").is_dir() else args.db)
        loaded = time.perf_counter() - start
        audit = [str(PIP_AUDIT), "-r", str(req), "--no-deps", "--disable-pip", "-s", "osv"]
        audit += ["--osv-url", f"{url}/v1/query", "--progress-spinner", "off", "-f", "json"]
        audit += ["--cache-dir", str(work / "pip-cache")]
        online = [str(SCRIPTRUNNER), "scan", "deps", str(req), "--online", "--osv-url", url]
        online += ["--format", "json", "--no-record", "--no-cache"]
        online_env = {**env, "SCRIPTRUNNER_HOME": str(work / "home-online")}  # no --db there
        pa = median_of(args.runs, lambda: timed([*audit, "-o", os.devnull], env))
        on = median_of(args.runs, lambda: timed([*online, "-o", os.devnull], online_env))
        timed([*audit, "-o", str(work / "pip-audit.json")], env)
        timed([*offline, "-o", str(work / "ours-offline.json")], env)
        timed([*online, "-o", str(work / "ours-online.json")], online_env)
        theirs = pip_audit_ids(work / "pip-audit.json")
        print(
            f"(c) against the loopback OSV-API stand-in ({len(server.records)} records, "
            f"loaded in {loaded:.1f} s), median of {args.runs}"
        )
        print(f"    pip-audit -s osv (one /v1/query each)   : {pa:6.2f} s")
        print(f"    scriptrunner offline (--db)             : {scan:6.2f} s  ratio {scan / pa:.2f}")
        print(f"    scriptrunner --online (querybatch)      : {on:6.2f} s  ratio {on / pa:.2f}")
        print(
            f"    agreement offline vs pip-audit: {agreement(ours_ids(work / 'ours-offline.json'), theirs)}"
        )
        print(
            f"    agreement online  vs pip-audit: {agreement(ours_ids(work / 'ours-online.json'), theirs)}"
        )

        js, xml, count = sbom_times(args.db, work / "home" / "cache", args.runs)
        print(
            f"(d) CycloneDX 1.6 SBOM, 100 components + {count} vulnerabilities (median of {args.runs})"
        )
        print(f"    JSON : {js * 1000:6.1f} ms    XML : {xml * 1000:6.1f} ms")
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
