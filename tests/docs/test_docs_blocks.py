"""Every fenced block of README.md and docs/**/*.md is run, compared or validated.

The conventions pages follow are in ``tests/docs/README.md``.  One test per page: its
blocks run in page order in one sandbox (``docsandbox.Sandbox``).  A block in an unknown
language or with an unknown annotation fails, so nothing goes unchecked by accident; skipped
blocks are counted by reason and the session ends with a ``docs: ...`` summary line
(``tests/conftest.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from docblocks import Block, blocks_of
from docchecks import (
    ANNOTATIONS,
    DATA,
    ILLUSTRATIVE,
    LANGUAGES,
    SHELL,
    check_console,
    check_data,
    check_python,
    check_shell,
)
from docsandbox import ROOT, Sandbox, fill, newest_run, newest_token, newest_trace, uses

#: Placeholders a block may use (whole words, filled only when a block uses them).
PLACEHOLDERS: dict[str, Callable[[Sandbox], str]] = {
    # The newest run or workflow run in the page's history store.
    "RUN_ID": newest_run,
    # The newest trace in the page's history store (as `scriptrunner traces` lists them).
    "TRACE_ID": newest_trace,
    # The newest API token's id (`scriptrunner token list`).
    "TOKEN_ID": newest_token,
    # The offline OSV advisory database kept next to the repository (../shared/advisory-db).
    "ADVISORY_DB": lambda box: str((ROOT.parent / "shared" / "advisory-db").resolve()),
    # The repository (its examples/ and docs/).
    "REPO_ROOT": lambda box: str(ROOT),
}

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _malformed(block: Block) -> list[str]:
    problems: list[str] = []
    if block.lang not in LANGUAGES:
        known = ", ".join(lang for lang in LANGUAGES if lang)
        problems.append(f"unknown language {block.lang!r} (known: {known}, or none)")
    problems += [
        f"unknown annotation <!-- {key}: --> (known: {', '.join(ANNOTATIONS)})"
        for key in block.annotations
        if key not in ANNOTATIONS
    ]
    problems += [
        f"malformed annotation {text} (write <!-- key: value -->)" for text in block.malformed
    ]
    if "exit" in block.annotations and not block.annotations["exit"].isdigit():
        problems.append(f"<!-- exit: {block.annotations['exit']} --> is not an exit code")
    if "skip" in block.annotations and not block.annotations["skip"].strip():
        problems.append("<!-- skip: --> needs a reason (network, root, ...)")
    return problems


def check_block(block: Block, box: Sandbox, scratch: Path) -> list[str]:
    """The block's problems; runs it (or writes it) in ``box``."""

    def filled(text: str) -> str:
        return fill(text, box, PLACEHOLDERS)

    if "file" in block.annotations and block.lang not in DATA:
        box.write(block.annotations["file"], block.text)
        return []
    if block.lang == "console":
        return check_console(block, box, filled)
    if block.lang in SHELL:
        return check_shell(block, box, filled, lambda line: uses(line, PLACEHOLDERS))
    if block.lang == "python":
        return check_python(block, box, filled)
    if block.lang in DATA:
        return check_data(block, box, scratch)
    return []


def skip_reason(block: Block) -> str:
    reason = block.annotations["skip"].strip()
    return reason.split()[0].rstrip(":,;.—-") or reason


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_blocks(page: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    name = str(page.relative_to(ROOT))
    box = Sandbox(tmp_path / "sandbox")
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    failures: list[str] = []
    for n, block in enumerate(blocks_of(page, name)):
        problems = _malformed(block)
        if not problems and "skip" in block.annotations:
            skipped[skip_reason(block)] += 1
            continue
        if not problems and block.lang in ILLUSTRATIVE and "file" not in block.annotations:
            counts["illustrative"] += 1
            continue
        if not problems:
            try:
                problems = check_block(block, box, tmp_path / "scratch" / str(n))
            except Exception as exc:  # a placeholder without a value, a timeout...
                problems = [f"{type(exc).__name__}: {exc}"]
        counts["checked"] += 1
        if problems:
            counts["failing"] += 1
            failures += [f"{block.where} ({block.lang or 'no language'}): {p}" for p in problems]
    request.node.user_properties.append(
        ("docs_blocks", json.dumps({"counts": counts, "skipped": skipped, "page": name}))
    )
    if failures:
        # The message says it all; the test's own code is not the point of the report.
        pytest.fail(
            f"{name}: {counts['failing']} block(s) fail:\n" + "\n".join(failures), pytrace=False
        )
