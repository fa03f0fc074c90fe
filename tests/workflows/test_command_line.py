"""Splitting ``run:`` lines before substitution, and values reaching real shells as data."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.command_line import command_risks, split_command

# Scripts whose output is exactly the value (``V``); each puts the expression in another
# quoting context of the shell.
SCRIPTS = {
    "unquoted": "sh -c 'printf %s ${{ x }}'",
    "double-quoted": """sh -c 'printf %s "${{ x }}"'""",
    "single-quoted": """sh -c "printf %s '${{ x }}'" """,
    "in $( ) in quotes": """sh -c 'printf %s "$(printf %s ${{ x }})"'""",
    "assignment": "sh -c 'v=${{ x }}; printf %s \"$v\"'",
    "after a comment": "sh -c '# ${{ x }}\nprintf %s ${{ x }}'",
    "here-document": "sh -c 'cat <<EOF\n${{ x }}\nEOF'",
    "bash ANSI-C": "bash -c \"printf %s $'${{ x }}'\"",
    "options before -c": "bash -eu -o pipefail -c 'printf %s ${{ x }}'",
    "env prefix": "env A=1 sh -c 'printf %s ${{ x }}'",
}
HOSTILE = [
    "O'Brien",
    'say "hi"',
    "a  b\tc",
    "*",
    "$(touch {marker})",
    "`touch {marker}`",
    "'; touch {marker}; '",
    '"; touch {marker}; "',
    "$HOME ${{IFS}} \\ \\\\",
    "line1\nEOF\ntouch {marker}",
    "",
    "-n",
]


def run_shell(line: str, value: str, cwd: Path) -> str:
    template = split_command(line)
    argv, env = template.render([value] * len(template.expressions))
    assert all(name.startswith("SCRIPTRUNNER_EXPR_") for name in env)
    if template.script is not None:  # the script's text does not depend on the value
        other, _ = template.render(["other"] * len(template.expressions))
        assert argv[template.script] == other[template.script]
    done = subprocess.run(argv, env={**os.environ, **env}, cwd=cwd, capture_output=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()  # bytes: no newline translation of "\r"


@pytest.mark.parametrize("line", list(SCRIPTS.values()), ids=list(SCRIPTS))
@pytest.mark.parametrize("raw", HOSTILE)
def test_values_reach_the_shell_as_data(line: str, raw: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    value = raw.format(marker=marker)
    expected = value + ("\n" if "cat <<" in line else "")
    if "$'" in line and "\\" in value:
        expected = subprocess.run(
            ["bash", "-c", 'printf %s "$1"', "_", value], capture_output=True, text=True
        ).stdout
    assert run_shell(line, value, tmp_path) == expected
    assert not marker.exists()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")))
def test_any_value_prints_itself(value: str) -> None:
    out = run_shell("""sh -c 'printf "%s|" ${{ x }} "${{ x }}" -${{ x }}-'""", value, Path("/"))
    assert out == f"{value}|{value}|-{value}-|"


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("echo ${{ x }}", ["echo", "V"]),
        ("echo --name=${{ x }} '${{ x }} and more'", ["echo", "--name=V", "V and more"]),
        ("echo ${{ format('{0} {1}', 'a', 'b') }}", ["echo", "V"]),
        ("grep -c ${{ x }} file", ["grep", "-c", "V", "file"]),  # grep is not a shell
    ],
)
def test_words_are_split_before_substitution(line: str, argv: list[str]) -> None:
    template = split_command(line)
    assert template.render(["V"] * len(template.expressions)) == (argv, {})


@pytest.mark.parametrize("value", ["a b", "x --config=/etc/evil", "", "'", '"', "\\"])
def test_a_whole_argument_expression_is_one_argument(value: str) -> None:
    argv, _ = split_command("prog ${{ x }} end").render([value])
    assert argv == ["prog", value, "end"]


def test_unsplittable_lines_and_reserved_characters_are_errors() -> None:
    with pytest.raises(WorkflowError, match="No closing quotation"):
        split_command("sh -c 'echo ${{ x }}")
    with pytest.raises(WorkflowError, match="reserved"):
        split_command("echo \ue000")


@pytest.mark.parametrize(
    ("line", "risk"),
    [
        ("sh -c 'eval \"echo ${{ x }}\"'", "eval"),
        ("sh -c 'echo $(( ${{ x }} + 1 ))'", "arithmetic"),
        ("sh -c 'bash -c \"echo ${{ x }}\"'", "nested shell"),
        ("sh -c 'ssh host echo ${{ x }}'", "ssh"),
        ("sh -c \"cat <<'EOF'\n${{ x }}\nEOF\"", "quoted here-document"),
        ("python3 -c 'print(\"${{ x }}\")'", "python3 -c"),
        ("node -e 'console.log(${{ x }})'", "node -e"),
        ("awk '{print ${{ x }}}' file", "awk"),
        ("${{ x }} --help", "program to run"),
    ],
)
def test_risky_patterns_are_named(line: str, risk: str) -> None:
    risks = command_risks(split_command(line))
    assert len(risks) == 1 and risk in risks[0], risks


@pytest.mark.parametrize(
    "line",
    [
        "sh -c 'echo ${{ x }}'",
        "echo ${{ x }}",
        "python3 script.py ${{ x }}",
        "sh -c 'eval echo hi'",  # no expression: nothing to warn about
        "awk -f prog.awk ${{ x }}",
    ],
)
def test_safe_patterns_have_no_risks(line: str) -> None:
    assert command_risks(split_command(line)) == []
