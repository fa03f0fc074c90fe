"""``scriptrunner completion bash|zsh|fish``: a shell completion script.

The script is generated from the real parser tree (:func:`scriptrunner.cli.main.build_parser`),
so it knows every command, sub-command and option of this version: closed ``choices`` are
offered as words, options and positionals that take a path (metavar ``FILE``, ``PATH``,
``DIR``..., and the script of ``run``) complete file names.  The tree becomes a few small
lookup functions (``case`` tables), and one driver per shell walks the words typed so far
with them (:mod:`.completion_tree`, :mod:`.completion_scripts`).  Nothing is imported at completion time: the shell
does not start Python on each TAB.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scriptrunner.cli import options

SHELLS = ("bash", "zsh", "fish")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print the completion script for SHELL on stdout.  It completes every "
        "command, sub-command and option, the values of options with a closed set of "
        "values, and file names where a path is expected.",
        epilog=options.examples(
            "source <(scriptrunner completion bash)       # in ~/.bashrc",
            "scriptrunner completion zsh > ~/.zfunc/_scriptrunner   # a directory in $fpath",
            "scriptrunner completion fish > ~/.config/fish/completions/scriptrunner.fish",
        ),
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help=f"one of {', '.join(SHELLS)}")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from scriptrunner.cli.completion_scripts import render
    from scriptrunner.cli.completion_tree import tree
    from scriptrunner.cli.main import build_parser

    sys.stdout.write(render(args.shell, tree(build_parser())))
    return 0
