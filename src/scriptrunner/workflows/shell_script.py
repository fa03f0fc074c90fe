"""Where values land in a shell script (``sh -c '...'``), so they can be passed as data.

A ``run:`` line like ``sh -c 'echo ${{ matrix.name }}'`` hands a *script* to a shell.
Pasting a value into that text would let the value change the script (``O'Brien`` breaks
it, ``';touch x;'`` runs ``touch``).  Instead the engine puts each value in an environment
variable of the task's process and writes a *reference* to it into the script; what the
reference looks like depends on the quoting around the expression, which
:func:`script_pieces` works out with a small POSIX-shell quoting scanner:

=================  =====================  ==============================================
where              reference              why
=================  =====================  ==============================================
unquoted           ``"${NAME}"``          one word: no splitting, no globbing
``"..."``          ``${NAME}``            already inside double quotes
``'...'``          ``'"${NAME}"'``        close the quote, reference, reopen it
``$'...'``         ``'"${NAME}"$'``       the same for bash's ANSI-C strings
``<<EOF`` body     ``${NAME}``            here-documents expand parameters
=================  =====================  ==============================================

Only fixed text (the reference) ever enters the script, so whatever the scanner gets wrong
in an exotic script, a value can at worst be split into words -- never parsed as code.
Code that *re-parses* text (``eval``, ``$(( ))``, another ``sh -c`` inside the script) is
the exception; :func:`script_risks` finds those for ``workflow validate`` to warn about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Placeholders stand for expressions while a ``run:`` line is split and scanned: private
#: use characters that shell quoting and ``shlex`` leave alone.
OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(f"{OPEN}([0-9]+){CLOSE}")

#: Quoting contexts of an expression inside a script.
UNQUOTED, DOUBLE, SINGLE, ANSI_C, HEREDOC, QUOTED_HEREDOC, ARITHMETIC, COMMENT = (
    "unquoted", "double-quoted", "single-quoted", "ansi-c", "here-document",
    "quoted here-document", "arithmetic", "comment",
)  # fmt: skip

_REFERENCE = {
    UNQUOTED: '"${{{0}}}"',
    DOUBLE: "${{{0}}}",
    SINGLE: "'\"${{{0}}}\"'",
    ANSI_C: "'\"${{{0}}}\"$'",
    HEREDOC: "${{{0}}}",
    QUOTED_HEREDOC: "${{{0}}}",
    ARITHMETIC: "${{{0}}}",
    COMMENT: "${{{0}}}",
}
_WORD_START = frozenset(" \t\n;&|()<>")


@dataclass(frozen=True, slots=True)
class Slot:
    """An expression inside a script: its index in the ``run:`` line and its context."""

    index: int
    context: str


def reference(name: str, context: str) -> str:
    """The script text that reads environment variable ``name`` as data in ``context``."""
    return _REFERENCE[context].format(name)


class _Scanner:
    """One pass over a script; ``pieces`` alternates literal text and :class:`Slot` s."""

    def __init__(self, script: str) -> None:
        self.text = script
        self.i = 0
        self.pieces: list[str | Slot] = []
        self.literal: list[str] = []
        # The quoting stack: "(" for $( ) and ( ), "((" for arithmetic, '"' for "...".
        self.stack: list[str] = []
        self.heredocs: list[tuple[str, bool, bool]] = []  # delimiter, quoted, strip tabs

    def context(self) -> str:
        top = self.stack[-1] if self.stack else ""
        return {"((": ARITHMETIC, '"': DOUBLE}.get(top, UNQUOTED)

    def take(self, count: int = 1) -> str:
        chunk = self.text[self.i : self.i + count]
        self.literal.append(chunk)
        self.i += count
        return chunk

    def escape(self) -> None:
        """A backslash and the character it escapes (never half of a placeholder)."""
        self.take(1 if self.text.startswith(OPEN, self.i + 1) else 2)

    def slot(self, context: str) -> bool:
        """At a placeholder: record it as a slot in ``context`` and move past it."""
        match = PLACEHOLDER.match(self.text, self.i)
        if match is None:
            return False
        self.pieces.append("".join(self.literal))
        self.literal = []
        self.pieces.append(Slot(int(match.group(1)), context))
        self.i = match.end()
        return True

    def until(self, end: str, context: str, escapes: bool) -> None:
        """Consume up to and including ``end`` (quotes without nesting)."""
        while self.i < len(self.text) and not self.text.startswith(end, self.i):
            if self.slot(context):
                continue
            if escapes and self.text[self.i] == "\\":
                self.escape()
            else:
                self.take()
        self.take(len(end))

    def heredoc_bodies(self) -> None:
        """After a newline: the bodies of the here-documents started on that line."""
        for delimiter, quoted, strip in self.heredocs:
            context = QUOTED_HEREDOC if quoted else HEREDOC
            while self.i < len(self.text):
                end = self.text.find("\n", self.i)
                end = len(self.text) if end < 0 else end + 1
                line = self.text[self.i : end].rstrip("\n")
                if (line.lstrip("\t") if strip else line) == delimiter:
                    self.take(end - self.i)
                    break
                while self.i < end:
                    if not self.slot(context):
                        self.take()
        self.heredocs = []

    def heredoc_start(self) -> None:
        """At ``<<`` (not ``<<<``): note the delimiter; its body starts after the line."""
        self.take(2)
        strip = self.text.startswith("-", self.i)
        if strip:
            self.take()
        while self.text.startswith((" ", "\t"), self.i):
            self.take()
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in _WORD_START:
            self.take()
        word = self.text[start : self.i]
        quoted = any(c in word for c in "'\"\\")
        self.heredocs.append((re.sub(r"['\"\\]", "", word), quoted, strip))

    def scan(self) -> list[str | Slot]:
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            top = self.stack[-1] if self.stack else ""
            if self.slot(self.context()):
                continue
            if top == '"':
                if char == "\\":
                    self.escape()
                elif char == '"':
                    self.stack.pop()
                    self.take()
                elif text.startswith("$((", self.i):
                    self.stack.append("((")
                    self.take(3)
                elif text.startswith("$(", self.i):
                    self.stack.append("(")
                    self.take(2)
                else:
                    self.take()
                continue
            if top == "((" and text.startswith("))", self.i):
                self.stack.pop()
                self.take(2)
            elif char == "\\":
                self.escape()
            elif char == "'":
                self.take()
                self.until("'", SINGLE, escapes=False)
            elif text.startswith("$'", self.i):
                self.take(2)
                self.until("'", ANSI_C, escapes=True)
            elif char == '"':
                self.stack.append('"')
                self.take()
            elif text.startswith("$((", self.i) or text.startswith("((", self.i):
                self.stack.append("((")
                self.take(3 if char == "$" else 2)
            elif text.startswith("$(", self.i) or char == "(":
                self.stack.append("(")
                self.take(2 if char == "$" else 1)
            elif char == ")" and top == "(":
                self.stack.pop()
                self.take()
            elif char == "#" and (self.i == 0 or text[self.i - 1] in _WORD_START):
                while self.i < len(text) and text[self.i] != "\n":
                    if not self.slot(COMMENT):
                        self.take()
            elif text.startswith("<<", self.i) and not text.startswith("<<<", self.i):
                self.heredoc_start()
            elif char == "\n":
                self.take()
                self.heredoc_bodies()
            else:
                self.take()
        self.pieces.append("".join(self.literal))
        return self.pieces


def script_pieces(script: str) -> tuple[str | Slot, ...]:
    """``script`` (with placeholders) as literal text and :class:`Slot` s, in order."""
    return tuple(_Scanner(script).scan())


# Code in the script that re-parses text: a reference there is data no longer.
_RISKS = (
    (re.compile(r"(?<![\w-])eval(?![\w-])"), "eval runs its arguments as code"),
    (
        re.compile(r"(?<![\w-])(?:sh|bash|dash|zsh|ksh|mksh|ash)\s+(?:-\w+\s+)*-\w*c"),
        "a nested shell -c parses its argument as a script",
    ),
    (re.compile(r"(?<![\w-])ssh(?![\w-])"), "ssh runs its command through the remote shell"),
    (
        re.compile(r"(?<![\w-])(?:python[0-9.]*|node|perl|ruby|php)\s+(?:-\w+\s+)*-[cer]\b"),
        "an interpreter's -c/-e argument is code",
    ),
)


def script_risks(pieces: tuple[str | Slot, ...]) -> list[str]:
    """Why values in this script may still be read as code (empty: they stay data)."""
    slots = [p for p in pieces if isinstance(p, Slot)]
    if not slots:
        return []
    text = "".join(p if isinstance(p, str) else "X" for p in pieces)
    found = [reason for pattern, reason in _RISKS if pattern.search(text)]
    contexts = {slot.context for slot in slots}
    if ARITHMETIC in contexts:
        found.append(
            "shell arithmetic evaluates a value as an expression (and bash runs $( ) in it)"
        )
    if QUOTED_HEREDOC in contexts:
        found.append("a quoted here-document (<<'EOF') does not expand the value; use <<EOF")
    return found
