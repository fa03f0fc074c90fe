"""Running the taint analysis alone (no Bandit, no Semgrep) on files written by a test."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from scriptrunner.findings.model import Finding
from scriptrunner.scanners.code.cache import NoCache, ResultCache
from scriptrunner.scanners.code.files import collect_sources
from scriptrunner.scanners.code.taint.tool import TaintTool

SAMPLES = Path(__file__).with_name("taint_samples")
EXPECT = re.compile(r"#\s*expect:\s*([\w-]+)\s*$")


def taint_scan(
    root: Path, targets: list[Path] | None = None, cache: ResultCache | None = None
) -> list[Finding]:
    """The taint findings of the project under ``root`` (all its ``.py`` files)."""
    files, skipped = collect_sources(targets or [root], root)
    assert not skipped, skipped
    tool = TaintTool(cache if cache is not None else NoCache())
    tool.file_keys(files, {})
    return list(tool.analyse(files, root).findings)


def expected(root: Path, targets: list[Path]) -> set[tuple[str, int, str]]:
    """``(path, line, rule)`` of every ``# expect: RULE`` comment under ``targets``."""
    out = set()
    for target in targets:
        for path in sorted(target.rglob("*.py")):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                m = EXPECT.search(line)
                if m:
                    out.add((path.relative_to(root).as_posix(), n, m.group(1)))
    return out


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (``rel -> source``, dedented) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def where(findings: list[Finding]) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.start_line, f.rule_id) for f in findings}
