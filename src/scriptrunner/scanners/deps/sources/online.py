"""The OSV API as a vulnerability source (``scan deps --online``), opt-in.

Two steps, as the API documents (https://google.github.io/osv.dev/post-v1-querybatch/):

1. ``POST {url}/v1/querybatch`` with one ``{"package": {"name", "ecosystem": "PyPI"},
   "version"}`` query per pinned dependency, at most :data:`MAX_BATCH` queries per request.
   Results come back in query order with ``id``/``modified`` only; a result holding
   ``next_page_token`` is repeated with ``page_token`` set until no token remains.
2. ``GET {url}/v1/vulns/{id}`` for each distinct id (a bounded thread pool), optionally cached
   on disk under ``cache_dir/osv-api/`` and reused while the record's ``modified`` is the one
   querybatch reported.

Records are parsed and evaluated by the same code as the offline database
(:func:`~scriptrunner.scanners.deps.osv.records.parse_record`,
:func:`~scriptrunner.scanners.deps.osv.evaluate.vulnerability_for`), so severity and fixes
agree between modes.  When the API says a version is affected but the record's ranges do not
include it (the service also matches fuzzily), the API wins — reported, with a warning —
because dropping it would fail open.

Any HTTP error, timeout, connection failure or non-JSON answer raises ``ScannerError``: a
partial answer must not read as "no known vulnerabilities".  Nothing touches the network
until :meth:`OnlineSource.check` is called.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError, ScannerError, mask_url_passwords
from scriptrunner.scanners.deps.model import Advisory, Dependency, SourceReport, Vulnerability
from scriptrunner.scanners.private import FILE_MODE, private_dir

#: The API's limit of queries per querybatch request.
MAX_BATCH = 1000
#: Pages per query before we assume a server loops (1000 pages of ids is far beyond any PyPI
#: package's advisories).
_MAX_PAGES = 1000


class OnlineSource:
    """Vulnerabilities from an OSV API server (``https://api.osv.dev`` or a mirror)."""

    name = "osv-api"

    def __init__(
        self,
        url: str,
        cache_dir: Path | None = None,
        *,
        timeout: float = 30.0,
        batch_size: int = MAX_BATCH,
        workers: int = 8,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"--osv-url {mask_url_passwords(url)!r}: expected an http(s) URL such as "
                "https://api.osv.dev"
            )
        if not 1 <= batch_size <= MAX_BATCH:
            raise ConfigError(f"OSV API batch size must be 1..{MAX_BATCH}, got {batch_size}")
        self.url = url.rstrip("/")
        #: The URL as reports and messages show it (a password in it as ``***``).
        self.shown = mask_url_passwords(self.url)
        self.cache_dir = cache_dir / "osv-api" if cache_dir is not None else None
        self.timeout = timeout
        self.batch_size = batch_size
        self.workers = max(1, workers)

    # -- the VulnerabilitySource protocol ---------------------------------------------

    def check(self, dependencies: Sequence[Dependency]) -> SourceReport:
        """Query the API for every pinned dependency; ScannerError when it cannot answer."""
        pinned: dict[tuple[str, str], list[Dependency]] = {}
        for dep in dependencies:
            if dep.version is not None:
                pinned.setdefault((dep.key, dep.version), []).append(dep)
        keys = list(pinned)
        hits = self._querybatch(keys)  # per key: {id: modified}
        modified: dict[str, str] = {}
        for found in hits:
            modified.update(found)
        advisories = self._fetch_all(modified)
        warnings: list[str] = []
        vulnerabilities: list[Vulnerability] = []
        for key, found in zip(keys, hits, strict=True):
            for vid in sorted(found):
                for dep in pinned[key]:
                    vuln = self._evaluate(advisories[vid], dep, warnings)
                    if vuln is not None:
                        vulnerabilities.append(vuln)
        return SourceReport(
            source=self.name,
            vulnerabilities=tuple(vulnerabilities),
            version=self.shown,
            warnings=tuple(dict.fromkeys(warnings)),
            extra={"queries": len(keys), "advisories": len(advisories)},
        )

    # -- step 1: which ids affect which package -----------------------------------------

    def _querybatch(self, keys: list[tuple[str, str]]) -> list[dict[str, str]]:
        found: list[dict[str, str]] = [{} for _ in keys]
        for start in range(0, len(keys), self.batch_size):
            # index -> page token; the first round has no tokens
            chunk = range(start, min(start + self.batch_size, len(keys)))
            pending: dict[int, str | None] = dict.fromkeys(chunk)
            pages = 0
            while pending:
                pages += 1
                if pages > _MAX_PAGES:
                    raise self._error("POST /v1/querybatch", f"more than {_MAX_PAGES} result pages")
                order = list(pending)
                queries = []
                for i in order:
                    name, version = keys[i]
                    query: dict[str, Any] = {
                        "package": {"name": name, "ecosystem": "PyPI"},
                        "version": version,
                    }
                    if pending[i]:
                        query["page_token"] = pending[i]
                    queries.append(query)
                answer = self._request("POST", "/v1/querybatch", {"queries": queries})
                results = answer.get("results") if isinstance(answer, Mapping) else None
                if not isinstance(results, list) or len(results) != len(queries):
                    raise self._error(
                        "POST /v1/querybatch",
                        f"expected {len(queries)} results, got "
                        f"{len(results) if isinstance(results, list) else 'none'}",
                    )
                pending = {}
                for i, result in zip(order, results, strict=True):
                    self._collect(result, found[i])
                    token = result.get("next_page_token") if isinstance(result, Mapping) else None
                    if token:
                        pending[i] = str(token)
        return found

    def _collect(self, result: Any, into: dict[str, str]) -> None:
        if not isinstance(result, Mapping):
            raise self._error("POST /v1/querybatch", f"result is not an object: {result!r:.80}")
        for item in result.get("vulns") or []:
            vid = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(vid, str) or not vid:
                raise self._error("POST /v1/querybatch", f"vulnerability without id: {item!r:.80}")
            into[vid] = str(item.get("modified") or "")

    # -- step 2: the records -----------------------------------------------------------

    def _fetch_all(self, modified: Mapping[str, str]) -> dict[str, Advisory]:
        if not modified:
            return {}
        ids = sorted(modified)
        with ThreadPoolExecutor(max_workers=min(self.workers, len(ids))) as pool:
            advisories = list(pool.map(lambda vid: self._fetch(vid, modified[vid]), ids))
        return dict(zip(ids, advisories, strict=True))

    def _fetch(self, vid: str, modified: str) -> Advisory:
        from scriptrunner.scanners.deps.osv.records import parse_record

        quoted = urllib.parse.quote(vid, safe="")
        path = f"/v1/vulns/{quoted}"
        record = self._cached(quoted, modified)
        if record is None:
            record = self._request("GET", path, None)
            if not isinstance(record, Mapping) or record.get("id") != vid:
                raise self._error(f"GET {path}", f"expected the record of {vid}")
            self._store(quoted, modified, record)
        return parse_record(record, f"OSV API {self.shown}{path}")

    def _cached(self, quoted: str, modified: str) -> Mapping[str, Any] | None:
        if self.cache_dir is None or not modified:
            return None
        try:
            entry = json.loads((self.cache_dir / f"{quoted}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent or damaged: fetch again
        if not isinstance(entry, dict) or entry.get("modified") != modified:
            return None
        record = entry.get("record")
        return record if isinstance(record, dict) else None

    def _store(self, quoted: str, modified: str, record: Mapping[str, Any]) -> None:
        if self.cache_dir is None or not modified:
            return
        target = self.cache_dir / f"{quoted}.json"
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        data = json.dumps({"modified": modified, "record": record}).encode()
        try:
            private_dir(self.cache_dir)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temp, target)
        except (OSError, ConfigError):
            temp.unlink(missing_ok=True)  # a cache that cannot be written only costs speed

    # -- evaluation ---------------------------------------------------------------------

    def _evaluate(
        self, advisory: Advisory, dep: Dependency, warnings: list[str]
    ) -> Vulnerability | None:
        return reported_vulnerability(advisory, dep, self.name, "OSV API", warnings)

    # -- HTTP ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any) -> Any:
        import urllib.error
        import urllib.request

        from scriptrunner.version import __version__

        what = f"{method} {path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"scriptrunner/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
            raise self._error(what, f"HTTP {exc.code} {exc.reason}: {detail}") from exc
        except urllib.error.URLError as exc:
            raise self._error(what, f"cannot connect: {exc.reason}") from exc
        except TimeoutError as exc:
            raise self._error(what, f"no answer within {self.timeout:g} s") from exc
        except OSError as exc:
            raise self._error(what, f"connection failed: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise self._error(what, f"answer is not JSON: {raw[:80]!r}") from exc

    def _error(self, what: str, problem: str) -> ScannerError:
        return ScannerError(
            f"OSV API {self.shown}: {what}: {mask_url_passwords(problem)}; no vulnerabilities were checked "
            "(retry, check --osv-url, or scan offline with --db PATH)"
        )


def reported_vulnerability(
    advisory: Advisory, dep: Dependency, source: str, who: str, warnings: list[str]
) -> Vulnerability | None:
    """The vulnerability a service/tool says ``advisory`` causes in ``dep``.

    Evaluated like the offline database; when the record's ranges do not include the
    version, the reporter is believed (with a warning) rather than silently overruled, since
    dropping the report would fail open.  Withdrawn advisories are never reported.
    """
    from scriptrunner.scanners.deps.osv.evaluate import (
        build_vulnerability,
        entries_for,
        vulnerability_for,
    )

    vuln = vulnerability_for(advisory, dep, source, warnings)
    if vuln is not None or advisory.withdrawn or dep.version is None:
        return vuln
    entries = entries_for(advisory, dep.key)
    warnings.append(
        f"{advisory.id} for {dep.name} {dep.version}: {who} reports it, but the record's "
        "ranges do not include that version; kept as reported"
    )
    return build_vulnerability(advisory, dep, entries, entries[0] if entries else None, source)
