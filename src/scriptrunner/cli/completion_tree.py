"""The parser tree as completion sees it: command paths, their options and value kinds."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

#: Metavars (and positional names) whose values are file or directory paths.
FILE_WORDS = frozenset({"FILE", "FILES", "PATH", "PATHS", "URL-or-PATH", "SCRIPT", "target"})
DIR_WORDS = frozenset({"DIR"})


@dataclass(frozen=True, slots=True)
class Node:
    """One command path (``"cost prices show"``; ``""`` the top level) of the tree.

    Value kinds: ``""`` takes no value, ``"="`` any value (nothing to offer), ``"f"`` a file,
    ``"d"`` a directory, ``"r"`` a command line (a file, then the command's own words),
    ``"w:a b c"`` one of these words.
    """

    path: str
    subs: tuple[str, ...]
    options: tuple[tuple[str, str], ...]  # (option string, value kind)
    positional: str


def value_kind(action: argparse.Action) -> str:
    """The kind of value ``action`` takes (see :class:`Node`)."""
    if action.nargs == 0:
        return ""
    if action.choices is not None and not isinstance(action.choices, dict):
        return "w:" + " ".join(str(c) for c in action.choices)
    names = {str(action.metavar), action.dest}
    if action.nargs == argparse.REMAINDER:
        return "r"
    if names & DIR_WORDS:
        return "d"
    if names & FILE_WORDS:
        return "f"
    return "="


def tree(parser: argparse.ArgumentParser, path: str = "") -> list[Node]:
    """Every command path under ``parser``, parents first."""
    subs: dict[str, argparse.ArgumentParser] = {}
    opts: list[tuple[str, str]] = []
    positional = ""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            subs.update(action.choices)
        elif action.option_strings:
            if action.help == argparse.SUPPRESS:  # renamed options' old names: not offered
                continue
            opts.extend((flag, value_kind(action)) for flag in action.option_strings)
        elif not positional:
            positional = value_kind(action)
    nodes = [Node(path, tuple(subs), tuple(opts), positional)]
    for name, sub in subs.items():
        nodes.extend(tree(sub, f"{path} {name}".strip()))
    return nodes
