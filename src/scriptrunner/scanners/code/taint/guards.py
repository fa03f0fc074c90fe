"""Tests that check a value before it reaches a sink, and statements that end a branch.

``if x in ALLOWED:``, ``if x not in ALLOWED: return``, ``if not full.startswith(BASE):
abort(403)``, ``if not is_safe_url(target): raise ...``, ``if ".." in name: abort(400)``,
``if x == "csv":``: inside the branch where the check passed, and after a branch that ends
(``return``, ``raise``, ``continue``, ``break``, ``abort()``, ``sys.exit()``) when it failed,
the checked variables -- and the variables they were computed from -- are clean.  A check
is a membership test against a container that is not tainted, an equality with a value that
is not tainted, a ``startswith``/``is_relative_to``/``isdigit``/regular-expression match, a
``commonpath`` comparison, or a call of a function whose name reads as a check
(``is_*``, ``has_*``, ``check*``, ``valid*``, ``verify*``, ``*allowed*``, ``safe*``).
"""

from __future__ import annotations

import ast
from typing import Protocol

from scriptrunner.scanners.code.taint.propagation import (
    GUARD_CALLS,
    GUARD_METHODS,
    GUARD_NAME,
    TERMINATORS,
)
from scriptrunner.scanners.code.taint.scope import dotted
from scriptrunner.scanners.code.taint.values import Val

Paths = frozenset[str]
NONE: Paths = frozenset()
_ENDING_NAMES = frozenset({"abort", "exit", "quit"})


class Host(Protocol):
    def lookup(self, path: str) -> Val | None: ...

    def qualify(self, node: ast.expr) -> str | None: ...


def mentions(host: Host, node: ast.expr) -> Paths:
    """The tainted variables (access paths) that ``node`` reads."""
    found: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name | ast.Attribute):
            path = dotted(child)
            val = host.lookup(path) if path is not None else None
            if path is not None and val is not None and val.tainted:
                found.add(path)
    return frozenset(found)


def _clean(host: Host, node: ast.expr) -> bool:
    """Whether ``node`` reads no tainted variable (calls count as clean)."""
    return not mentions(host, node)


def checks(host: Host, test: ast.expr) -> tuple[Paths, Paths]:
    """The variables known checked when ``test`` is true, and when it is false."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        when_true, when_false = checks(host, test.operand)
        return when_false, when_true
    if isinstance(test, ast.BoolOp):
        parts = [checks(host, v) for v in test.values]
        if isinstance(test.op, ast.And):
            return frozenset().union(*(t for t, _ in parts)), NONE
        return NONE, frozenset().union(*(f for _, f in parts))
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare(host, test.ops[0], test.left, test.comparators[0])
    if isinstance(test, ast.Call) and _is_check(host, test):
        subjects = [*test.args, *(k.value for k in test.keywords)]
        if isinstance(test.func, ast.Attribute):
            subjects.append(test.func.value)
        return frozenset().union(*(mentions(host, s) for s in subjects)), NONE
    return NONE, NONE


def _compare(host: Host, op: ast.cmpop, left: ast.expr, right: ast.expr) -> tuple[Paths, Paths]:
    if isinstance(op, ast.In | ast.NotIn):
        if _clean(host, right):
            checked = mentions(host, left)
        elif isinstance(left, ast.Constant) and isinstance(left.value, str):
            checked = mentions(host, right)  # `".." in name`: checked when it is NOT in
            return (NONE, checked) if isinstance(op, ast.In) else (checked, NONE)
        else:
            return NONE, NONE
        return (checked, NONE) if isinstance(op, ast.In) else (NONE, checked)
    if isinstance(op, ast.Eq | ast.Is | ast.NotEq | ast.IsNot):
        if _clean(host, right):
            checked = mentions(host, left)
        elif _clean(host, left):
            checked = mentions(host, right)
        else:
            return NONE, NONE
        return (checked, NONE) if isinstance(op, ast.Eq | ast.Is) else (NONE, checked)
    return NONE, NONE


def _is_check(host: Host, call: ast.Call) -> bool:
    func = call.func
    qualname = host.qualify(func)
    if qualname in GUARD_CALLS:
        return True
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if isinstance(func, ast.Attribute) and name in GUARD_METHODS:
        return True
    return bool(GUARD_NAME.search(name))


def ends(host: Host, stmt: ast.stmt) -> bool:
    """Whether ``stmt`` always leaves the current block."""
    if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if host.qualify(func) in TERMINATORS:
            return True
        return isinstance(func, ast.Name) and func.id in _ENDING_NAMES
    return False
