"""Task outputs: the ``$SCRIPTRUNNER_OUTPUT`` format, its limits, and outputs flowing
between real task processes."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import RunnerError
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.loader import workflow_from_dict
from scriptrunner.workflows.outputs import MAX_OUTPUT_BYTES, parse_outputs, read_outputs
from scriptrunner.workflows.results import WorkflowResult

# -- parse_outputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("rows=148\n", {"rows": "148"}),
        ("rows=148", {"rows": "148"}),  # no final newline
        ("a=1\nb=2\n", {"a": "1", "b": "2"}),
        ("a=1\na=2\n", {"a": "2"}),  # the later assignment wins
        ("url=https://x/?q=1&r=2\n", {"url": "https://x/?q=1&r=2"}),  # only the first = splits
        ("empty=\n", {"empty": ""}),
        (" padded = value \n", {"padded": " value "}),  # the key is stripped, the value not
        ("\n\na=1\n\n", {"a": "1"}),  # blank lines are ignored
        ("a=1\r\nb=2\r\n", {"a": "1", "b": "2"}),  # CRLF files
        ("expr=x<<y\n", {"expr": "x<<y"}),  # << after = is part of the value
        ("text<<EOF\nline 1\nline 2\nEOF\n", {"text": "line 1\nline 2"}),
        ("text<<EOF\r\none\r\nEOF\r\n", {"text": "one"}),
        ("text<<EOF\nEOF\n", {"text": ""}),
        ("text<<EOF\n\n\nEOF\n", {"text": "\n"}),  # blank lines inside a value are kept
        ("text<<EOF\nx=1\nEOFX\nEOF\n", {"text": "x=1\nEOFX"}),  # only the exact line closes
        ("a<<EOF\nk=v\nEOF\nb=2\n", {"a": "k=v", "b": "2"}),
        ('json<<END\n{"a": 1}\nEND\njson<<END\n[]\nEND\n', {"json": "[]"}),
        ("spaced << EOF \nv\nEOF\n", {"spaced": "v"}),
    ],
)
def test_parse_outputs(text: str, expected: dict[str, str]) -> None:
    assert parse_outputs(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=1\njust text\n", "out.txt:2: expected NAME=VALUE or NAME<<DELIMITER, got 'just text'"),
        ("=value\n", "out.txt:1: expected NAME=VALUE"),
        ("a=1\n\nb=2\ntext<<EOF\nnever closed\n", "out.txt:4: the value of 'text' is not closed"),
        ("<<EOF\nx\nEOF\n", "out.txt:1: expected NAME<<DELIMITER"),
        ("name<<\nx\n", "out.txt:1: expected NAME<<DELIMITER"),
        ("a<<EOF\nEOF \n", "out.txt:1: the value of 'a' is not closed by a line 'EOF'"),
        ("ok=1\n../../evil=x\n", "out.txt:2: output name '../../evil' is not valid"),
        ("a b=1\n", "out.txt:1: output name 'a b' is not valid"),
        ("-x<<EOF\nv\nEOF\n", "out.txt:1: output name '-x' is not valid"),
        ("\u00e9=1\n", "out.txt:1: output name '\u00e9' is not valid"),
        ("=1\n", "out.txt:1: expected NAME=VALUE or NAME<<DELIMITER, got '=1': the output name is"),
    ],
)
def test_parse_outputs_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(RunnerError) as info:
        parse_outputs(text, source="out.txt")
    assert str(info.value).startswith(message), str(info.value)


def test_parse_outputs_default_source_is_the_variable() -> None:
    with pytest.raises(RunnerError, match=r"^\$SCRIPTRUNNER_OUTPUT:1: "):
        parse_outputs("oops\n")


def test_read_outputs_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_outputs(tmp_path / "never-written") == {}


def test_read_outputs_accepts_exactly_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "out"
    prefix = b"big="
    path.write_bytes(prefix + b"x" * (MAX_OUTPUT_BYTES - len(prefix)))
    assert len(read_outputs(path)["big"]) == MAX_OUTPUT_BYTES - len(prefix)
    path.write_bytes(prefix + b"x" * (MAX_OUTPUT_BYTES - len(prefix) + 1))
    with pytest.raises(RunnerError, match=f"more than the {MAX_OUTPUT_BYTES} allowed"):
        read_outputs(path)


def test_read_outputs_replaces_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"name=caf\xe9\n")
    assert read_outputs(path) == {"name": "caf\ufffd"}


# -- outputs between real tasks ----------------------------------------------------------


def write_script(tmp_path: Path, name: str, body: str) -> str:
    (tmp_path / name).write_text(textwrap.dedent(body))
    return name


WRITER = """\
    import os, sys
    with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(sys.argv[1].encode().decode("unicode_escape"))
    if len(sys.argv) > 2:
        out = open(os.environ["SCRIPTRUNNER_OUTPUT"], "ab")
        out.write(b"x" * int(sys.argv[2]))
"""

ECHO = """\
    import json, os, sys
    print(json.dumps({"args": sys.argv[1:], "env": os.environ.get("VALUE")}))
