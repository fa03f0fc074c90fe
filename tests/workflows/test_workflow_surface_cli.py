"""Issue #17 through the real CLI: undeclared secrets, plain progress with retry lines,
graphs that their tools accept, and the one vocabulary on every ``workflow`` parser."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from fixtures.cli import cli
from fixtures.tools import installed

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


# -- undeclared secrets ----------------------------------------------------------------------


def _yaml_after(page: Path, marker: str) -> str:
    text = page.read_text()
    block = text[text.index(marker) :]
    start = block.index("```yaml\n") + len("```yaml\n")
    return block[start : block.index("```", start)]


def test_an_undeclared_secret_is_a_validation_error_naming_the_fix(
    tmp_path: Path, home: Path
) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text("tasks:\n  load:\n    run: python load.py --user ${{ secrets.DB_USER }}\n")
    for command in ("validate", "run", "plan"):
        r = cli(home, "workflow", command, str(wf))
        assert r.returncode == 2, command
        assert r.stderr.strip().splitlines() == [
            f"scriptrunner: error: {wf}:3: tasks.load.run: secrets.DB_USER is not declared; "
            "declare it under secrets (declared: none)"
        ]


def test_the_secrets_page_declares_what_its_workflow_uses(tmp_path: Path, home: Path) -> None:
    example = _yaml_after(DOCS / "secrets.md", "### Workflows")
    (tmp_path / "wf.yaml").write_text(example)
    r = cli(home, "workflow", "validate", "wf.yaml")
    assert r.returncode == 0, r.stderr


# -- progress off a terminal -----------------------------------------------------------------

FLAKY = """
name: flaky
tasks:
  fetch:
    run: sh -c 'echo x >> tries; echo attempt-output; test $(wc -l < tries) -ge 2 || exit 2'
    retries: {max: 2, backoff: fixed, delay: 0.2}
  use:
    needs: [fetch]
    run: echo used
