"""The documentation site (``mkdocs.yml``, mkdocs-material): every page of ``docs/``, built
offline with ``--strict``, so a broken link or anchor fails ``make test``.

The site is built into a temporary directory (``make site`` builds it into ``build/site``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from site_hooks import relink

from fixtures.ci_tools import venv_tool

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv_tool("mkdocs")), "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = mkdocs_build(REPO / "mkdocs.yml", out)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def test_every_docs_page_is_on_the_site(site: Path) -> None:
    pages = sorted(DOCS.rglob("*.md"))
    assert len(pages) > 15
    missing = [
        p.relative_to(DOCS).as_posix()
        for p in pages
        if not (site / p.relative_to(DOCS).with_suffix("") / "index.html").is_file()
    ]
    assert missing == []
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Python Script Runner 7" in home  # README.md is the home page
    assert 'href="architecture/"' in home


def test_the_site_fetches_no_fonts(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert pages and not [p for p in pages if "fonts.googleapis.com" in p.read_text("utf-8")]


def test_a_broken_anchor_or_link_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[a](other.md#no-such-heading)\n")
    (docs / "other.md").write_text("# Other\n\n## A heading\n\n[b](missing.md)\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"INHERIT: {REPO / 'mkdocs.yml'}\ndocs_dir: docs\nhooks: []\n")
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode != 0
    assert "does not contain an anchor '#no-such-heading'" in proc.stderr, proc.stderr
    assert "'missing.md'" in proc.stderr, proc.stderr


def test_links_are_re_pointed_for_the_site(tmp_path: Path) -> None:
    repo, docs = tmp_path, tmp_path / "docs"
    (docs / "tutorials").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "tests" / "README.md").write_text("# tests\n")
    (repo / "x.py").write_text("")
    readme = (
        "See [cli](docs/cli.md#scriptrunner-run), [tests](tests/README.md), [`x.py`](x.py), "
        "[gone](gone.py), [site](https://example.org/docs/a.md) and [here](#layout).\n"
    )
    assert relink(readme, repo, docs, docs, repo) == (
        "See [cli](cli.md#scriptrunner-run), tests (`tests/README.md`), `x.py`, "
        "[gone](gone.py), [site](https://example.org/docs/a.md) and [here](#layout).\n"
    )
    page = "[up](../cli.md#run), [code](../../x.py), [`a`](a.md) and [gone](../../y.py)\n"
    tutorials = docs / "tutorials"
    assert relink(page, tutorials, tutorials, docs, repo) == (
        "[up](../cli.md#run), code (`x.py`), [`a`](a.md) and [gone](../../y.py)\n"
    )
