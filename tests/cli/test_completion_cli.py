"""``scriptrunner completion bash|zsh|fish`` (issue 17): scripts generated from the real
parser tree, loaded by the real shells where they are installed."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from fixtures.cli import SCRIPTRUNNER, cli_env, run_cli
from fixtures.tools import installed
from scriptrunner.cli.completion_tree import tree
from scriptrunner.cli.main import build_parser

NODES = tree(build_parser())


def script(shell: str, tmp_path: Path) -> Path:
    r = run_cli("completion", shell, env=cli_env(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    path = tmp_path / f"completion.{shell}"
    path.write_text(r.stdout)
    return path


def bash(code: str, cwd: Path) -> str:
    r = subprocess.run(
        ["bash", "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60, env=cli_env()
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return r.stdout


def test_bash_script_registers_the_completion_function(tmp_path: Path) -> None:
    out = bash(
        f"source <({shlex.quote(str(SCRIPTRUNNER))} completion bash); complete -p scriptrunner",
        tmp_path,
    )
    assert out.strip() == "complete -F _scriptrunner scriptrunner"


DRIVE = """\
source {script}
complete_words() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _scriptrunner
    printf '%s\\n' "${{COMPREPLY[*]}}"
}}
"""

CASES = [
    ("", "run history show stats workflow cost traces scan secrets db serve token completion"),
    ("co", "cost completion"),
    ("cost ", "estimate prices report actuals"),
    ("cost prices ", "show update"),
    ("cost prices show --provider ", "aws azure gcp"),
    ("cost estimate --format ", "table json csv"),
    ("completion ", "bash zsh fish"),
    ("run --retry-backoff ", "fixed linear exponential"),
    ("--home /tmp tr", "traces"),  # a global option's value is skipped
    ("traces --", "--help --run --limit --format --json --output"),
    ("token create --role ", "viewer operator"),
    ("scan code --format s", "sarif"),
    ("traces --format=j", "json"),  # bash splits at "=" (COMP_WORDBREAKS)
]


@pytest.mark.parametrize(("typed", "offered"), CASES)
def test_bash_completes_commands_options_and_choices(
    tmp_path: Path, typed: str, offered: str
) -> None:
    path = script("bash", tmp_path)
    words = ["scriptrunner", *typed.replace("=", " = ").split()]
    if typed.endswith(" ") or not typed:
        words.append("")
    code = DRIVE.format(script=path) + "complete_words " + " ".join(shlex.quote(w) for w in words)
    assert bash(code, tmp_path).split() == offered.split()


@pytest.mark.parametrize(
    "typed",
    [
        "cost estimate ",  # FILE
        "workflow run ",  # FILE
        "traces -o ",  # -o FILE
        "run ",  # the script
        "run --timeout 5 ",  # ... after an option with a value
        "run job.py --",  # the script's own arguments: files, not run's options
        "run -- ",
        "scan code ",  # PATH...
    ],
)
def test_bash_completes_file_names_where_a_path_is_expected(tmp_path: Path, typed: str) -> None:
    path = script("bash", tmp_path)
    (tmp_path / "job.py").write_text("")
    (tmp_path / "--data.csv").write_text("")  # a file whose name looks like an option
    words = ["scriptrunner", *typed.split()] + ([""] if typed.endswith(" ") else [])
    code = DRIVE.format(script=path) + "complete_words " + " ".join(shlex.quote(w) for w in words)
    offered = bash(code, tmp_path).split()
    if typed.endswith("--"):
        assert offered == ["--data.csv"]
    else:
        assert "job.py" in offered and "completion.bash" in offered


def test_bash_offers_every_command_and_option_of_the_parser_tree(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    lines = [DRIVE.format(script=path)]
    for node in NODES:
        typed = " ".join(shlex.quote(w) for w in ["scriptrunner", *node.path.split()])
        lines.append(f"complete_words {typed} ''")
        lines.append(f"complete_words {typed} -")
    out = bash("\n".join(lines), tmp_path).splitlines()
    for i, node in enumerate(NODES):
        subs, opts = out[2 * i].split(), out[2 * i + 1].split()
        if node.subs:
            assert subs == list(node.subs), node.path
        assert opts == [o for o, _ in node.options], node.path
        assert "--help" in opts


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_parse_in_their_shell(tmp_path: Path, shell: str) -> None:
    binary = installed(shell)
    path = script(shell, tmp_path)
    r = subprocess.run([binary, "-n", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_know_every_command_option_and_choice(
    tmp_path: Path, shell: str
) -> None:
    text = script(shell, tmp_path).read_text()
    if shell == "zsh":
        assert text.startswith("#compdef scriptrunner\n")
        assert "compdef _scriptrunner scriptrunner" in text
    else:
        assert "complete -c scriptrunner -f -a '(__scriptrunner_complete)'" in text
    quote = '"' if shell == "zsh" else "'"
    for node in NODES:
        assert f"{quote}{node.path}{quote}" in text, node.path
        for flag, kind in node.options:
            if kind:
                assert f"{quote}{node.path}|{flag}{quote}" in text
    assert "w:table json csv" in text and "w:bash zsh fish" in text


def test_an_unknown_shell_is_a_usage_error_listing_the_shells(tmp_path: Path) -> None:
    r = run_cli("completion", "powershell", env=cli_env(), cwd=tmp_path)
    assert r.returncode == 2
    assert "invalid choice: 'powershell' (choose from 'bash', 'zsh', 'fish')" in r.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("scriptrunner sc", {"scan"}),
        ("scriptrunner workflow r", {"run"}),
        (
            "scriptrunner scan code --format ",
            {
                "table",
                "json",
                "sarif",
                "github",
                "markdown",
                "gitlab-sast",
                "gitlab-secrets",
                "gitlab-deps",
                "codeclimate",
            },
        ),
        ("scriptrunner history --status f", {"failed"}),
    ],
)
def test_fish_completes_commands_and_choices(tmp_path: Path, line: str, expected: set[str]) -> None:
    binary = installed("fish")
    path = script("fish", tmp_path)
    r = subprocess.run(
        [
            binary,
            "--no-config",
            "-c",
            f"source {shlex.quote(str(path))}; complete -C {shlex.quote(line)}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
    )
    assert r.returncode == 0, r.stderr
    assert {w.split("\t")[0] for w in r.stdout.splitlines()} == expected
