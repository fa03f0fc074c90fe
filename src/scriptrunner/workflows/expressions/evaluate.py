"""Parsing and evaluating expressions, rendering templates and ``if:`` conditions.

The entry points the package re-exports (see :mod:`scriptrunner.workflows.expressions`):
they unwrap ``${{ }}`` (:mod:`.templates`), parse (:mod:`.parser`), check context names
and status functions the way the runner does while parsing, evaluate (:mod:`.operators`)
and turn the result into plain JSON-like values or template text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from scriptrunner.errors import ConfigError, ExpressionError
from scriptrunner.workflows.expressions.functions import TaskStatus
from scriptrunner.workflows.expressions.lexer import is_legal_identifier
from scriptrunner.workflows.expressions.nodes import (
    STATUS_FUNCTIONS,
    ContextAccess,
    FunctionCall,
    Node,
    uses_status_function,
    walk,
)
from scriptrunner.workflows.expressions.operators import Evaluator
from scriptrunner.workflows.expressions.parser import (
    parse,
    status_outside_condition,
    unknown_context,
)
from scriptrunner.workflows.expressions.templates import (
    END,
    START,
    find_expressions,
    is_whole,
    unwrap,
)
from scriptrunner.workflows.expressions.values import (
    FilteredArray,
    check_json_depth,
    fold,
    format_number,
    is_truthy,
    kind,
    to_json,
)


def parse_expression(
    expr: str, contexts: Iterable[str] | None = None, *, status_functions: bool = True
) -> Node:
    """Parse ``expr`` (with or without a surrounding ``${{ }}``) into a syntax tree.

    Checks syntax, function names and argument counts; context names too when
    ``contexts`` (the available names) is given, status functions are rejected when
    ``status_functions`` is false -- both in reading order with the syntax errors, as the
    runner's parser does.  The empty expression is ``null``; an empty ``${{ }}`` is an
    error.  Raises ``ExpressionError``.
    """
    return parse(unwrap(expr), contexts, status_functions=status_functions)


def _check_names(
    node: Node,
    contexts: Mapping[str, Any],
    *,
    status: TaskStatus | None = None,
    expression: str = "",
) -> None:
    """Raise ``ExpressionError`` if ``node`` names a context not in ``contexts``, or calls a
    status function (``failure()``...) without a ``status``.

    The runner makes these checks while parsing, so they are errors even inside a branch
    that short-circuiting would skip; :func:`evaluate_node` makes them before evaluating
    (a tree from :func:`parse_expression` without ``contexts`` has not had them).
    """
    available = {fold(str(name)) for name in contexts}
    unknown = [
        n for n in walk(node) if isinstance(n, ContextAccess) and fold(n.name) not in available
    ]
    if unknown:
        first = min(unknown, key=lambda n: n.pos)
        raise unknown_context(first.name, first.pos, expression, (str(n) for n in contexts))
    if status is None:
        calls = [
            n
            for n in walk(node)
            if isinstance(n, FunctionCall) and n.name.lower() in STATUS_FUNCTIONS
        ]
        if calls:
            first_call = min(calls, key=lambda n: n.pos)
            raise status_outside_condition(first_call.name, first_call.pos, expression)


def _export(value: Any) -> Any:
    # Filter results become plain lists; whole doubles become ints (GitHub has one number
    # type, so 3 and 3.0 are the same value and print as "3").
    if isinstance(value, FilteredArray):
        return list(value)
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) <= 2**53
    ):
        return int(value)
    return value


def evaluate_node(
    node: Node,
    contexts: Mapping[str, Any],
    *,
    status: TaskStatus | None = None,
    expression: str = "",
) -> Any:
    """Evaluate a tree from :func:`parse_expression`; ``expression`` is only used in errors."""
    _check_names(node, contexts, status=status, expression=expression)
    return _export(Evaluator(expression, contexts, status).evaluate(node))


def evaluate_expression(
    expr: str, contexts: Mapping[str, Any], *, status: TaskStatus | None = None
) -> Any:
    """Evaluate ``expr`` (with or without a surrounding ``${{ }}``) against ``contexts``.

    ``contexts`` maps top-level names (``github``, ``matrix``, ...) to JSON-like values.
    ``status`` enables ``success()``/``failure()``/``cancelled()``/``always()``.  Returns a
    JSON-like value (object filters give lists; whole numbers are ints).
    """
    source = unwrap(expr)
    node = parse(source, contexts, status_functions=status is not None)
    return evaluate_node(node, contexts, status=status, expression=source)


def value_to_string(value: Any) -> str:
    """Text for a value substituted into a template: null ``''``, booleans ``'true'`` /
    ``'false'``, numbers GitHub-style (``3``, ``0.5``, ``1E+15``), arrays and objects as
    ``toJSON()`` output."""
    k = kind(value)
    if k == "null":
        return ""
    if k == "boolean":
        return "true" if value else "false"
    if k == "number":
        return format_number(value)
    if k == "string":
        return str(value)
    return to_json(value)


def render_template(
    text: str, contexts: Mapping[str, Any], *, status: TaskStatus | None = None
) -> str:
    """Replace every ``${{ expr }}`` in ``text`` with its value (see :func:`value_to_string`).

    All expressions are parsed before any is evaluated, so a syntax error anywhere is
    reported first.  Text outside ``${{ }}`` is kept as it is.
    """
    spans = find_expressions(text)
    if not spans:
        return text
    functions = status is not None
    nodes = [
        (start, inner, parse(inner.strip(), contexts, status_functions=functions))
        for start, inner in spans
    ]
    out: list[str] = []
    position = 0
    for start, inner, node in nodes:
        out.append(text[position:start])
        out.append(
            value_to_string(evaluate_node(node, contexts, status=status, expression=inner.strip()))
        )
        position = start + len(START) + len(inner) + len(END)
    out.append(text[position:])
    return "".join(out)


def evaluate_condition(
    expr: str | bool | None, contexts: Mapping[str, Any], *, status: TaskStatus
) -> bool:
    """Evaluate an ``if:`` condition to a boolean.

    GitHub's rules (``ConvertToIfCondition`` in the runner): ``${{ }}`` is optional; an
    empty condition means ``success()``; a condition that calls no status function is
    evaluated as ``success() && (expr)``; the result is converted by truthiness.  Text mixed
    with ``${{ }}`` (``"${{ a }} == b"``) is a string template, so it is true when the
    rendered text is non-empty -- GitHub's well-known pitfall, reproduced.
    """
    if expr is None or isinstance(expr, bool):  # YAML ``if: true`` arrives as a bool
        text = "" if expr is None else ("true" if expr else "false")
    else:
        text = expr.strip()
    if not text:
        return status.success
    if START in text:
        spans = find_expressions(text)
        if not is_whole(text, spans):
            nodes = [parse(inner.strip(), contexts) for _, inner in spans]
            for node, (_, inner) in zip(nodes, spans, strict=True):
                _check_names(node, contexts, status=status, expression=inner.strip())
            if not any(uses_status_function(node) for node in nodes) and not status.success:
                return False
            return render_template(text, contexts, status=status) != ""
        text = spans[0][1].strip()
    node = parse(text, contexts)
    if not uses_status_function(node):
        _check_names(node, contexts, status=status, expression=text)
        if not status.success:
            return False  # the implicit ``success() &&`` short-circuits
    return is_truthy(evaluate_node(node, contexts, status=status, expression=text))


def parse_context_arg(text: str) -> tuple[str, Any]:
    """Parse a ``NAME=JSON`` command-line argument, e.g. ``matrix={"os":"linux"}``.

    The name must be a legal expression identifier; the value must be strict JSON.
    Raises ``ConfigError`` with an example of the expected form.
    """
    example = 'expected NAME=JSON, e.g. matrix=\'{"os": "linux"}\''
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep:
        raise ConfigError(f"bad context {text!r}: missing '='; {example}")
    if not is_legal_identifier(name):
        raise ConfigError(f"bad context name {name!r}: use letters, digits, '_' or '-'; {example}")

    def reject_constant(constant: str) -> Any:
        raise ValueError(f"{constant} is not valid JSON")

    try:
        check_json_depth(raw)
        value = json.loads(raw, parse_constant=reject_constant)
    except ExpressionError as exc:
        raise ConfigError(f"bad JSON for context {name!r}: {exc.reason}") from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"bad JSON for context {name!r}: {exc}; {example}") from None
    return name, value
