"""The taint results' caches: an unchanged tree parses and analyses nothing; an edit in a
helper re-checks its callers (and only what its summaries reach); an edit in a caller
re-checks the helper its flows end in."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from taint_helpers import write

from scriptrunner.findings.model import ScanResult
from scriptrunner.scanners.base import ScanContext, get_scanner
from scriptrunner.scanners.code.taint import analysis
from scriptrunner.scanners.options import CodeOptions

HELPER = "import os\n\n\ndef run(command):\n    os.system(command)\n"
QUOTING_HELPER = (
    "import os\nimport shlex\n\n\ndef run(command):\n    os.system(shlex.quote(command))\n"
)
CALLER = "import sys\n\nfrom tools.helper import run\n\nrun(sys.argv[1])\n"
CONSTANT_CALLER = "from tools.helper import run\n\nrun('ls')\n"
BYSTANDER = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(
        tmp_path / "proj",
        {
            "tools/__init__.py": "",
            "tools/helper.py": HELPER,
            "tools/main.py": CALLER,
            "tools/other.py": BYSTANDER,
        },
    )


class Counts:
    def __init__(self) -> None:
        self.parsed = 0
        self.groups: list[list[str]] = []


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    seen = Counts()
    real_parse: Callable[..., Any] = ast.parse
    real_run = analysis.GroupAnalysis.run

    def parse(*args: Any, **kwargs: Any) -> Any:
        seen.parsed += 1
        return real_parse(*args, **kwargs)

    def run(self: analysis.GroupAnalysis) -> analysis.Result:
        seen.groups.append(sorted({f.module for f in self.mine}))
        return real_run(self)

    monkeypatch.setattr(ast, "parse", parse)
    monkeypatch.setattr(analysis.GroupAnalysis, "run", run)
    yield seen


def scan(project: Path, cache: Path) -> ScanResult:
    context = ScanContext(root=project, cache_dir=cache, options=CodeOptions(tools=("taint",)))
    return get_scanner("code", context).scan([project])


def places(result: ScanResult) -> set[tuple[str, int]]:
    return {(f.location.path, f.location.start_line) for f in result.findings}


def test_an_unchanged_tree_is_neither_parsed_nor_analysed(
    project: Path, tmp_path: Path, counts: Counts
) -> None:
    first = scan(project, tmp_path / "cache")
    assert places(first) == {("tools/helper.py", 5)}
    assert counts.parsed == 4 and len(counts.groups) == 4
    counts.parsed, counts.groups = 0, []
    again = scan(project, tmp_path / "cache")
    assert again.findings == first.findings and again.findings[0].flows
    assert (counts.parsed, counts.groups) == (0, [])
    assert "taint" not in again.timings  # the tool did not run


def test_an_edit_in_a_helper_rechecks_its_callers(
    project: Path, tmp_path: Path, counts: Counts
) -> None:
    scan(project, tmp_path / "cache")
    counts.groups = []
    (project / "tools/helper.py").write_text(QUOTING_HELPER)
    assert places(scan(project, tmp_path / "cache")) == set()
    # The helper changed its summary: it and its importer were analysed again, not the
    # module that imports neither.
    assert sorted(counts.groups) == [["tools.helper"], ["tools.main"]]


def test_an_edit_that_keeps_a_helpers_summaries_does_not_reanalyse_its_callers(
    project: Path, tmp_path: Path, counts: Counts
) -> None:
    scan(project, tmp_path / "cache")
    counts.groups = []
    (project / "tools/helper.py").write_text(HELPER + "\n\n# a comment at the end\n")
    assert places(scan(project, tmp_path / "cache")) == {("tools/helper.py", 5)}
    assert counts.groups == [["tools.helper"]]


def test_an_edit_in_a_caller_rechecks_the_helper_its_flow_ends_in(
    project: Path, tmp_path: Path
) -> None:
    assert places(scan(project, tmp_path / "cache")) == {("tools/helper.py", 5)}
    (project / "tools/main.py").write_text(CONSTANT_CALLER)
    assert places(scan(project, tmp_path / "cache")) == set()
    (project / "tools/main.py").write_text("\n\n" + CALLER)  # the source moved down
    [finding] = scan(project, tmp_path / "cache").findings
    assert finding.flows[0].source.location.start_line == 7