"""


def test_plain_progress_is_one_line_per_state_change_with_retry_lines(
    tmp_path: Path, home: Path
) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(FLAKY))
    r = cli(home, "workflow", "run", "wf.yaml")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stderr  # no colour, no cursor movement
    progress = [line for line in r.stderr.splitlines() if re.match(r"^(fetch|use): ", line)]
    assert [re.sub(r" \(exit [^)]*\)$", "", line) for line in progress] == [
        "fetch: started",
        "fetch: attempt 1 exited 2; retrying in 0.2 s (2 of 3)",
        "fetch: succeeded",
        "use: started",
        "use: succeeded",
    ]
    # The runner's own markers never reach a task's stored output.
    run_id = r.stderr.strip().rsplit("run ", 1)[1]
    shown = json.loads(cli(home, "show", run_id, "--json").stdout)
    fetch = shown["tasks"]["fetch"]
    stored = json.loads(cli(home, "show", fetch["id"], "--json").stdout)
    assert stored["stdout_tail"] == "attempt-output\nattempt-output\n"
    assert not stored["stderr_tail"]


def test_the_retry_line_says_the_wait_the_runner_drew(tmp_path: Path, home: Path) -> None:
    """With jitter the wait is random: the line shows the one drawn (stored as the next
    attempt's ``delay_before``), not the policy's longest."""
    (tmp_path / "wf.yaml").write_text(
        "tasks:\n  t:\n    run: sh -c 'test -e done || { touch done; exit 1; }'\n"
        "    retries: {max: 1, delay: 2, jitter: 0.9, backoff: fixed}\n"
    )
    r = cli(home, "workflow", "run", "wf.yaml")
    assert r.returncode == 0, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("t: attempt 1")]
    said = float(
        re.fullmatch(r"t: attempt 1 exited 1; retrying in ([0-9.]+) s \(2 of 2\)", line)[1]
    )
    shown = json.loads(cli(home, "show", "last", "--json").stdout)
    waited = shown["tasks"]["t"]["attempts"][1]["delay_before"]
    assert said == round(waited, 1) and 0.2 <= waited <= 2.0


def test_quiet_and_json_print_no_progress(tmp_path: Path, home: Path) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(FLAKY))
    for flag in ("-q", "--json"):
        r = cli(home, "workflow", "run", "wf.yaml", flag)
        assert r.returncode == 0 and "started" not in r.stderr, flag


# -- graphs ----------------------------------------------------------------------------------

ODD = """
name: 'odd "name" \\ here'
tasks:
  end: {run: "true"}
  node: {run: "true", needs: [end]}
  subgraph: {run: "true", needs: [node], if: "failure()"}
  build: {run: "true", needs: [subgraph], matrix: {os: ['x"y', "<z>", "#1", "a\\b", "é;"]}}
"""


def test_dot_output_is_accepted_by_graphviz(tmp_path: Path, home: Path) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(ODD))
    out = tmp_path / "graph.dot"
    r = cli(home, "workflow", "graph", "wf.yaml", "--format", "dot", "-o", str(out))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    dot = installed("dot")
    svg = subprocess.run([dot, "-Tsvg", str(out)], capture_output=True, text=True, check=False)
    assert svg.returncode == 0 and not svg.stderr, svg.stderr
    assert "build (os=x&quot;y)" in svg.stdout and "build (os=é;)" in svg.stdout


def test_mermaid_output_is_a_flowchart_mermaid_parses(tmp_path: Path, home: Path) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(ODD))
    r = cli(home, "workflow", "graph", "wf.yaml")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    node = re.compile(r'^    t_\w+\["[^"\n]*"\]$')
    edge = re.compile(r"^    t_\w+ --> t_\w+$")
    other = re.compile(r"^    (%%.*|classDef \w+ .+|class [\w,]+ \w+)$")
    for line in lines[1:]:
        assert node.match(line) or edge.match(line) or other.match(line), line
    assert not any(" end" == line.split("[")[0].strip() for line in lines)


def test_the_workflows_page_does_not_pipe_mermaid_into_graphviz() -> None:
    page = (DOCS / "workflows.md").read_text()
    assert "mermaid|dot" not in page
    for line in page.splitlines():
        if "| dot " in line:
            assert "--format dot" in line, line


# -- the one vocabulary ----------------------------------------------------------------------


def _workflow_parsers() -> dict[str, argparse.ArgumentParser]:
    from scriptrunner.cli.main import build_parser

    parser = build_parser("workflow")
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    group = top.choices["workflow"]
    sub = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))
    return {"workflow": group, **{f"workflow {n}": p for n, p in sub.choices.items()}}


@pytest.mark.parametrize("name", sorted(_workflow_parsers()))
def test_every_workflow_parser_speaks_the_vocabulary(name: str) -> None:
    from scriptrunner.cli import options

    parser = _workflow_parsers()[name]
    assert parser.formatter_class is options.Formatter
    epilog = parser.epilog or ""
    assert "examples:\n" in epilog, name
    examples = epilog.split("examples:\n", 1)[1].splitlines()
    assert 2 <= len(examples) <= 3 and all("scriptrunner workflow" in e for e in examples)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        assert action.help, (name, action.option_strings or action.dest)


@pytest.mark.parametrize(
    "args",
    [["plan", "--format", "json"], ["plan", "--json"], ["plan", "--format", "table"]],
)
def test_plan_formats_and_output_file(tmp_path: Path, home: Path, args: list[str]) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent(FLAKY))
    out = tmp_path / "out.txt"
    r = cli(home, "workflow", args[0], "wf.yaml", *args[1:], "-o", str(out))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    text = out.read_text()
    if "table" in args:
        assert text.splitlines()[0].split() == ["LEVEL", "INSTANCE", "NEEDS", "CONDITION"]
    else:
        assert [row["instance"] for row in json.loads(text)] == ["fetch", "use"]


def test_workflow_help_ends_with_examples(home: Path) -> None:
    for command in ("run", "plan", "graph", "validate", "eval"):
        r = cli(home, "workflow", command, "--help")
        assert r.returncode == 0
        assert "examples:\n  scriptrunner workflow" in r.stdout, command
