"""The taint analysis' parts: URL positions, module names, the import graph, summaries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from taint_helpers import taint_scan, where, write

from scriptrunner.scanners.code.cache import NoCache
from scriptrunner.scanners.code.files import collect_sources
from scriptrunner.scanners.code.taint import project
from scriptrunner.scanners.code.taint.strings import UNKNOWN, placed
from scriptrunner.scanners.code.taint.tool import TaintTool
from scriptrunner.scanners.code.taint.values import (
    Fact,
    SinkHit,
    Source,
    Step,
    Summary,
    summary_from_json,
    summary_to_json,
)


@pytest.mark.parametrize(
    ("prefix", "fixed"),
    [
        ("", False),  # the data is the whole URL
        ("https://", False),  # ... the host
        ("https://api.example.org", False),  # ... the end of the host
        ("https://api.example.org:", False),  # ... the port
        ("https://api.example.org/items/", True),  # a path
        ("https://api.example.org?q=", True),  # a query
        ("//cdn.example.org/", True),
        ("//", False),
        ("/home/", True),  # a relative path: same site
        ("items/", True),
        (UNKNOWN + "/items/", True),  # a configured base, then a path
        (UNKNOWN, True),
        (UNKNOWN + "://", False),  # a configured scheme, then the host
        (UNKNOWN + "@", False),
        ("javascript:", False),
    ],
)
def test_where_data_sits_in_a_url(prefix: str, fixed: bool) -> None:
    assert placed(prefix) is fixed


def test_module_names_follow_packages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/app/__init__.py": "",
            "src/app/api/__init__.py": "",
            "src/app/api/views.py": "",
            "src/tool.py": "",
            "scripts/run.py": "",
        },
    )
    files = {p.relative_to(tmp_path).as_posix(): p for p in tmp_path.rglob("*.py")}
    names = project.module_names(files)
    assert names["src/app/api/views.py"] == "app.api.views"
    assert names["src/app/api/__init__.py"] == "app.api"
    assert names["src/app/__init__.py"] == "app"
    assert names["src/tool.py"] == "tool" and names["scripts/run.py"] == "run"


def test_import_targets_make_relative_imports_absolute() -> None:
    tree = ast.parse(
        "import os.path\nimport app.net as n\nfrom . import store\nfrom ..core import db\n"
        "from .util import helper as h\n\ndef f():\n    from app.lazy import thing\n"
    )
    targets = project.import_targets(tree, "app.api.views", is_init=False)
    assert {"os.path", "app.net", "app.api.store", "app.core.db", "app.api.util.helper"} <= set(
        targets
    )
    assert "app.lazy.thing" in targets  # imports inside functions count too
    assert project.absolute("x", 3, "a.b", is_init=False) is None  # beyond the top package


def test_components_come_dependencies_first_and_cones_cover_importers() -> None:
    edges = {"views": ["net", "db"], "net": ["util"], "db": ["util"], "util": [], "a": ["b"]}
    edges["b"] = ["a"]  # a cycle: one component
    order = project.components(edges)
    position = {m: n for n, comp in enumerate(order) for m in comp}
    assert position["util"] < position["net"] < position["views"]
    assert ["a", "b"] in order
    cones = project.cones(edges)
    # util's findings can come from anything that imports it, and what those import.
    assert cones["util"] == {"util", "net", "db", "views"}
    assert cones["net"] == {"net", "views", "util", "db"}
    assert cones["views"] == {"views", "net", "db", "util"}
    assert cones["a"] == cones["b"] == {"a", "b"}


def test_summaries_round_trip_through_json() -> None:
    step = Step("m.py", 3, 4, "parameter `x` of f()", 3, 5)
    summary = Summary(
        params=("self", "x", "rest"),
        positional=2,
        vararg=2,
        bound=True,
        returns=(
            Fact(1, (step,), frozenset({"shell"})),
            Fact(Source("http", "m.py", 9, 0), (step,)),
        ),
        sinks=(SinkHit(1, "ssrf", "requests.get()", (step, step), needs_text=True),),
        kind="requests.Session",
    )
    assert summary_from_json(summary_to_json(summary)) == summary


def test_names_from_two_files_with_one_module_name_do_not_mix(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "one/util.py": "import os\n\ndef run(c):\n    os.system(c)\n",
            "two/util.py": "def run(c):\n    return c\n",
            "two/main.py": "import sys\nimport util\n\nutil.run(sys.argv[1])\n",
        },
    )
    # Only one of them can be `util`: the result depends on which, but nothing breaks.
    assert {path for path, _, _ in where(taint_scan(tmp_path))} <= {"one/util.py"}


def test_code_too_deeply_nested_to_follow_is_reported_not_taken_for_clean(tmp_path: Path) -> None:
    chain = "x = sys.argv[1]" + " + x" * 900
    write(tmp_path, {"deep.py": f"import os\nimport sys\n{chain}\nos.system(x)\n"})
    files, _ = collect_sources([tmp_path], tmp_path)
    tool = TaintTool(NoCache())
    tool.file_keys(files, {})
    out = tool.analyse(files, tmp_path)
    assert [(s.target, s.tool) for s in out.skipped] == [("deep.py", "taint")]
    assert "nested too deeply" in out.skipped[0].reason
    assert out.failed_files == {"deep.py"} and not out.findings
