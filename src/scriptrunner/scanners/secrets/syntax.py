"""The ways code and configuration give a name a value: the pairs generic rules judge.

:data:`~scriptrunner.scanners.secrets.rules.generic.ASSIGNMENT` reads ``name = value``,
``name: value``, ``name: type = value`` and ``<name>value</name>``.  Real files name a value in
more ways, each read here as if it were an assignment of the value to the name:

* command-line flags: ``--password "..."``, ``--api-key VALUE`` (``--name=value`` is already an
  assignment);
* a ``(name, value)`` pair of literals in a call or list: ``os.environ.setdefault("X", "v")``,
  ``monkeypatch.setenv("X", "v")``, ``os.getenv("X", "default")``, ``["--password", "v"]``;
* XML attributes: ``<add key="ApiKey" value="..."/>``, ``<property name="x" value="..."/>``;
* JSON members: ``{"key": "api_key", "value": "..."}`` (Postman collections, environments);
* Dockerfile ``ENV NAME value``;
* fallbacks: ``X = process.env.X || "v"``, ``X = os.environ.get("X") or "v"``;
* Markdown: ``Set `X` to `v` ``.

Lookups with no literal (``os.environ["X"]``, ``os.getenv("X")``) name no value: no pair.

:class:`CodeMap` tells where an unquoted value is code (an expression) rather than text: in code
files, except on comment lines (commented-out configuration is configuration); in Jupyter
notebooks, only the source lines of code cells (outputs and Markdown cells are text).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from scriptrunner.scanners.secrets.rules.names import is_code_file
from scriptrunner.scanners.secrets.rules.values import wordy

# A quote, possibly escaped inside a JSON or code string (``\"`` in a notebook line).
_OPEN = r"[bBrRuU]{0,2}\\{0,3}[\"'`]"
_CLOSE = r"\\{0,3}[\"'`]"
_QUOTED = r"(?P<quoted>[^\"'`\\\s]{1,300})"

_FLAG = re.compile(
    r"(?<![\w-])--(?P<name>[A-Za-z][\w.-]{1,60})[ \t]+(?:"
    + _OPEN
    + _QUOTED
    + _CLOSE
    + r"|(?P<bare>[^\s\"'`;|&<>()$\\-][^\s\"'`;|&<>()\\]{0,299}))(?=[\s;|&)\"'`]|$)"
)
# The first two items of a call or list; later items only after a flag (``"--password", "v"``):
# elsewhere in a list of strings, neighbours are not a name and its value.  Only the ``(``,
# ``[`` or ``,`` is consumed, so ``["app", "--token", "v"]`` also yields ``--token``'s pair.
_CALL = re.compile(
    r"(?:[(\[]|,(?=[ \t]*\\{0,3}[\"'`]-))(?=[ \t]*\\{0,3}[\"'`]"
    r"(?P<name>-{0,2}[A-Za-z_][\w.-]{0,80})\\{0,3}[\"'`][ \t]*,[ \t]*"
    + _OPEN
    + _QUOTED
    + _CLOSE
    + ")"
)
_XML = re.compile(
    r"(?<![\w-])(?i:name|key)[ \t]*=[ \t]*\\{0,3}[\"'](?P<name>[A-Za-z_][\w.:-]{0,80})"
    r"\\{0,3}[\"'][ \t]+(?i:value|defaultValue)[ \t]*=[ \t]*\\{0,3}[\"']"
    r"(?P<quoted>[^\"'\\\s<>]{1,300})\\{0,3}[\"']"
)
# JSON objects naming a value by members (Postman collections and environments, API
# specs): ``{"key": "api_key", "value": "..."}``, ``{"name": "X-Api-Key", "value": "..."}``.
_JSON_KV = re.compile(
    r"\\{0,3}\"(?:key|name)\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\"(?P<name>[A-Za-z_][\w.:-]{0,80})"
    r"\\{0,3}\"[ \t]*,[ \t]*\\{0,3}\"value\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\""
    r"(?P<quoted>[^\"\\\s]{1,300})\\{0,3}\""
)
_ENV = re.compile(
    r"(?m)^[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][\w.-]{0,80})[ \t]+(?:[\"'](?P<quoted>[^\"'\s]{1,300})"
    r"[\"']|(?P<bare>[^\s\"'=][^\s]{0,299}))[ \t]*$"
)
_FALLBACK = re.compile(
    r"(?<![\w$@.-])(?P<name>[A-Za-z_$][\w$.]{0,80})[ \t]*=(?!=)[ \t]*[^\n;=]{0,200}?"
    r"(?:\|\||\?\?|\bor\b)[ \t]*" + _OPEN + _QUOTED + _CLOSE
)
_MARKDOWN = re.compile(
    r"`(?P<name>[A-Za-z_][\w.-]{0,80})`[ \t]+(?:to|=|as)[ \t]+`(?P<quoted>[^`\s]{1,300})`"
)
#: (regex, a substring the window must contain for the regex to run at all)
_EXTRA: tuple[tuple[re.Pattern[str], str], ...] = (
    (_FLAG, "--"),
    (_CALL, ","),
    (_XML, "alue"),
    (_JSON_KV, '"value'),
    (_ENV, "ENV"),
    (_FALLBACK, ""),
    (_MARKDOWN, "`"),
)
_FALLBACK_OPS = ("||", "??", " or ")
#: Escapes that end a value written inside a JSON or code string (``"x=abc\n",``).
_TRAILING_ESCAPES = ("\\n", "\\r", "\\t")


@dataclass(frozen=True, slots=True)
class Pair:
    """``name`` is given the value at ``text[start:end]``."""

    name: str
    start: int
    end: int
    #: Quoted, or written where only a literal can stand (flag, XML attribute, ``ENV``).
    quoted: bool
    #: ``name=value`` without spaces (in code: a DSN or connection string, not an expression).
    tight: bool = False


def pairs(assignment: re.Pattern[str], text: str, a: int, b: int) -> Iterator[Pair]:
    """Every ``name``/value pair in ``text[a:b]``, by every syntax above."""
    pos: int | None = a
    while pos is not None:
        matches, pos = assignment.finditer(text, pos, b), None
        for m in matches:
            if m.group("tag") is not None:
                yield Pair(m.group("tag"), *m.span("element"), quoted=True)
                continue
            if m.group("quoted") is not None:
                yield Pair(m.group("name"), *m.span("quoted"), quoted=True)
                continue
            s, e = m.span("bare")
            yield _bare(m.group("name"), text, s, e, text[m.end("name") : s] == "=")
            if "(" in text[s:e]:
                pos = s  # ``client = Client(api_key="...")``: the call holds more assignments
                break
    window = text[a:b]
    for regex, needle in _EXTRA:
        if needle not in window or (
            regex is _FALLBACK and not any(op in window for op in _FALLBACK_OPS)
        ):
            continue
        for m in regex.finditer(text, a, b):
            group = "quoted" if m.group("quoted") is not None else "bare"
            s, e = m.span(group)
            if regex is _CALL and wordy(text[s:e]):
                continue  # ("token", "tokenStartColumn"): two names, not a name and a value
            if group == "bare":
                if regex is _FLAG and ("," in text[s:e] or "=" in text[s:e].rstrip("=")):
                    continue  # --auth-parameters USER=x,PASSWORD=y: a structure, not a value
                yield _bare(m.group("name"), text, s, e, True, quoted=True)
            else:
                yield Pair(m.group("name"), s, e, quoted=True)


def _bare(name: str, text: str, s: int, e: int, tight: bool, *, quoted: bool = False) -> Pair:
    """A bare value without the string escapes and the call's ``)`` that end it."""
    while text.endswith(_TRAILING_ESCAPES, s, e) and e - s > 2:
        e -= 2
    if "(" not in text[s:e]:
        while e > s and text[e - 1] == ")":
            e -= 1
    return Pair(name, s, e, quoted=quoted, tight=tight)


