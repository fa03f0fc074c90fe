"""Evaluation of parsed GitHub Actions expressions: the tree walk and the operators.

Operator semantics follow ``actions/runner`` ``src/Sdk/Expressions/Sdk/Operators/*.cs``:
``&&``/``||`` short-circuit and return the deciding operand, comparisons coerce as the
docs' loose-equality table says (:mod:`.values`), and ``[ ]``/``.`` index objects, arrays
and object filters.  Function calls are delegated to :mod:`.functions`.  Every value is
counted against GitHub's memory limit (:mod:`.memory`) at its depth in the tree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions.functions import TaskStatus, call_function
from scriptrunner.workflows.expressions.memory import (
    MIN_OBJECT_SIZE,
    POINTER_SIZE,
    EvaluationMemory,
    MemoryCounter,
    value_bytes,
)
from scriptrunner.workflows.expressions.nodes import (
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
from scriptrunner.workflows.expressions.values import (
    ARRAY,
    OBJECT,
    Declared,
    FilteredArray,
    compare,
    equals,
    get_property,
    is_primitive,
    is_truthy,
    kind,
    to_number,
    to_string,
)

_INT32_MAX = 2**31 - 1


class Evaluator:
    """Evaluates one tree against ``contexts``; errors name ``source`` and the node column."""

    def __init__(self, source: str, contexts: Mapping[str, Any], status: TaskStatus | None) -> None:
        self.source = source
        self.contexts = contexts
        self.status = status
        self.memory = EvaluationMemory()
        self._level = -1  # the depth of the node being evaluated; the root is 0

    def error(self, reason: str, node: Node) -> ExpressionError:
        """An ``ExpressionError`` located at ``node``."""
        return ExpressionError(reason, expression=self.source, position=node.pos)

    def counter(self, node: Node) -> MemoryCounter:
        """A memory counter for the string a function at ``node`` builds."""
        return MemoryCounter(lambda reason: self.error(reason, node))

    def evaluate(self, node: Node) -> Any:
        """The value of ``node``, counted against the memory limit."""
        level = self._level = self._level + 1
        try:
            value = self._value(node)
        finally:
            self._level = level - 1
        self._count(node, value, level)
        return value

    def _count(self, node: Node, value: Any, level: int) -> None:
        # ExpressionNode.Evaluate: a filter counts a pointer per item; a value read from
        # existing data counts a reference (and a primitive's converted value) and keeps
        # what is below it; a new primitive counts its size and releases what is below it.
        fresh = False
        if isinstance(value, FilteredArray):
            amount = POINTER_SIZE * len(value)
        elif isinstance(node, ContextAccess | Index) or (
            isinstance(node, FunctionCall) and node.name.lower() == "fromjson"
        ):
            amount = MIN_OBJECT_SIZE + (value_bytes(value) if is_primitive(value) else 0)
        else:
            amount, fresh = value_bytes(value), is_primitive(value)
        self.memory.add(
            level, amount, lambda reason: self.error(reason, node), release_deeper=fresh
        )

    def _value(self, node: Node) -> Any:
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
            return call_function(self, node)
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
            found, value = (
                get_property(target, to_string(index)) if is_primitive(index) else (False, None)
            )
            if not found and isinstance(target, Declared):
                raise self.error(f"{to_string(index)!r} is not declared", node)
            return value
        position = _array_index(index)
        return target[position] if position is not None and position < len(target) else None


def _array_index(index: Any) -> int | None:
    # Index.cs IndexHelper: the index is converted to a number and floored; NaN, negative
    # and out-of-Int32 indexes find nothing.
    number = to_number(index)
    if math.isnan(number) or number < 0:
        return None
    number = math.floor(number) if math.isfinite(number) else number
    return int(number) if number <= _INT32_MAX else None
