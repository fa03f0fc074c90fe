"""The expression language through the CLI (``scriptrunner workflow eval``): GitHub's answers
for the empty expression, signed infinities and its memory limit, one clear line per error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.cli import cli

DATA = Path(__file__).parent / "data" / "github-expressions"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ("", "null"),
        ("   ", "null"),
        ("format('{0}', +Infinity)", '"Infinity"'),
        ("format('{0}|{1}|{2}', -Infinity, NaN, -0)", '"-Infinity|NaN|0"'),
        (
            "format('{0}|{1}|{2}', 1e15, 0.00001, 123456789012345678)",
            '"1E+15|1E-05|1.23456789012346E+17"',
        ),
        ("'+infinity' == Infinity", "true"),
    ],
)
def test_eval_prints_what_github_evaluates(home: Path, expression: str, printed: str) -> None:
    r = cli(home, "workflow", "eval", expression)
    assert r.returncode == 0, r.stderr
    assert r.stdout == printed + "\n"


def test_eval_stops_at_githubs_memory_limit_with_one_line(home: Path) -> None:
    # GitHub's own case: two ~787 KB strings held at once exceed its 1 MiB limit.
    case = json.loads((DATA / "syntax-errors.json").read_text())["memory-errors"][0]
    github = json.dumps(case["contexts"]["github"])
    r = cli(home, "workflow", "eval", case["expr"], "--context", f"github={github}")
    assert r.returncode == 2, r.stdout[-300:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-800:]
    assert "The maximum allowed memory size was exceeded" in lines[0]
    # One of the two strings alone is within the limit.
    half = case["expr"][len("startswith(") : case["expr"].index(", format(")]
    alone = cli(
        home, "workflow", "eval", f"startsWith({half}, 'x')", "--context", f"github={github}"
    )
    assert alone.returncode == 0 and alone.stdout == "false\n", alone.stderr


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("${{ }}", "an expression was expected inside '${{ }}'"),
        ("fromjson(a,b", "unknown context 'a'"),  # reported before the later syntax error
        ("1 <", "at column 2: unexpected end of expression after '<'"),
    ],
)
def test_eval_errors_are_githubs_and_one_line(home: Path, expression: str, message: str) -> None:
    r = cli(home, "workflow", "eval", expression)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
