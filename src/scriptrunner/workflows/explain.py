"""Why a task did what it did: the words for a skip, a condition as it is really evaluated,
and whether a condition reads the status of other tasks.

The scheduler (a skipped task's ``reason``), ``workflow plan`` (the implicit
``success() &&``), ``--resume`` (what must be evaluated again) and ``workflow eval --run``
share these rules, so the four never disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scriptrunner.workflows.expressions import (
    ExpressionError,
    Node,
    TaskStatus,
    evaluate_node,
    parse_expression,
    uses_status_function,
)
from scriptrunner.workflows.expressions.nodes import (
    STATUS_FUNCTIONS,
    ContextAccess,
    FunctionCall,
    Index,
    Literal,
    walk,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

#: How a need ended, as "needs `a`, which ..." says it (by task state).
_ENDED = {
    "failed": "failed",
    "timed_out": "timed out",
    "error": "ended in error",
    "blocked": "was blocked by its security gate",
    "skipped": "was skipped",
    "cancelled": "was cancelled",
    "lost": "was lost (its runner or worker died)",
    "infrastructure": "could not run on the cluster",
    "running": "had not finished",
}


def ended(state: str) -> str:
    """``failed``, ``was skipped``...: how a task in ``state`` ended, for a sentence."""
    return _ENDED.get(state, state)


def effective_condition(condition: str | None) -> str:
    """The condition as it is evaluated: ``success()`` when there is none, and GitHub's
    implicit ``success() && (...)`` in front of one that calls no status function."""
    if condition is None or not condition.strip():
        return "success()"
    try:
        node = parse_expression(condition)
    except ExpressionError:
        return condition  # the loader checked it; a hand-built spec shows as written
    return condition if uses_status_function(node) else f"success() && ({condition})"


def status_dependence(condition: str | None) -> bool:
    """Whether ``condition`` reads the status of other tasks: it calls a status function
    (``success()`` written out, ``failure()``, ``always()``, ``cancelled()``) or reads
    ``needs`` beyond ``needs.<task>.outputs`` (``needs.a.result``, ``toJSON(needs)``).

    Without these a task's condition gives the same answer whenever its needs end the same
    way, which is what lets ``--resume`` reuse it."""
    if condition is None or not condition.strip():
        return False
    try:
        node = parse_expression(condition)
    except ExpressionError:
        return True  # cannot tell: evaluate it again
    if uses_status_function(node):
        return True
    # ``needs.<task>.outputs...`` reads values only; every other use of ``needs`` may read
    # a result.
    safe: set[int] = set()
    for item in walk(node):
        if (
            isinstance(item, Index)
            and isinstance(item.index, Literal)
            and str(item.index.value).lower() == "outputs"
            and isinstance(item.target, Index)
            and isinstance(item.target.target, ContextAccess)
        ):
            safe.add(id(item.target.target))
    return any(
        isinstance(item, ContextAccess) and item.name.lower() == "needs" and id(item) not in safe
        for item in walk(node)
    )


def blocking_need(
    needs: Sequence[str],
    state_of: Callable[[str], str | None],
    needs_of: Callable[[str], Sequence[str]],
    succeeded: Callable[[str], bool],
) -> str | None:
    """Why ``success()`` is false for a task with these ``needs``: ``needs `a`, which
    failed``, or for a need that succeeded after an earlier failure ``needs `b`, which ran
    after `a` failed``; None when every need and its ancestors succeeded.

    ``state_of`` gives a finished task's state, ``needs_of`` its needs and ``succeeded``
    whether its result counts as success (``continue_on_error`` included)."""
    for need in dict.fromkeys(needs):
        if not succeeded(need):
            return f"needs `{need}`, which {ended(state_of(need) or 'running')}"
        root = _first_unsuccessful_ancestor(need, state_of, needs_of, succeeded)
        if root is not None:
            return f"needs `{need}`, which ran after `{root}` {ended(state_of(root) or 'running')}"
    return None


def _first_unsuccessful_ancestor(
    start: str,
    state_of: Callable[[str], str | None],
    needs_of: Callable[[str], Sequence[str]],
    succeeded: Callable[[str], bool],
) -> str | None:
    seen: set[str] = set()
    queue = list(needs_of(start))
    while queue:  # breadth first: the nearest cause is named
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        if not succeeded(current):
            return current
        queue.extend(needs_of(current))
    return None


def skip_reason(
    condition: str | None,
    *,
    cancelled: bool,
    status_success: bool,
    cause: str | None,
) -> str:
    """The ``reason`` of a task whose condition was false.

    A condition that calls no status function (or none at all) was false because of the
    implicit ``success()``: the reason is the need that did not succeed (``cause``).
    Otherwise the condition itself is named, with the cause when ``success()`` was false."""
    if cancelled:
        return "workflow cancelled"
    implicit = condition is None or effective_condition(condition) != condition
    if implicit and not status_success and cause:
        return cause
    text = condition if condition is not None else "success()"
    shown = f"condition `{text}` is false"
    return f"{shown} ({cause})" if cause and not status_success else shown


def needs_status(contexts: Mapping[str, Any]) -> TaskStatus:
    """The status functions as a ``needs`` context says them (``workflow eval``):
    ``success()`` when every need's ``result`` is ``success``, ``failure()`` when one is
    ``failure``; a need without a ``result`` is not counted.  No ``needs``: GitHub's
    defaults (``success()`` true)."""
    needs = contexts.get("needs")
    results = [
        need.get("result")
        for need in (needs.values() if isinstance(needs, Mapping) else ())
        if isinstance(need, Mapping) and need.get("result") is not None
    ]
    return TaskStatus(
        success=all(r == "success" for r in results),
        failure=any(r == "failure" for r in results),
    )


def _chain(node: Node) -> str | None:
    """``needs.a.outputs.rows`` for a context read with literal keys only, else None."""
    keys: list[str] = []
    while isinstance(node, Index):
        if not isinstance(node.index, Literal) or not isinstance(node.index.value, str):
            return None
        key = node.index.value
        keys.append(f".{key}" if _NAME.fullmatch(key) else f"[{json.dumps(key)}]")
        node = node.target
    if not isinstance(node, ContextAccess):
        return None
    return node.name + "".join(reversed(keys))


def used_values(
    expression: str, contexts: Mapping[str, Any], status: TaskStatus, *, condition: bool
) -> list[tuple[str, Any]]:
    """What an expression read, as ``(text, value)`` pairs in reading order: each context
    value (the longest literal path: ``needs.a.outputs.rows``), each status function it
    calls, and for a ``condition`` the results of the needs and ``success()`` behind the
    implicit ``success() &&``."""
    node = parse_expression(expression)
    inner: set[int] = set()
    for item in walk(node):
        if isinstance(item, Index) and _chain(item) is not None:
            inner.add(id(item.target))
    used: dict[str, Any] = {}
    implicit = condition and not uses_status_function(node)
    if condition and (implicit or uses_status_function(node)):
        for name, need in (contexts.get("needs") or {}).items():
            used[f"needs.{name}.result"] = (need or {}).get("result")
    for item in walk(node):
        text = _chain(item) if isinstance(item, Index | ContextAccess) else None
        if text is not None and id(item) not in inner and text not in used:
            try:
                used[text] = evaluate_node(item, contexts, status=status, expression=text)
            except ExpressionError as exc:
                used[text] = f"<{exc.reason}>"
        if isinstance(item, FunctionCall) and item.name.lower() in STATUS_FUNCTIONS:
            used[f"{item.name.lower()}()"] = _status_value(item.name.lower(), status)
    if implicit:
        used["success()"] = status.success
    return list(used.items())


def _status_value(name: str, status: TaskStatus) -> bool:
    return {
        "success": status.success,
        "failure": status.failure,
        "cancelled": status.cancelled,
        "always": True,
    }[name]
