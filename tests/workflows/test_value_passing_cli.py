"""Issue #15 defect 4: a value from an output, matrix, env or secret never changes the
structure of a ``run:`` command.  Through the real ``scriptrunner workflow run``; marker files
prove that nothing extra ran."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fixtures.cli import cli

#: Writes ``NAME=VALUE`` (argv pairs) to the task's outputs file, whole values.
EMIT = """
import os, sys
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a", encoding="utf-8") as out:
    for pair in sys.argv[1:]:
        out.write(pair + "\\n")
"""
#: Appends its arguments (as a JSON list) to argv.jsonl.
ARGV = """
import json, sys
with open("argv.jsonl", "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "emit.py").write_text(EMIT)
    (tmp_path / "argv.py").write_text(ARGV)
    return tmp_path / "home"


def run_workflow(tmp_path: Path, home: Path, text: str) -> dict[str, Any]:
    wf = tmp_path / "wf.yaml"
    wf.write_text(textwrap.dedent(text))
    r = cli(home, "workflow", "run", str(wf), "--json")
    assert "Traceback" not in r.stderr, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def stdout_of(home: Path, data: dict[str, Any], task: str) -> str:
    run_id = data["tasks"][task]["id"]
    assert run_id, data["tasks"][task]
    shown = json.loads(cli(home, "show", run_id, "--json").stdout)
    return str(shown["stdout_tail"])


def test_output_cannot_inject_commands_into_a_shell_script(tmp_path: Path, home: Path) -> None:
    marker = tmp_path / "pwned"
    value = f"feature';touch${{IFS}}{marker};'"
    data = run_workflow(
        tmp_path,
        home,
        f"""
        tasks:
          get:
            script: emit.py
            args: ["branch={value}"]
          use:
            needs: [get]
            run: sh -c 'echo checking out ${{{{ needs.get.outputs.branch }}}}'
        """,
    )
    assert data["tasks"]["use"]["state"] == "succeeded", data["tasks"]["use"]
    assert not marker.exists(), "the output's text ran as a command"
    assert stdout_of(home, data, "use") == f"checking out {value}\n"


def test_output_with_spaces_stays_one_argument(tmp_path: Path, home: Path) -> None:
    data = run_workflow(
        tmp_path,
        home,
        f"""
        tasks:
          get:
            script: emit.py
            args: ["arg=x --config=/etc/evil", "empty="]
          use:
            needs: [get]
            run: {sys.executable} argv.py ${{{{ needs.get.outputs.arg }}}} --name=${{{{ needs.get.outputs.arg }}}} ${{{{ needs.get.outputs.empty }}}}
        """,
    )
    assert data["status"] == "succeeded", data["tasks"]
    argv = json.loads((tmp_path / "argv.jsonl").read_text())
    assert argv == ["x --config=/etc/evil", "--name=x --config=/etc/evil", ""]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("""sh -c 'echo hello ${{ matrix.name }}'""", "hello {v}\n"),
        ("""sh -c 'echo "hello ${{ matrix.name }}!"'""", "hello {v}!\n"),
        ("""sh -c "echo 'hello ${{ matrix.name }}!'" """, "hello {v}!\n"),
        ("""bash -ec 'x=${{ matrix.name }}; echo "$x"'""", "{v}\n"),
        ("""sh -c 'cat <<EOF\nhello ${{ matrix.name }}\nEOF'""", "hello {v}\n"),
    ],
    ids=["unquoted", "double-quoted", "single-quoted", "assignment", "heredoc"],
)
def test_matrix_values_reach_the_shell_as_data(
    tmp_path: Path, home: Path, script: str, expected: str
) -> None:
    marker = tmp_path / "pwned"
    values = ["O'Brien", f'"; touch {marker}; echo "', f"$(touch {marker})", f"`touch {marker}`"]
    data = run_workflow(
        tmp_path,
        home,
        f"""
        tasks:
          greet:
            run: {json.dumps(script)}
            matrix:
              name: {json.dumps(values)}
        """,
    )
    assert data["status"] == "succeeded", data["tasks"]
    assert not marker.exists(), "a matrix value ran as a command"
    shown = {stdout_of(home, data, task) for task in data["tasks"]}
    assert shown == {expected.format(v=v) for v in values}


def test_secrets_and_env_in_shell_scripts_are_data(tmp_path: Path, home: Path) -> None:
    marker = tmp_path / "pwned"
    data = run_workflow(
        tmp_path,
        home,
        f"""
        env: {{GREETING: "hi; touch {marker}"}}
        tasks:
          say:
            run: sh -c 'echo ${{{{ env.GREETING }}}}'
        """,
    )
    assert data["status"] == "succeeded", data["tasks"]
    assert not marker.exists()
    assert stdout_of(home, data, "say") == f"hi; touch {marker}\n"


def test_validate_warns_on_patterns_that_stay_risky(tmp_path: Path, home: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        textwrap.dedent(
            """
            tasks:
              get: {run: "true"}
              evil:
                needs: [get]
                run: sh -c 'eval "echo ${{ needs.get.outputs.x }}"'
              code:
                needs: [get]
                run: python3 -c 'print("${{ needs.get.outputs.x }}")'
              safe:
                needs: [get]
                run: sh -c 'echo ${{ needs.get.outputs.x }}'
            """
        )
    )
    r = cli(home, "workflow", "validate", str(wf))
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2, r.stderr
    assert f"{wf}:6: tasks.evil.run:" in warnings[0] and "eval" in warnings[0]
    assert f"{wf}:9: tasks.code.run:" in warnings[1] and "python3 -c" in warnings[1]


def test_a_value_with_a_nul_byte_ends_the_task_with_a_clear_error(
    tmp_path: Path, home: Path
) -> None:
    (tmp_path / "nul.py").write_text(
        "import os\n"
        "with open(os.environ['SCRIPTRUNNER_OUTPUT'], 'a') as f:\n"
        "    f.write('v=a\\0b\\n')\n"
    )
    data = run_workflow(
        tmp_path,
        home,
        """
        tasks:
          get: {script: nul.py}
          shell: {needs: get, run: "sh -c 'echo ${{ needs.get.outputs.v }}'"}
          arg: {needs: get, run: "echo ${{ needs.get.outputs.v }}"}
          env: {needs: get, run: "true", env: {V: "${{ needs.get.outputs.v }}"}}
        """,
    )
    for task in ("shell", "arg", "env"):
        assert data["tasks"][task]["state"] == "error"
        assert "NUL byte" in data["tasks"][task]["reason"], data["tasks"][task]