"""


def run(tmp_path: Path, tasks: dict[str, Any]) -> WorkflowResult:
    write_script(tmp_path, "writer.py", WRITER)
    write_script(tmp_path, "echo.py", ECHO)
    spec = workflow_from_dict({"tasks": tasks}, base_dir=tmp_path)
    return WorkflowEngine(options=EngineOptions(max_parallel=2)).run(expand(spec))


def echoed(result: WorkflowResult, iid: str) -> dict[str, Any]:
    run = result.tasks[iid].run
    assert run is not None
    return json.loads(run.stdout.text)  # type: ignore[no-any-return]


def test_later_tasks_read_single_and_multi_line_outputs(tmp_path: Path) -> None:
    written = "rows=148\\nsummary<<EOF\\nmon: 22 orders\\nsun: 96 'orders'\\nEOF\\n"
    result = run(
        tmp_path,
        {
            "extract": {"script": "writer.py", "args": [written]},
            "report": {
                "needs": "extract",
                "script": "echo.py",
                "args": [
                    "${{ needs.extract.outputs.rows }}",
                    "${{ needs.extract.outputs.summary }}",
                ],
                "env": {"VALUE": "${{ needs.extract.outputs.summary }}"},
            },
            "by_run": {
                "needs": "extract",
                "run": f"{sys.executable} echo.py ${{{{ needs.extract.outputs.rows }}}} "
                "${{ toJSON(needs.extract.outputs.missing) }}",
            },
        },
    )
    assert result.ok, {i: (t.state, t.reason) for i, t in result.tasks.items()}
    summary = "mon: 22 orders\nsun: 96 'orders'"
    assert result.tasks["extract"].outputs == {"rows": "148", "summary": summary}
    assert echoed(result, "report") == {"args": ["148", summary], "env": summary}
    # A missing output is null, like in GitHub.
    assert echoed(result, "by_run")["args"] == ["148", "null"]


def test_malformed_outputs_end_the_task_as_error(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        {
            "bad": {"script": "writer.py", "args": ["ok=1\\nnot an output line\\n"]},
            "after": {"needs": "bad", "script": "echo.py"},
            "handler": {"needs": "bad", "if": "failure()", "script": "echo.py"},
        },
    )
    bad = result.tasks["bad"]
    assert bad.state == "error" and bad.result == "failure"
    # The process itself succeeded; its outputs are what failed.
    assert bad.run is not None and bad.run.attempts[0].status == "succeeded"
    assert bad.reason is not None
    assert ":2: expected NAME=VALUE or NAME<<DELIMITER, got 'not an output line'" in bad.reason
    assert bad.outputs == {}
    assert result.tasks["after"].state == "skipped"
    assert result.tasks["handler"].state == "succeeded"
    assert not result.ok


def test_unclosed_heredoc_names_its_first_line(tmp_path: Path) -> None:
    result = run(tmp_path, {"bad": {"script": "writer.py", "args": ["a=1\\nlog<<EOF\\nx\\n"]}})
    reason = result.tasks["bad"].reason or ""
    assert result.tasks["bad"].state == "error"
    assert ":2: the value of 'log' is not closed by a line 'EOF'" in reason, reason


def test_outputs_over_one_mebibyte_are_rejected(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        {
            "flood": {"script": "writer.py", "args": ["big=", str(MAX_OUTPUT_BYTES)]},
            "fits": {"script": "writer.py", "args": ["big=", str(MAX_OUTPUT_BYTES - 4)]},
        },
    )
    flood = result.tasks["flood"]
    assert flood.state == "error"
    assert f"more than the {MAX_OUTPUT_BYTES} allowed" in (flood.reason or "")
    assert flood.outputs == {}
    assert result.tasks["fits"].state == "succeeded"
    assert len(result.tasks["fits"].outputs["big"]) == MAX_OUTPUT_BYTES - 4


def test_each_attempt_starts_with_empty_outputs(tmp_path: Path) -> None:
    write_script(
        tmp_path,
        "flaky.py",
        """\
        import os, sys
        n = int(os.environ["SCRIPTRUNNER_ATTEMPT"])
        with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a") as out:
            out.write(f"attempt_{n}=yes\\nlast={n}\\n")
        sys.exit(0 if n == 2 else 1)
        """,
    )
    result = run(tmp_path, {"flaky": {"script": "flaky.py", "retries": {"max": 2, "delay": 0.01}}})
    assert result.tasks["flaky"].state == "succeeded"
    assert result.tasks["flaky"].outputs == {"attempt_2": "yes", "last": "2"}


def test_matrix_outputs_merge_in_plan_order(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        {
            "m": {
                "script": "writer.py",
                "args": ["shared=${{ matrix.day }}\\nown_${{ matrix.day }}=1\\n"],
                "matrix": {"day": ["mon", "tue", "wed"]},
            },
            "after": {
                "needs": "m",
                "script": "echo.py",
                "args": ["${{ needs.m.outputs.shared }}", "${{ toJSON(needs.m.outputs) }}"],
            },
        },
    )
    assert result.ok
    shared, merged = echoed(result, "after")["args"]
    assert shared == "wed"
    assert json.loads(merged) == {"shared": "wed", "own_mon": "1", "own_tue": "1", "own_wed": "1"}
