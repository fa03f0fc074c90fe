"""The one vocabulary (issue 17) on the parsers of traces, cost, secrets, db, serve, token,
completion and the top level: examples in every ``--help``, help text on every option, help
that wraps to the terminal, ``--format``/``--json``/``-o`` on the listings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from scriptrunner.cli import options
from scriptrunner.cli.main import build_parser

PARSERS = [
    (),
    ("traces",),
    ("cost",),
    ("cost", "estimate"),
    ("cost", "prices"),
    ("cost", "prices", "show"),
    ("cost", "prices", "update"),
    ("cost", "report"),
    ("cost", "actuals"),
    ("secrets",),
    ("secrets", "get"),
    ("db",),
    ("db", "update"),
    ("serve",),
    ("token",),
    ("token", "create"),
    ("token", "list"),
    ("token", "revoke"),
    ("completion",),
]
COLUMNS = 70


def parser_at(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in path:
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("path", PARSERS, ids=lambda p: " ".join(p) or "scriptrunner")
def test_help_ends_with_examples_and_wraps_to_the_terminal(
    tmp_path: Path, path: tuple[str, ...]
) -> None:
    r = run_cli(*path, "--help", env=cli_env(COLUMNS=str(COLUMNS)), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text, examples = r.stdout.split("\nexamples:\n")
    lines = examples.splitlines()
    assert 2 <= len(lines) <= 3, examples
    assert all(line.startswith("  ") and "scriptrunner" in line for line in lines)
    assert all(" ".join(path) in line for line in lines), examples
    long = [line for line in text.splitlines() if len(line) > COLUMNS]
    assert long == []


@pytest.mark.parametrize("path", PARSERS, ids=lambda p: " ".join(p) or "scriptrunner")
def test_every_option_has_help_and_a_metavar_or_choices(path: tuple[str, ...]) -> None:
    parser = parser_at(path)
    assert parser.formatter_class is options.Formatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{' '.join(path)} {name} has no help"
        if action.option_strings and action.nargs != 0:
            assert action.metavar or action.choices, f"{' '.join(path)} {name}: no metavar"


def test_version_prints_the_version(tmp_path: Path) -> None:
    from scriptrunner.version import __version__

    r = run_cli("--version", env=cli_env(), cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, f"scriptrunner {__version__}\n")


MANIFEST = """\
resources:
  - name: web
    type: aws.ec2
    instance_type: m5.large
    region: us-east-1
"""


def test_report_commands_write_to_output_and_keep_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home))
    (tmp_path / "costs.yaml").write_text(MANIFEST)
    as_json = run_cli("cost", "estimate", "costs.yaml", "--json", env=env, cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    to_file = run_cli(
        "cost",
        "estimate",
        "costs.yaml",
        "--format",
        "json",
        "-o",
        "est.json",
        env=env,
        cwd=tmp_path,
    )
    assert (to_file.returncode, to_file.stdout) == (0, "")
    assert json.loads((tmp_path / "est.json").read_text()) == json.loads(as_json.stdout)

    assert run_cli("run", "-q", "--trace", "--", "true", env=env, cwd=tmp_path).returncode == 0
    listed = run_cli("traces", env=env, cwd=tmp_path)
    traces = run_cli("traces", "-o", "traces.txt", env=env, cwd=tmp_path)
    assert (traces.returncode, traces.stdout) == (0, "")
    assert (tmp_path / "traces.txt").read_text() == listed.stdout
    shown = run_cli("traces", "--json", env=env, cwd=tmp_path)
    assert json.loads(shown.stdout)[0]["spans"][0]["name"] == "run true"

    for args in (("cost", "prices", "show", "--provider", "aws"), ("token", "list")):
        out = run_cli(*args, "--json", "-o", "out.json", env=env, cwd=tmp_path)
        assert (out.returncode, out.stdout) == (0, ""), out.stderr
        assert json.loads((tmp_path / "out.json").read_text()) is not None


def test_an_output_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    r = run_cli(
        "cost", "prices", "show", "-o", str(tmp_path / "no" / "such.txt"), env=env, cwd=tmp_path
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "such.txt: cannot write" in r.stderr
