"""MkDocs hooks of the documentation site (``mkdocs.yml``).

* README.md, at the repository root where GitHub shows it, is the site's home page
  (``index.md``); its links into ``docs/`` (``docs/cli.md#...``) point at the pages beside it.
* The pages are read on GitHub too, where a link to a repository file outside ``docs/``
  (``../src/scriptrunner/costs/catalog.schema.json``, ``tests/docs/README.md``) works.  The
  site does not carry those files, so such a link becomes its text and the path in code,
  only when the file exists: a link to a missing file is left alone for
  ``mkdocs build --strict`` to fail on, like every other broken link or anchor.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

#: ``[text](target)`` with a relative target (not a URL, not an anchor on the same page).
_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<target>(?![a-z][a-z0-9+.-]*:|#|/)[^)\s]+)\)")
HOME = "index.md"


def relink(markdown: str, source_dir: Path, served_dir: Path, docs: Path, repo: Path) -> str:
    """``markdown`` written in ``source_dir`` and served from ``served_dir`` (in ``docs``):
    links into ``docs`` made relative to where the page is served, links to existing
    repository files outside ``docs`` made plain text, every other link left as it is."""

    def sub(match: re.Match[str]) -> str:
        text, target = match["text"], match["target"]
        path, hash_, anchor = target.partition("#")
        resolved = Path(os.path.normpath(source_dir / path))
        if resolved.is_relative_to(docs):
            if source_dir == served_dir:
                return match[0]
            return f"[{text}]({os.path.relpath(resolved, served_dir)}{hash_}{anchor})"
        if resolved.is_relative_to(repo) and resolved.exists():
            shown = resolved.relative_to(repo).as_posix()
            return text if text.strip("`") == shown else f"{text} (`{shown}`)"
        return match[0]

    return _LINK.sub(sub, markdown)


def _places(config: Any) -> tuple[Path, Path]:
    docs = Path(config["docs_dir"]).resolve()
    return docs, Path(config["config_file_path"]).resolve().parent


def on_files(files: Files, config: Any) -> Files:
    docs, repo = _places(config)
    if files.get_file_from_path(HOME) is None:
        readme = (repo / "README.md").read_text(encoding="utf-8")
        files.append(File.generated(config, HOME, content=readme))
    return files


def on_page_markdown(markdown: str, page: Page, config: Any, files: Files) -> str:
    docs, repo = _places(config)
    served_dir = (docs / page.file.src_uri).parent
    readme = page.file.src_uri == HOME and not (docs / HOME).exists()
    return relink(markdown, repo if readme else served_dir, served_dir, docs, repo)
