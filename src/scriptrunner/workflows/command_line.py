"""``run:`` lines: split first, then substitute values as data (issue #15, defect 4).

The command line is split with :mod:`shlex` *before* any ``${{ }}`` is evaluated (each
expression stands in as a placeholder while splitting), so a value can never add, remove
or re-quote a word:

* an argument that is exactly one expression becomes exactly one argument, whatever the
  value holds (spaces, quotes, ``--flags``, nothing at all);
* an expression inside a larger word is substituted into that one word;
* in the script of a shell (``sh -c '...'``, ``bash -ec '...'``; also after ``env``) the
  value is passed in an environment variable, ``SCRIPTRUNNER_EXPR_<n>`` for the n-th
  expression of the line, and the script reads it (:mod:`.shell_script`).

:func:`command_risks` lists what stays risky (the program itself, or code for another
interpreter, coming from a value), for ``workflow validate`` to warn about.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.expressions.templates import END, START, find_expressions
from scriptrunner.workflows.shell_script import (
    CLOSE,
    OPEN,
    PLACEHOLDER,
    Slot,
    reference,
    script_pieces,
    script_risks,
)

#: Programs whose ``-c`` argument is a shell script.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox-sh"})
#: Interpreters and the option whose argument is code in their language.
INTERPRETERS = {"python": "-c", "node": "-e", "perl": "-e", "ruby": "-e", "php": "-r"}
#: Programs whose first operand is a program in their own language.
PROGRAM_FIRST = frozenset({"awk", "gawk", "mawk", "nawk", "sed", "jq"})
ENV_PREFIX = "SCRIPTRUNNER_EXPR_"

Word = tuple[str | Slot, ...]


@dataclass(frozen=True, slots=True)
class CommandTemplate:
    """A split ``run:`` line: words of literal text and expression slots.

    ``expressions`` holds the text inside each ``${{ }}``, in order; a :class:`Slot`'s
    ``index`` points into it.  ``script`` is the index of the word that is a shell script,
    whose slots carry their quoting context (other words' slots say ``"word"``).
    """

    words: tuple[Word, ...]
    expressions: tuple[str, ...]
    script: int | None = None

    def render(self, values: Sequence[str]) -> tuple[list[str], dict[str, str]]:
        """The argv for these expression values, and the variables the script reads."""
        argv: list[str] = []
        env: dict[str, str] = {}
        for position, word in enumerate(self.words):
            text: list[str] = []
            for piece in word:
                if isinstance(piece, str):
                    text.append(piece)
                elif position == self.script:
                    name = f"{ENV_PREFIX}{piece.index + 1}"
                    env[name] = values[piece.index]
                    text.append(reference(name, piece.context))
                else:
                    text.append(values[piece.index])
            argv.append("".join(text))
        return argv, env


def _program(word: str) -> str:
    """``python3.12`` -> ``python``; ``/usr/bin/bash`` -> ``bash``."""
    name = os.path.basename(word)
    return name.rstrip("0123456789.") if name.startswith("python") else name


def _shell_script_index(words: Sequence[str]) -> int | None:
    """The index of the script word when ``words`` run a shell with ``-c`` (after an
    optional ``env [NAME=VALUE...]``), else None."""
    start = 0
    if words and _program(words[0]) == "env":
        start = 1
        while start < len(words) and "=" in words[start] and not words[start].startswith("-"):
            start += 1
    if start >= len(words) or _program(words[start]) not in SHELLS:
        return None
    has_c = False
    i = start + 1
    while i < len(words):
        word = words[i]
        if word == "--":
            i += 1
            break
        if len(word) < 2 or word[0] not in "-+":
            break
        if not word.startswith("--"):
            has_c = has_c or "c" in word[1:]
            if word[-1] == "o":  # -o OPTION / +o OPTION
                i += 1
        i += 1
    return i if has_c and i < len(words) else None


@functools.lru_cache(maxsize=1024)
def split_command(line: str) -> CommandTemplate:
    """Split a ``run:`` line (expressions unevaluated); ``WorkflowError`` when it cannot
    be split (an unclosed quote) or holds the private characters used as placeholders.

    Cached: a matrix of N instances splits one template once, not N times (the result is
    a frozen value; errors are not cached)."""
    if OPEN in line or CLOSE in line:
        raise WorkflowError("the command line contains the reserved characters U+E000/U+E001")
    spans = find_expressions(line)
    parts: list[str] = []
    position = 0
    for index, (start, inner) in enumerate(spans):
        parts.append(f"{line[position:start]}{OPEN}{index}{CLOSE}")
        position = start + len(START) + len(inner) + len(END)
    parts.append(line[position:])
    try:
        raw = shlex.split("".join(parts))
    except ValueError as exc:  # "No closing quotation" and friends
        raise WorkflowError(f"cannot split the command line: {exc}") from exc
    if not raw:
        raise WorkflowError("the command line is empty")
    literal = [PLACEHOLDER.sub("", word) if PLACEHOLDER.search(word) else word for word in raw]
    script = _shell_script_index(literal)
    words = tuple(
        script_pieces(word) if i == script else _word_pieces(word) for i, word in enumerate(raw)
    )
    return CommandTemplate(words, tuple(inner.strip() for _, inner in spans), script)


def _word_pieces(word: str) -> Word:
    pieces: list[str | Slot] = []
    position = 0
    for match in PLACEHOLDER.finditer(word):
        pieces.extend((word[position : match.start()], Slot(int(match.group(1)), "word")))
        position = match.end()
    pieces.append(word[position:])
    return tuple(p for p in pieces if p != "")


def _has_slot(word: Word) -> bool:
    return any(isinstance(p, Slot) for p in word)


def _text(word: Word) -> str:
    return "".join(p if isinstance(p, str) else "X" for p in word)


def command_risks(template: CommandTemplate) -> list[str]:
    """Why a value in this command may still be read as code, for ``workflow validate``."""
    words = template.words
    if not any(_has_slot(w) for w in words):
        return []
    if _has_slot(words[0]):
        return ["the program to run comes from an expression"]
    if template.script is not None:
        return script_risks(words[template.script])
    program = _program(_text(words[0]))
    option = INTERPRETERS.get(program)
    for i, word in enumerate(words[1:], start=1):
        previous = _text(words[i - 1])
        code = option is not None and previous.startswith(option) and len(previous) == 2
        first = program in PROGRAM_FIRST and not _text(word).startswith("-")
        if _has_slot(word) and code:
            return [f"{_text(words[0])} {option}: the value becomes part of the code"]
        if _has_slot(word) and first:
            return [f"{program}: the value becomes part of its program"]
        if first:
            break
    return []