_COMMENT_STARTS = ("#", "//", "/*", "*", "--", ";")
_NB_MARK = re.compile(r'(?m)^[ \t]*"(cell_type|source)"[ \t]*:[ \t]*(?:"(\w*)"|(\[))')
_NB_ARRAY_END = re.compile(r"\n[ \t]*\]")


class CodeMap:
    """Where in a text an unquoted value is code: ``code_map(pos) -> bool``."""

    __slots__ = ("_code", "_line", "_notebook", "_ranges", "_starts", "_text")

    def __init__(self, text: str, path: str) -> None:
        self._text = text
        self._code = is_code_file(path)
        self._notebook = path.lower().endswith(".ipynb")
        self._ranges: list[tuple[int, int]] = []
        if self._notebook:
            self._ranges = _notebook_code(text)
        self._starts = [r[0] for r in self._ranges]
        self._line: tuple[int, int, bool] = (0, 0, False)

    def __call__(self, pos: int) -> bool:
        if not self._code:
            return False
        if self._notebook:
            i = bisect_right(self._starts, pos) - 1
            if i < 0 or pos >= self._ranges[i][1]:
                return False  # a Markdown cell or an output: text
        return not self._comment(pos)

    def _comment(self, pos: int) -> bool:
        line = self._line
        if line[0] <= pos < line[1]:
            return line[2]  # the same line as the last pair (one long line: many pairs)
        text = self._text
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        i = start
        while i < pos and text[i] in " \t":
            i += 1
        if self._notebook and text.startswith('"', i):
            i += 1
            while i < pos and text[i] in " \t":
                i += 1
        comment = text.startswith(_COMMENT_STARTS, i)
        self._line = (start, len(text) if end < 0 else end, comment)
        return comment


def _notebook_code(text: str) -> list[tuple[int, int]]:
    """The spans of code cells' ``source`` lines in a notebook written one line per element
    (``nbformat``'s layout; keys sorted, so ``cell_type`` comes before ``source``)."""
    out: list[tuple[int, int]] = []
    cell: str | None = None
    close = -1
    for m in _NB_MARK.finditer(text):
        if m.group(1) == "cell_type":
            cell = m.group(2)
            continue
        if cell not in (None, "code"):
            continue
        start = m.end()
        if text.startswith("]", start):
            continue  # "source": []
        if m.group(3) is None:  # "source": "one string"
            end = text.find("\n", start)
            out.append((start, len(text) if end < 0 else end))
            continue
        if close < start:  # (one search per array: a broken file stays linear)
            found = _NB_ARRAY_END.search(text, start)
            close = found.start() if found else len(text)
        out.append((start, close))
    return out


__all__ = ["CodeMap", "Pair", "pairs"]
