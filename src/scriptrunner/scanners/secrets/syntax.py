"""The ways code and configuration give a name a value: the pairs generic rules judge.

:data:`~scriptrunner.scanners.secrets.rules.generic.ASSIGNMENT` reads ``name = value`` in the
syntaxes of the common languages and configuration formats: ``=``, ``:``, ``=>``, ``:=``,
``::=``, ``:::=``, ``?=``, ``+=``, ``.=``, ``||=``, ``<-``; type annotations (``pwd: str =``,
``const X: &str =``, Go ``var x string =``), C# properties (``X { get; } =``), Kotlin
``by lazy { "..." }``, C arrays (``char X[] =``), subscripts (``ENV["X"] =``), PowerShell
``$env:X =``, ``<name>value</name>``.  ``forms.py`` adds the other ways (flags, call
arguments, XML attributes, ``#define``, SQL ``INSERT``, a name and its value on nearby
lines...), each read as if it were an assignment of the value to the name.

A quoted value that holds ``name=value`` pairs itself (a JDBC URL, a connection string, a form
body) is read again inside; a bare value ends at ``&name=`` (a query string).  A literal
wrapped in a string constructor (``String::from("...")``, ``SecretStr("...")``) is the value.
Lookups with no literal (``os.environ["X"]``, ``os.getenv("X")``) name no value: no pair.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scriptrunner.scanners.secrets.codemap import CodeMap
from scriptrunner.scanners.secrets.forms import (
    CALL,
    CLOSE,
    FLAG,
    FORMS,
    OPEN,
    QUOTED,
    SQL_NEEDLES,
    Form,
    sql_inserts,
)
from scriptrunner.scanners.secrets.rules.values import wordy

#: Escapes that end a value written inside a JSON or code string (``"x=abc\n",``).
_TRAILING_ESCAPES = ("\\n", "\\r", "\\t")
#: ``String::from("...")``, ``SecretStr("...")``, ``Some("...")``: the literal is the value.
_WRAPPED = re.compile(
    r"(?:(?:Secret\w{0,20}|String|CString|OsString|Zeroizing|Box|Arc|Rc)::(?:from|new)|Some"
    r"|SecretStr|SecretBytes|SecretString|String|str|SecureString|Secret)\([ \t]*"
    + OPEN
    + QUOTED
    + CLOSE
)
#: ``&name=`` inside a bare value: a query string goes on with the next parameter.
_NEXT_PARAM = re.compile(r"&(?:amp;)?[A-Za-z_][\w.\[\]-]{0,60}=")


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
    """Every ``name``/value pair in ``text[a:b]`` (a few lines more for the forms whose
    value may sit below the name), by every syntax above."""
    yield from _assignments(assignment, text, a, b, inside=False)
    window = text[a:b]
    for form in FORMS:
        for needle in form.needles:
            if needle in window:
                yield from _form_pairs(form, text, a, b)
                break
    for needle in SQL_NEEDLES:
        if needle in window:
            for column, s, e in sql_inserts(text, a, b):
                yield Pair(column, s, e, quoted=True)
            break


def _assignments(
    assignment: re.Pattern[str], text: str, a: int, b: int, *, inside: bool
) -> Iterator[Pair]:
    """``name = value`` pairs; ``inside`` a string literal every value is a literal."""
    pos: int | None = a
    while pos is not None:
        matches, pos = assignment.finditer(text, pos, b), None
        for m in matches:
            if m.group("tag") is not None:
                yield Pair(m.group("tag"), *m.span("element"), quoted=True)
                continue
            name = m.group("name")
            if text.startswith("::", m.start("name") - 2):
                name = _qualified(text, m.start("name"), name)
            if m.group("quoted") is not None:
                s, e = m.span("quoted")
                yield Pair(name, s, e, quoted=True)
                if "=" in text[s:e]:  # a URL or connection string with its own parameters
                    yield from _assignments(assignment, text, s, e, inside=True)
                continue
            s, e = m.span("bare")
            value = text[s:e]
            wrapped = _WRAPPED.match(text, s, b) if "(" in value else None
            if wrapped is not None:
                yield Pair(name, *wrapped.span("quoted"), quoted=True)
                continue
            nxt = _NEXT_PARAM.search(text, s + 1, e) if "&" in value else None
            tight = text[m.end("name") : s] == "="
            yield _bare(name, text, s, nxt.start() if nxt else e, tight, quoted=inside)
            if nxt is not None:
                pos = nxt.start() + 1  # the next parameter of the query string
                break
            if "(" in value:
                pos = s  # ``client = Client(api_key="...")``: the call holds more assignments
                break


def _qualified(text: str, start: int, name: str) -> str:
    """``name`` with the ``A::B::`` before it (a resource type name, a Ruby constant path)."""
    i = start
    while text.startswith("::", i - 2):
        j = i - 2
        while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_"):
            j -= 1
        if j == i - 2:
            break
        i = j
    return text[i:start] + name if i < start else name


def _form_pairs(form: Form, text: str, a: int, b: int) -> Iterator[Pair]:
    end = b
    for _ in range(form.lines_after):
        nxt = text.find("\n", end + 1)
        end = len(text) if nxt < 0 else nxt
    groups = form.regex.groupindex
    for m in _matches(form, text, a, b, end):
        name = form.name or next(
            m.group(g) for g in ("name", "name2", "name3", "name4") if g in groups and m.group(g)
        )
        group = next(
            g for g in ("quoted", "element", "element2", "bare") if g in groups and m.group(g)
        )
        s, e = m.span(group)
        if form.regex is CALL and wordy(text[s:e]):
            continue  # ("token", "tokenStartColumn"): two names, not a name and a value
        if group != "bare":
            yield Pair(name, s, e, quoted=True)
            continue
        if form.regex is FLAG and ("," in text[s:e] or "=" in text[s:e].rstrip("=")):
            continue  # --auth-parameters USER=x,PASSWORD=y: a structure, not a value
        yield _bare(name, text, s, e, True, quoted=form.literal)


def _matches(form: Form, text: str, a: int, b: int, end: int) -> Iterator[re.Match[str]]:
    """The form's matches that start in ``[a, b)`` and end before ``end``."""
    if form.head is None:
        yield from form.regex.finditer(text, a, b)
        return
    for head in form.head.finditer(text, a, min(b + 1, end)):  # (the head may end at ``\n``)
        m = form.regex.match(text, head.start(), end)
        if m is not None:
            yield m


def _bare(name: str, text: str, s: int, e: int, tight: bool, *, quoted: bool = False) -> Pair:
    """A bare value without the string escapes and the call's ``)`` that end it."""
    while text.endswith(_TRAILING_ESCAPES, s, e) and e - s > 2:
        e -= 2
    if "(" not in text[s:e]:
        while e > s and text[e - 1] == ")":
            e -= 1
    return Pair(name, s, e, quoted=quoted, tight=tight)


__all__ = ["CodeMap", "Pair", "pairs"]
