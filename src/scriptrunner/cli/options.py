"""The CLI's one vocabulary: the options several commands share, spelled and checked once.

- ``--format FORMAT`` and ``-o/--output FILE`` on every command that writes a report
  (:func:`add_report_format`), with ``--json`` kept as an alias of ``--format json``;
- ``--fail-on LEVEL`` for every threshold (:func:`add_fail_on`), on our one severity scale
  (info < warning < high < critical) and accepting Bandit's and Semgrep's words
  (``low``, ``medium``, ``error``) as aliases;
- options renamed in 7.x keep their old name as a hidden alias that still works and says
  once, on stderr, what the new name is (:func:`add_renamed`);
- every ``--help`` ends with examples (:func:`examples`) and wraps to the terminal
  (:class:`Formatter`, the default of every parser through :class:`Parser`).

Only ``argparse`` is imported here: ``scriptrunner run`` builds its parser on every call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

#: Our severity scale, lowest first (``findings.model.Severity``), as ``--fail-on`` shows it.
LEVELS = ("info", "warning", "high", "critical")
#: Other tools' words for our levels: Bandit's LOW/MEDIUM/HIGH and Semgrep's INFO/WARNING/ERROR.
LEVEL_ALIASES = {"low": "info", "medium": "warning", "error": "high"}


class Formatter(argparse.HelpFormatter):
    """Help that wraps to the terminal: option texts and prose paragraphs of descriptions and
    epilogs are filled to its width; indented lines (examples, lists) are kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        prose: list[str] = []

        def flush() -> None:
            if prose:
                out.append(super(Formatter, self)._fill_text(" ".join(prose), width, indent))
                prose.clear()

        for line in text.splitlines():
            if line.strip() and not line[0].isspace() and not line.rstrip().endswith(":"):
                prose.append(line.strip())
                continue
            flush()
            out.append(indent + line if line.strip() else "")
        flush()
        return "\n".join(out)


class Parser(argparse.ArgumentParser):
    """The CLI's parser class: :class:`Formatter` unless told otherwise.  ``main`` builds the
    top-level parser with it, and ``add_subparsers`` makes every sub-parser of that class, so
    no command can miss the shared formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)


def level(flag: str) -> Any:
    """``type=`` for a severity threshold: one of :data:`LEVELS` or an alias, any case."""

    def convert(text: str) -> str:
        word = text.strip().lower()
        word = LEVEL_ALIASES.get(word, word)
        if word not in LEVELS:
            names = ", ".join(LEVELS)
            aliases = ", ".join(f"{k} = {v}" for k, v in LEVEL_ALIASES.items())
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a severity; give one of {names} (aliases: {aliases})"
            )
        return word

    convert.__name__ = flag
    return convert


def add_fail_on(
    parser: argparse.ArgumentParser,
    *,
    default: str | None,
    what: str = "exit 1",
    flags: Sequence[str] = ("--fail-on",),
) -> None:
    """``--fail-on LEVEL``: ``what`` happens on findings at or above LEVEL."""
    shown = f"; default {default}" if default else ""
    parser.add_argument(
        *flags,
        dest="fail_on",
        type=level("--fail-on"),
        default=default,
        metavar="LEVEL",
        help=f"{what} on findings at or above LEVEL: {', '.join(LEVELS)}{shown} "
        "(Bandit/Semgrep words low, medium, error also accepted)",
    )


def add_report_format(
    parser: argparse.ArgumentParser,
    formats: Sequence[str],
    *,
    default: str,
    output: bool = True,
) -> None:
    """``--format FORMAT`` (closed choices), ``-o/--output FILE`` and ``--json`` (an alias of
    ``--format json``, kept for 7.x) when ``json`` is one of the formats."""
    parser.add_argument(
        "--format",
        choices=tuple(formats),
        default=default,
        metavar="FORMAT",
        help=f"output format: {', '.join(formats)} (default {default})",
    )
    if "json" in formats:
        parser.add_argument(
            "--json",
            dest="format",
            action="store_const",
            const="json",
            help="same as --format json",
        )
    if output:
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write the output to FILE (default: stdout)"
        )


class _Renamed(argparse.Action):
    """An old option name: stores like the new one and warns once that it was renamed."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        *,
        new: str,
        inner: type[argparse.Action],
        **kwargs: Any,
    ) -> None:
        self.new, self.inner = new, inner(option_strings, dest, **kwargs)
        super().__init__(
            option_strings,
            dest,
            nargs=self.inner.nargs,
            const=self.inner.const,
            default=self.inner.default,
            type=self.inner.type,  # type: ignore[arg-type]  # typeshed: str names too
            choices=self.inner.choices,
            help=self.inner.help,
            metavar=self.inner.metavar,
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(
            f"scriptrunner: warning: {option_string} is now {self.new} "
            "(the old name works until 8.0)",
            file=sys.stderr,
        )
        self.inner(parser, namespace, values, option_string)


_ACTIONS: dict[str, type[argparse.Action]] = {
    "store": argparse._StoreAction,
    "store_true": argparse._StoreTrueAction,
    "append": argparse._AppendAction,
}


def add_renamed(
    parser: argparse.ArgumentParser, old: str, new: str, *, dest: str, **kwargs: Any
) -> None:
    """Keep ``old`` working as a hidden alias of ``new`` (same ``dest``; ``kwargs`` as the
    new option's ``action``/``type``/``metavar``).  It is not shown in ``--help``; the
    CHANGELOG lists it."""
    inner = _ACTIONS[kwargs.pop("action", "store")]
    parser.add_argument(
        old,
        dest=dest,
        action=_Renamed,
        new=new,
        inner=inner,
        help=argparse.SUPPRESS,
        default=argparse.SUPPRESS,
        **kwargs,
    )


def examples(*lines: str) -> str:
    """An ``epilog`` listing example command lines (two or three per ``--help``)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
