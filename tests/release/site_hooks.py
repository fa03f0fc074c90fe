"""MkDocs hooks of the documentation site (``mkdocs.yml``): README.md is its home page.

README.md lives at the repository root, where GitHub shows it, and links into ``docs/`` as
``docs/PAGE.md``.  The site serves it as ``index.md``, its ``docs/`` links rewritten to the
pages beside it; a link to a repository file outside ``docs/`` (not part of the site)
becomes its text and the path in code, so ``mkdocs build --strict`` checks every link that
remains.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

#: ``[text](target)`` with a relative target (not a URL, not an anchor on the same page).
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>(?![a-z][a-z0-9+.-]*:|#)[^)\s]+)\)")


def home_page(readme: str) -> str:
    """README.md's text as the site's home page (its links re-pointed, see the module)."""

    def relink(match: re.Match[str]) -> str:
        text, target = match["text"], match["target"]
        if target.startswith("docs/"):
            return f"[{text}]({target.removeprefix('docs/')})"
        return text if text.strip("`") == target else f"{text} (`{target}`)"

    return _LINK.sub(relink, readme)


def on_files(files: Files, config: Any) -> Files:
    readme = Path(config["config_file_path"]).parent / "README.md"
    if files.get_file_from_path("index.md") is None:
        content = home_page(readme.read_text(encoding="utf-8"))
        files.append(File.generated(config, "index.md", content=content))
    return files
