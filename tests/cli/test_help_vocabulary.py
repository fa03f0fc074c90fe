"""One vocabulary across every ``--help`` (issue 17): every parser explains every option,
ends with examples that parse, wraps through the shared formatter, and no option name
means two different things in two commands."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator

import pytest

from scriptrunner.cli import options
from scriptrunner.cli.main import build_parser


def _parsers(
    parser: argparse.ArgumentParser,
) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield from _parsers(sub)


PARSERS = {p.prog: p for p in _parsers(build_parser())}


def _options(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.option_strings and action.help != argparse.SUPPRESS:
            if not isinstance(action, argparse._HelpAction):
                yield action


@pytest.mark.parametrize("prog", sorted(PARSERS))
def test_every_option_has_help(prog: str) -> None:
    bare = [a.option_strings[-1] for a in _options(PARSERS[prog]) if not (a.help or "").strip()]
    assert bare == [], f"{prog}: options without help text"


@pytest.mark.parametrize("prog", sorted(PARSERS))
def test_every_help_wraps_and_ends_with_examples_that_parse(prog: str) -> None:
    parser = PARSERS[prog]
    assert issubclass(parser.formatter_class, options.Formatter), prog
    epilog = parser.epilog or ""
    assert "examples:\n" in epilog, f"{prog}: no examples in --help"
    lines = [
        line.strip() for line in epilog.split("examples:\n", 1)[1].splitlines() if line.strip()
    ]
    assert 2 <= len(lines) <= 3, f"{prog}: {len(lines)} examples (want 2 or 3)"
    words = prog.split()[1:]
    for line in lines:
        argv = _command(line)
        # An example belongs to its page: after global options, this parser's command words.
        assert _command_words(argv)[: len(words)] == words, f"{prog}: {line!r} is another's"
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:  # pragma: no cover - the failure message says which
            pytest.fail(f"{prog}: example {line!r} does not parse (exit {exc.code})")


_SHELL = ("|", ">", ">>", "<", "&&", ";", "#", ")")


def _command(line: str) -> list[str]:
    """The scriptrunner arguments of an example line, without the shell around them
    (``source <(scriptrunner completion bash)``, ``... | wc -c``, ``... > file``)."""
    lexer = shlex.shlex(line.replace("<(", "( "), posix=True, punctuation_chars="|&;<>()")
    lexer.whitespace_split = True
    tokens = list(lexer)
    assert "scriptrunner" in tokens, line
    argv: list[str] = []
    for token in tokens[tokens.index("scriptrunner") + 1 :]:
        if token in _SHELL or token.startswith("#"):
            break
        argv.append(token)
    return argv


def _command_words(argv: list[str]) -> list[str]:
    words, args = [], iter(argv)
    for arg in args:
        if arg in ("--home", "--database-url"):
            next(args, None)
        elif not arg.startswith("-"):
            words.append(arg)
    return words


def test_no_option_name_means_two_things() -> None:
    """The same option string takes a value everywhere or nowhere, with one metavar."""
    seen: dict[str, tuple[object, str]] = {}
    clashes = []
    for prog, parser in PARSERS.items():
        for action in _options(parser):
            shape = (action.nargs if action.nargs == 0 else "value", str(action.metavar))
            for flag in action.option_strings:
                if flag in seen and seen[flag][0] != shape:
                    clashes.append(f"{flag}: {seen[flag][1]} {seen[flag][0]} vs {prog} {shape}")
                seen.setdefault(flag, (shape, prog))
    assert clashes == []


@pytest.mark.parametrize("columns", [60, 100])
def test_help_text_wraps_to_the_terminal(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for prog, parser in PARSERS.items():
        text = parser.format_help().split("examples:\n", 1)[0]
        usage_end = text.index("\n\n")  # usage lines hold whole option spellings
        wide = [line for line in text[usage_end:].splitlines() if len(line) > columns]
        assert wide == [], f"{prog} at {columns} columns"
