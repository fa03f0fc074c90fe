"""docs/cli.md documents every option of every parser, and nothing that is not one.

docs/cli.md has one heading per parser (``## scriptrunner CMD``, ``### scriptrunner CMD SUB``,
``#### scriptrunner cost prices show``) and under it a table whose first column lists the
option strings in backticks (``| `-o FILE`, `--output FILE` | ... |``); the shape is
described in ``tests/docs/README.md``.  Both directions are checked: every option string of
a parser is in its table (``-h``/``--help`` excepted), and every option string in a table
exists in that parser.  Old names hidden with ``argparse.SUPPRESS`` are left out of the
page but must be named in CHANGELOG.md.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scriptrunner.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"
#: Every parser has these; the page says so once.
EXEMPT = {"-h", "--help"}

_HEADING = re.compile(r"^(#{2,6})\s+`?(scriptrunner(?:\s+[a-z][a-z0-9-]*)*)")
_ANY_HEADING = re.compile(r"^#{1,6}\s")
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def parsers(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ("scriptrunner",)
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``("scriptrunner CMD SUB", parser)`` for the top parser and every sub-parser."""
    yield " ".join(words), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*words, name))


def option_strings(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """The parser's (shown, hidden) option strings."""
    shown: set[str] = set()
    hidden: set[str] = set()
    for action in parser._actions:
        (hidden if action.help == argparse.SUPPRESS else shown).update(action.option_strings)
    return shown - EXEMPT, hidden


def documented(text: str) -> dict[str, set[str]]:
    """Command -> the option strings in the first column of the tables under its heading."""
    sections: dict[str, set[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = " ".join(heading.group(2).split())
            if current in sections:
                raise AssertionError(f"docs/cli.md: two headings for {current!r}")
            sections[current] = set()
            continue
        if _ANY_HEADING.match(line):
            current = None  # a heading that is not a command ends the section
            continue
        if current is None or not line.startswith("|"):
            continue
        first = re.split(r"(?<!\\)\|", line)[1]
        for code in re.findall(r"`([^`]+)`", first):
            word = code.split()[0]
            sections[current].update(_OPTION.findall(word))
    return sections


COMMANDS = dict(parsers(build_parser()))
DOCUMENTED = documented(PAGE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_of_the_parser_is_in_its_docs_section(command: str) -> None:
    assert command in DOCUMENTED, (
        f"docs/cli.md has no heading for `{command}` (add `## {command}` or `### {command}`)"
    )
    shown, _ = option_strings(COMMANDS[command])
    missing = sorted(shown - DOCUMENTED[command])
    assert not missing, f"docs/cli.md, section `{command}`: options not documented: {missing}"


@pytest.mark.parametrize("command", sorted(DOCUMENTED))
def test_every_documented_option_exists(command: str) -> None:
    assert command in COMMANDS, f"docs/cli.md documents `{command}`, which is not a command"
    shown, hidden = option_strings(COMMANDS[command])
    unknown = sorted(DOCUMENTED[command] - shown - hidden)
    assert not unknown, f"docs/cli.md, section `{command}`: no such options: {unknown}"
    listed_hidden = sorted(DOCUMENTED[command] & hidden)
    assert not listed_hidden, (
        f"docs/cli.md, section `{command}`: {listed_hidden} are old names kept as hidden "
        "aliases; document the new name only"
    )


def test_renamed_options_are_in_the_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    missing = [
        f"{command} {old}"
        for command, parser in COMMANDS.items()
        for old in sorted(option_strings(parser)[1])
        if f"`{command.removeprefix('scriptrunner ')} {old}`" not in changelog
        and f"`{command} {old}`" not in changelog
    ]
    assert not missing, (
        "CHANGELOG.md does not name these renamed options (write "
        "- Renamed: `cmd --old` is now `cmd --new` (old name kept as an alias for 7.x)): "
        f"{missing}"
    )


def test_the_reader_finds_options_in_tables_and_ignores_prose() -> None:
    page = (
        "# Command-line reference\n\n## `scriptrunner x`\n\nprose `--not-an-option`\n\n"
        "| option | meaning |\n|---|---|\n| `-o FILE`, `--output FILE` | a `--mention` |\n"
        "| `--mode a\\|b` | choices |\n\n### scriptrunner x y\n\n| `--why` | y |\n"
        "## Notes\n\n| `--ignored` | not a command |\n"
    )
    assert documented(page) == {
        "scriptrunner x": {"-o", "--output", "--mode"},
        "scriptrunner x y": {"--why"},
    }
