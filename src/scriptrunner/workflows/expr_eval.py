"""Evaluation of parsed GitHub Actions expressions.

Operator and function semantics follow ``actions/runner`` ``src/Sdk/Expressions/Sdk``
(``Operators/*.cs``, ``Functions/*.cs``), including which arguments are evaluated at all:
``&&``/``||`` short-circuit, ``case()`` evaluates only what it needs and ``format()`` reads
only the arguments its format string references.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expr_parser import (
    Binary,
    ContextAccess,
    FunctionCall,
    Index,
    Literal,
    Logical,
    Node,
    Not,
    Wildcard,
)
from scriptrunner.workflows.expr_values import (
    ARRAY,
    BOOLEAN,
    OBJECT,
    FilteredArray,
    compare,
    equals,
    fold,
    get_property,
    is_primitive,
    is_truthy,
    kind,
    to_json,
    to_number,
    to_string,
)

_INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """The job status the status-check functions report.

    ``success()``, ``failure()`` and ``cancelled()`` return these fields; ``always()`` is
    always true.
    """

    success: bool = True
    failure: bool = False
    cancelled: bool = False


class Evaluator:
    """Evaluates one tree against ``contexts``; errors name ``source`` and the node column."""

    def __init__(self, source: str, contexts: Mapping[str, Any], status: TaskStatus | None) -> None:
        self.source = source
        self.contexts = contexts
        self.status = status

    def error(self, reason: str, node: Node) -> ExpressionError:
        """An ``ExpressionError`` located at ``node``."""
        return ExpressionError(reason, expression=self.source, position=node.pos)

    def evaluate(self, node: Node) -> Any:
        """The value of ``node``."""
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, ContextAccess):
            found, value = get_property(self.contexts, node.name)
            if not found:
                raise self.error(f"unknown context {node.name!r}", node)
            return value
        if isinstance(node, Index):
            return self._index(node)
        if isinstance(node, Not):
            return not is_truthy(self.evaluate(node.operand))
        if isinstance(node, Binary):
            return self._binary(node.op, self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, Logical):
            # And/Or.cs: return the first operand that decides the result, as a value.
            result: Any = None
            for operand in node.operands:
                result = self.evaluate(operand)
                if is_truthy(result) == (node.op == "||"):
                    break
            return result
        if isinstance(node, FunctionCall):
            return self._call(node)
        raise self.error("'*' is only allowed as an index", node)

    @staticmethod
    def _binary(op: str, left: Any, right: Any) -> bool:
        if op == "==":
            return equals(left, right)
        if op == "!=":
            return not equals(left, right)
        order = compare(left, right)
        if op == "<":
            return order == -1
        if op == ">":
            return order == 1
        # GreaterThanOrEqual.cs / LessThanOrEqual.cs: "equal, or greater/less", so the same
        # array or object instance is <= and >= itself.
        return equals(left, right) or order == (-1 if op == "<=" else 1)

    # -- property / index access (Operators/Index.cs) -------------------------------------
    def _index(self, node: Index) -> Any:
        target = self.evaluate(node.target)
        target_kind = kind(target)
        wildcard = isinstance(node.index, Wildcard)
        if target_kind not in (ARRAY, OBJECT) or (
            target_kind == OBJECT and not isinstance(target, Mapping)
        ):
            # Not a collection: null, or an empty filter for '*' (the index is not evaluated).
            return FilteredArray() if wildcard else None
        index = None if wildcard else self.evaluate(node.index)
        if isinstance(target, FilteredArray):
            result = FilteredArray()
            for item in target:
                if kind(item) == OBJECT and isinstance(item, Mapping):
                    if wildcard:
                        result.extend(item.values())
                    elif is_primitive(index):
                        found, value = get_property(item, to_string(index))
                        if found:
                            result.append(value)
                elif kind(item) == ARRAY:
                    if wildcard:
                        result.extend(item)
                    elif (position := _array_index(index)) is not None and position < len(item):
                        result.append(item[position])
            return result
        if wildcard:
            return FilteredArray(target.values() if isinstance(target, Mapping) else target)
        if isinstance(target, Mapping):
            return get_property(target, to_string(index))[1] if is_primitive(index) else None
        position = _array_index(index)
        return target[position] if position is not None and position < len(target) else None

    # -- functions (Functions/*.cs) ---------------------------------------------------------
    def _call(self, node: FunctionCall) -> Any:
        name = node.name.lower()
        args = node.args
        if name in ("contains", "startswith", "endswith"):
            return self._string_test(name, node)
        if name == "format":
            return self._format(node)
        if name == "join":
            items = self.evaluate(args[0])
            if kind(items) == ARRAY and len(items) > 0:
                separator = ","
                if len(items) > 1 and len(args) > 1:
                    given = self.evaluate(args[1])
                    if is_primitive(given):
                        separator = to_string(given)
                return separator.join(to_string(item) for item in items)
            return to_string(items) if is_primitive(items) else ""
        if name == "tojson":
            return to_json(self.evaluate(args[0]))
        if name == "fromjson":
            text = to_string(self.evaluate(args[0]))
            try:
                return json.loads(text)
            except ValueError as exc:
                raise self.error(f"fromJSON() could not parse {text[:60]!r}: {exc}", node) from None
        if name == "case":
            # Case.cs: predicates must be booleans; only the chosen value is evaluated.
            for i in range(0, len(args) - 1, 2):
                predicate = self.evaluate(args[i])
                if kind(predicate) != BOOLEAN:
                    raise self.error("case() predicate must evaluate to a boolean value", args[i])
                if predicate:
                    return self.evaluate(args[i + 1])
            return self.evaluate(args[-1])
        if name == "hashfiles":
            raise self.error("hashFiles() is not supported by scriptrunner", node)
        return self._status(name, node)

    def _status(self, name: str, node: FunctionCall) -> bool:
        if self.status is None:
            raise self.error(f"{node.name}() is only available in if: conditions", node)
        if name == "always":
            return True
        return bool(getattr(self.status, name))

    def _string_test(self, name: str, node: FunctionCall) -> bool:
        search = self.evaluate(node.args[0])
        if is_primitive(search):
            item = self.evaluate(node.args[1])
            if not is_primitive(item):
                return False
            haystack, needle = fold(to_string(search)), fold(to_string(item))
            if name == "contains":
                return needle in haystack
            return (
                haystack.startswith(needle) if name == "startswith" else haystack.endswith(needle)
            )
        if name == "contains" and kind(search) == ARRAY and len(search) > 0:
            item = self.evaluate(node.args[1])
            return any(equals(item, element) for element in search)
        return False

    def _format(self, node: FunctionCall) -> str:
        text = to_string(self.evaluate(node.args[0]))
        try:
            pieces = _parse_format(text, len(node.args) - 1)
        except ValueError as exc:
            raise self.error(str(exc), node) from None
        # Format.cs evaluates each referenced argument once, only after the whole format
        # string has been checked.
        cache: dict[int, str] = {}
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            arg, specifiers = piece
            if arg not in cache:
                cache[arg] = to_string(self.evaluate(node.args[arg + 1]))
            if specifiers:
                raise self.error(
                    f"format specifiers ({specifiers!r}) are not supported in {text!r}", node
                )
            out.append(cache[arg])
        return "".join(out)


def _array_index(index: Any) -> int | None:
    # Index.cs IndexHelper: the index is converted to a number and floored; NaN, negative
    # and out-of-Int32 indexes find nothing.
    number = to_number(index)
    if math.isnan(number) or number < 0:
        return None
    number = math.floor(number) if math.isfinite(number) else number
    return int(number) if number <= _INT32_MAX else None


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
