"""The CLI builds only the sub-command a call names; nothing may go missing that way."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from scriptrunner.cli.main import COMMANDS, MODULES, build_parser, command_of, main


def choices(parser: argparse.ArgumentParser) -> set[str]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


def test_commands_map_every_registered_command_to_its_module() -> None:
    assert choices(build_parser()) == set(COMMANDS)
    assert set(COMMANDS.values()) == set(MODULES)
    for name, module in COMMANDS.items():
        assert name in choices(build_parser(name))
        # Building one command registers only its module's commands.
        assert choices(build_parser(name)) == {n for n, m in COMMANDS.items() if m == module}


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["run", "--", "true"], "run"),
        (["--home", "/tmp/h", "scan", "deps"], "scan"),
        (["--home=/tmp/h", "--database-url", "sqlite:///x", "db", "update"], "db"),
        (["show", "abc"], "show"),
        (["--help"], None),
        (["--version"], None),
        (["-h", "run"], None),
        ([], None),
        (["nope"], None),
    ],
)
def test_command_of(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_unknown_command_still_lists_every_choice(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["nope"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err
    assert all(name in err for name in COMMANDS)


def _actions(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _actions(sub)
        else:
            yield parser.prog, action


def test_no_option_takes_an_unchecked_number() -> None:
    """Numbers go through ``scriptrunner.limits`` (``cli.common.seconds``/``whole``/``share``):
    a bare ``type=int``/``float`` accepts ``nan``, ``1e308`` or ``-1`` (issue 15, defect 10)."""
    loose = [
        f"{prog} {'/'.join(action.option_strings) or action.dest}"
        for prog, action in _actions(build_parser())
        if action.type in (int, float)
    ]
    assert loose == []
