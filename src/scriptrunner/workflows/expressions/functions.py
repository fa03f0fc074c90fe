"""The built-in functions of GitHub Actions expressions.

Semantics follow ``actions/runner`` ``src/Sdk/Expressions/Sdk/Functions/*.cs``, including
which arguments are evaluated at all: ``case()`` evaluates only what it needs and
``format()`` reads only the arguments its format string references.  Names and argument
counts were already checked by the parser; :func:`call_function` is called by the
evaluator (:mod:`.operators`) for every ``FunctionCall`` node.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions.memory import MemoryCounter
from scriptrunner.workflows.expressions.nodes import FunctionCall, Node
from scriptrunner.workflows.expressions.values import (
    ARRAY,
    BOOLEAN,
    check_json_depth,
    equals,
    fold,
    is_primitive,
    kind,
    to_json,
    to_string,
)


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """The job status the status-check functions report.

    ``success()``, ``failure()`` and ``cancelled()`` return these fields; ``always()`` is
    always true.
    """

    success: bool = True
    failure: bool = False
    cancelled: bool = False


class Evaluating(Protocol):
    """What a function needs from the evaluator: sub-expressions, errors, the status and
    memory counters for the strings it builds."""

    @property
    def status(self) -> TaskStatus | None: ...

    def evaluate(self, node: Node) -> Any: ...

    def error(self, reason: str, node: Node) -> ExpressionError: ...

    def counter(self, node: Node) -> MemoryCounter: ...


def call_function(ev: Evaluating, node: FunctionCall) -> Any:
    """The value of the function call ``node``; its arguments are evaluated through ``ev``."""
    name = node.name.lower()
    args = node.args
    if name in ("contains", "startswith", "endswith"):
        return _string_test(ev, name, node)
    if name == "format":
        return _format(ev, node)
    if name == "join":
        items = ev.evaluate(args[0])
        if kind(items) == ARRAY and len(items) > 0:
            separator = ","
            if len(items) > 1 and len(args) > 1:
                given = ev.evaluate(args[1])
                if is_primitive(given):
                    separator = to_string(given)
            counter = ev.counter(node)
            pieces = []
            for i, item in enumerate(items):
                text = to_string(item)
                if i:
                    counter.add(separator)
                counter.add(text)
                pieces.append(text)
            return separator.join(pieces)
        return to_string(items) if is_primitive(items) else ""
    if name == "tojson":
        try:
            value = ev.evaluate(args[0])
            return to_json(value, ev.counter(node).add)
        except ExpressionError as exc:
            if exc.expression:
                raise
            raise ev.error(f"toJSON(): {exc.reason}", node) from None
    if name == "fromjson":
        text = to_string(ev.evaluate(args[0]))
        try:
            check_json_depth(text)
        except ExpressionError as exc:
            raise ev.error(f"fromJSON(): {exc.reason}", node) from None
        try:
            return json.loads(text)
        except RecursionError:  # a smaller stack than the depth check assumes
            raise ev.error(
                "fromJSON(): JSON nested too deeply for this interpreter's stack", node
            ) from None
        except ValueError as exc:
            raise ev.error(f"fromJSON() could not parse {text[:60]!r}: {exc}", node) from None
    if name == "case":
        # Case.cs: predicates must be booleans; only the chosen value is evaluated.
        for i in range(0, len(args) - 1, 2):
            predicate = ev.evaluate(args[i])
            if kind(predicate) != BOOLEAN:
                raise ev.error("case() predicate must evaluate to a boolean value", args[i])
            if predicate:
                return ev.evaluate(args[i + 1])
        return ev.evaluate(args[-1])
    if name == "hashfiles":
        raise ev.error("hashFiles() is not supported by scriptrunner", node)
    return _status(ev, name, node)


def _status(ev: Evaluating, name: str, node: FunctionCall) -> bool:
    if ev.status is None:
        raise ev.error(f"{node.name}() is only available in if: conditions", node)
    if name == "always":
        return True
    return bool(getattr(ev.status, name))


def _string_test(ev: Evaluating, name: str, node: FunctionCall) -> bool:
    search = ev.evaluate(node.args[0])
    if is_primitive(search):
        item = ev.evaluate(node.args[1])
        if not is_primitive(item):
            return False
        haystack, needle = fold(to_string(search)), fold(to_string(item))
        if name == "contains":
            return needle in haystack
        return haystack.startswith(needle) if name == "startswith" else haystack.endswith(needle)
    if name == "contains" and kind(search) == ARRAY and len(search) > 0:
        item = ev.evaluate(node.args[1])
        return any(equals(item, element) for element in search)
    return False


def _format(ev: Evaluating, node: FunctionCall) -> str:
    text = to_string(ev.evaluate(node.args[0]))
    try:
        pieces = _parse_format(text, len(node.args) - 1)
    except ValueError as exc:
        raise ev.error(str(exc), node) from None
    # Format.cs evaluates each referenced argument once, only after the whole format
    # string has been checked.
    cache: dict[int, str] = {}
    counter = ev.counter(node)
    for piece in pieces:
        if isinstance(piece, str):
            counter.add(piece)  # Format.cs counts the literal text while reading it
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        arg, specifiers = piece
        if arg not in cache:
            cache[arg] = to_string(ev.evaluate(node.args[arg + 1]))
        if specifiers:
            raise ev.error(
                f"format specifiers ({specifiers!r}) are not supported in {text!r}", node
            )
        counter.add(cache[arg])
        out.append(cache[arg])
    return "".join(out)


def _read_placeholder(text: str, lbrace: int) -> tuple[int, str, int] | None:
    """Read ``{N}`` or ``{N:specifiers}`` at ``lbrace``: (N, specifiers, index of the closing
    brace), or ``None`` when malformed.  N must fit in a byte, as in the runner."""
    end = lbrace + 1
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    if end == lbrace + 1 or int(text[lbrace + 1 : end]) > 255 or end >= len(text):
        return None
    arg = int(text[lbrace + 1 : end])
    if text[end] == "}":
        return arg, "", end
    if text[end] != ":":
        return None
    specifiers: list[str] = []
    i = end + 1
    while i < len(text):
        if text[i] != "}":
            specifiers.append(text[i])
            i += 1
        elif text[i + 1 : i + 2] == "}":  # an escaped brace inside the specifiers
            specifiers.append("}")
            i += 2
        else:
            return arg, "".join(specifiers), i
    return None


def _parse_format(text: str, arg_count: int) -> list[str | tuple[int, str]]:
    """Split a ``format()`` string into literal text and (argument, specifiers) pairs.

    Follows ``Format.cs``: ``{{`` and ``}}`` are literal braces, ``{N}`` refers to argument N,
    any other brace is an error (``ValueError``), as is N beyond the arguments given.
    """
    pieces: list[str | tuple[int, str]] = []
    index = 0
    while index < len(text):
        lbrace, rbrace = text.find("{", index), text.find("}", index)
        if lbrace >= 0 and (rbrace < 0 or rbrace > lbrace):
            if text[lbrace + 1 : lbrace + 2] == "{":
                pieces.append(text[index : lbrace + 1])
                index = lbrace + 2
                continue
            placeholder = _read_placeholder(text, lbrace) if rbrace > lbrace + 1 else None
            if placeholder is None:
                raise ValueError(
                    f"invalid format string {text!r} (use '{{{{' and '}}}}' for literal braces)"
                )
            arg, specifiers, closing = placeholder
            if arg >= arg_count:
                raise ValueError(
                    f"format string {text!r} references {{{arg}}} but only {arg_count} argument(s) given"
                )
            pieces.extend((text[index:lbrace], (arg, specifiers)))
            index = closing + 1
        elif rbrace >= 0:
            if text[rbrace + 1 : rbrace + 2] != "}":
                raise ValueError(
                    f"invalid format string {text!r} (use '{{{{' and '}}}}' for literal braces)"
                )
            pieces.append(text[index : rbrace + 1])
            index = rbrace + 2
        else:
            pieces.append(text[index:])
            break
    return pieces
