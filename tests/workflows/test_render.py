"""Plan renderers: golden Mermaid and dot output, escaping, and the table rows."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.loader import load_workflow, workflow_from_dict
from scriptrunner.workflows.model import Plan
from scriptrunner.workflows.render import (
    PlanRow,
    node_ids,
    plan_table_rows,
    render_dot,
    render_mermaid,
)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden")
# UPDATE_GOLDEN=1 pytest tests/workflows/test_render.py rewrites the files after a change.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def etl_plan() -> Plan:
    return expand(load_workflow(ROOT / "examples" / "workflows" / "etl.yaml"))


def awkward_plan() -> Plan:
    """Names and values that need escaping and sanitising."""
    spec = workflow_from_dict(
        {
            "name": 'odd "name"',
            "tasks": {
                "end": {"run": "x"},
                "a-b": {"run": "x", "needs": "end", "if": "always()"},
                "a_b": {
                    "run": "x",
                    "needs": ["a-b"],
                    "matrix": {"v": ['say "hi"', "#1 <b>", "back\\slash"]},
                },
            },
        }
    )
    return expand(spec)


@pytest.mark.parametrize(
    ("render", "golden"), [(render_mermaid, "etl.mmd"), (render_dot, "etl.dot")]
)
def test_golden_files(render: object, golden: str) -> None:
    assert callable(render)
    text = render(etl_plan())
    path = GOLDEN / golden
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_node_ids_are_safe_and_unique() -> None:
    ids = node_ids(["end", "a-b", "a_b", "a b", "x (n=1)", "x (n=1.0)"])
    assert ids == {
        "end": "t_end",
        "a-b": "t_a_b",
        "a_b": "t_a_b_2",
        "a b": "t_a_b_3",
        "x (n=1)": "t_x_n_1",
        "x (n=1.0)": "t_x_n_1_0",
    }


def test_mermaid_escapes_labels() -> None:
    text = render_mermaid(awkward_plan())
    assert 't_a_b_v_say_hi["a_b (v=say #34;hi#34;)"]' in text
    assert 't_a_b_v_1_b["a_b (v=#35;1 #60;b#62;)"]' in text
    assert "    t_end --> t_a_b\n" in text
    assert "    class t_a_b conditional\n" in text
    assert text.startswith("flowchart TD\n")


def test_dot_escapes_labels() -> None:
    text = render_dot(awkward_plan())
    assert text.startswith('digraph "odd \\"name\\"" {\n')
    assert '[label="a_b (v=say \\"hi\\")"]' in text
    assert '[label="a_b (v=back\\\\slash)"]' in text
    assert 't_a_b [label="a-b", style=dashed, tooltip="if: always()"];' in text


@pytest.mark.parametrize("plan", [etl_plan, awkward_plan])
def test_graphviz_accepts_the_output(plan: object) -> None:
    # `make test` installs Debian's graphviz; without it this fails instead of hiding.
    assert shutil.which("dot"), "Graphviz `dot` is missing: run `make test` (installs graphviz)"
    assert callable(plan)
    result = subprocess.run(
        ["dot", "-Tsvg"], input=render_dot(plan()), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout


def test_table_rows_go_level_by_level() -> None:
    assert plan_table_rows(etl_plan()) == [
        # Issue #17: the condition as evaluated, success() for none.
        PlanRow(0, "extract (day=mon)", "", "success()"),
        PlanRow(0, "extract (day=wed)", "", "success()"),
        PlanRow(0, "extract (day=sun, full=true)", "", "success()"),
        PlanRow(
            1,
            "transform",
            "extract (day=mon), extract (day=wed), extract (day=sun, full=true)",
            "success()",
        ),
        PlanRow(2, "report", "transform", "always()"),
        PlanRow(2, "alert", "transform", "failure()"),
        PlanRow(3, "cleanup", "report", "success() && !(env.KEEP_DATA == 'true')"),
    ]
