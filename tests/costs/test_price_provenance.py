"""Every bundled price says where it was read and when, and an edit cannot drop that.

``price_provenance.json`` (next to this file) pins, for every entry of every bundled catalog,
its ``source`` (the provider's public price page), its ``as_of`` date and its price.  Adding,
removing or re-pricing an entry, or changing where or when it was read, fails
:func:`test_the_manifest_pins_every_bundled_price` until the manifest is updated on purpose:

    PYTHONPATH=src python tests/costs/test_price_provenance.py --update

(then review ``git diff tests/costs/price_provenance.json`` and commit it with the catalog).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scriptrunner.costs.catalog import PROVIDERS

MANIFEST = Path(__file__).with_name("price_provenance.json")
UPDATE = "PYTHONPATH=src python tests/costs/test_price_provenance.py --update"
#: The hosts of each provider's own price pages: a bundled price is read from one of them.
PRICE_HOSTS = {
    "aws": {"aws.amazon.com"},
    "azure": {"azure.microsoft.com"},
    "gcp": {"cloud.google.com"},
}


def bundled(provider: str) -> list[dict[str, Any]]:
    text = (resources.files("scriptrunner.costs") / "catalogs" / f"{provider}.json").read_text()
    prices: list[dict[str, Any]] = json.loads(text)["prices"]
    return prices


def pinned(entry: dict[str, Any]) -> dict[str, Any]:
    """What the manifest keeps of one entry: where and when it was read, and the price."""
    out = {"source": entry.get("source"), "as_of": entry.get("as_of"), "usd": entry.get("usd")}
    if entry.get("tiers"):
        out["tiers"] = [[t["from"], t["usd"]] for t in entry["tiers"]]
    return out


def current() -> dict[str, dict[str, dict[str, Any]]]:
    """``{catalog: {"REGION KEY": pinned entry}}`` of the bundled catalogs as they are."""
    return {p: {f"{e['region']} {e['key']}": pinned(e) for e in bundled(p)} for p in PROVIDERS}


def dump(manifest: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One entry per line, sorted, so a change to one price is a one-line diff."""
    parts = []
    for provider in sorted(manifest):
        lines = ",\n".join(
            f"  {json.dumps(name)}: {json.dumps(manifest[provider][name])}"
            for name in sorted(manifest[provider])
        )
        parts.append(f' "{provider}": {{\n{lines}\n }}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_bundled_price_has_a_provider_source_and_a_past_as_of(provider: str) -> None:
    problems = []
    for e in bundled(provider):
        name = f"{provider}.json: {e.get('region')} {e.get('key')}"
        source = e.get("source")
        url = urlsplit(source) if isinstance(source, str) else None
        if url is None or url.scheme != "https" or url.hostname not in PRICE_HOSTS[provider]:
            problems.append(
                f"{name}: source {source!r} is not a page of "
                f"{' or '.join(sorted(PRICE_HOSTS[provider]))}"
            )
        try:
            as_of = dt.date.fromisoformat(e.get("as_of") or "")
        except ValueError:
            problems.append(f"{name}: as_of {e.get('as_of')!r} is not a date YYYY-MM-DD")
            continue
        if as_of > dt.date.today():
            problems.append(f"{name}: as_of {as_of} is in the future")
    assert not problems, "\n".join(problems)


def test_the_manifest_pins_every_bundled_price() -> None:
    want = json.loads(MANIFEST.read_text())
    have = current()
    problems = []
    for provider in sorted(set(want) | set(have)):
        old, new = want.get(provider, {}), have.get(provider, {})
        for name in sorted(set(old) | set(new)):
            where = f"{provider}.json {name}"
            if name not in new:
                problems.append(f"{where}: in the manifest but no longer in the catalog")
            elif name not in old:
                problems.append(f"{where}: new in the catalog, not in the manifest")
            elif old[name] != new[name]:
                a, b = old[name], new[name]
                changed = [f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in a.keys() | b.keys()]
                changed = sorted(c for c in changed if c.split(" ", 1)[0] in _diff(a, b))
                problems.append(f"{where}: " + "; ".join(changed))
                if _diff(a, b) & {"usd", "tiers"} and a.get("as_of") == b.get("as_of"):
                    problems.append(f"{where}: the price changed but its as_of did not")
    assert not problems, (
        "the bundled prices' provenance differs from tests/costs/price_provenance.json:\n  "
        + "\n  ".join(problems)
        + "\nEvery bundled price needs its source page and as_of date. If the change is "
        f"intended (prices re-read from the providers' pages), update the manifest with\n  {UPDATE}\n"
        "and commit it with the catalog."
    )


def _diff(a: dict[str, Any], b: dict[str, Any]) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def test_the_manifest_names_the_fix_when_provenance_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = bundled("azure")
    edited = [dict(entries[0]), *entries[1:]]
    del edited[0]["source"]
    edited[0]["as_of"] = "2099-01-01"
    real = bundled
    monkeypatch.setitem(globals(), "bundled", lambda p: edited if p == "azure" else real(p))
    with pytest.raises(AssertionError) as failed:
        test_the_manifest_pins_every_bundled_price()
    text = str(failed.value)
    assert f"azure.json {entries[0]['region']} {entries[0]['key']}: " in text
    assert "source 'https://azure.microsoft.com/" in text and "-> None" in text
    assert UPDATE in text
    with pytest.raises(AssertionError, match=r"source None is not a page.*\n.*in the future"):
        test_every_bundled_price_has_a_provider_source_and_a_past_as_of("azure")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE}")
    MANIFEST.write_text(dump(current()))
    print(f"wrote {MANIFEST} ({sum(len(v) for v in current().values())} prices)")
