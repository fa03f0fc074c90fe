"""Load-time checks of ``${{ ... }}`` expressions.

Expressions are rendered only when a task runs, but a typo in one should fail the load,
not the task at 3 a.m.  Each expression is parsed (:mod:`.evaluate`), its
top-level names must be known contexts, status functions (``failure()``) may only appear
in conditions, and - as GitHub does - ``needs.X`` must name a task this task needs and
``matrix.K`` a key of its matrix; ``secrets.S`` must be declared under ``secrets``.  Those last two walk the syntax tree, so ``needs['x']``
is checked too and text inside quoted strings is not; dynamic indexes are left alone.
Names compare case-insensitively, as property lookups do at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from scriptrunner.errors import ExpressionError, WorkflowError
from scriptrunner.workflows.expressions.evaluate import parse_expression
from scriptrunner.workflows.expressions.nodes import (
    ContextAccess,
    Index,
    Literal,
    referenced_contexts,
    uses_status_function,
    walk,
)
from scriptrunner.workflows.expressions.templates import find_expressions
from scriptrunner.workflows.fields import Where, did_you_mean
from scriptrunner.workflows.model import CONTEXTS
from scriptrunner.workflows.yaml_source import PathKey


@dataclass(frozen=True, slots=True)
class Scope:
    """What an expression may refer to: the task's needs and matrix keys.

    ``task`` is ``None`` for the workflow-level ``env``, which belongs to no task.
    ``matrix_keys`` is ``None`` for a task without a matrix.  ``secrets`` names the
    secrets declared for it (the workflow's and the task's); ``None``: not checked.
    """

    task: str | None
    needs: tuple[str, ...] = ()
    matrix_keys: tuple[str, ...] | None = None
    secrets: tuple[str, ...] | None = None


def _syntax(where: Where, path: PathKey, shown: str, exc: ExpressionError) -> WorkflowError:
    column = f" at column {exc.position}" if exc.position is not None else ""
    return where.error(path, f"invalid expression '{shown}': {exc.reason}{column}")


def check_expression(
    where: Where, path: PathKey, expr: str, scope: Scope, *, condition: bool = False
) -> None:
    """Raise a located :class:`WorkflowError` if ``expr`` (no ``${{ }}``) is not valid here.

    ``condition`` allows the status functions (``success()``, ``failure()``...).
    """
    shown = expr.strip()
    try:
        node = parse_expression(shown)
    except ExpressionError as exc:
        raise _syntax(where, path, shown, exc) from exc
    unknown = sorted(referenced_contexts(node) - CONTEXTS)
    if unknown:
        hint = did_you_mean(unknown[0], CONTEXTS, quote='"')
        raise where.error(
            path,
            f"unknown context \"{unknown[0]}\" in '{shown}'{hint}; "
            f"use one of {', '.join(sorted(CONTEXTS))}",
        )
    if not condition and uses_status_function(node):
        raise where.error(
            path,
            f"'{shown}': success(), failure(), cancelled() and always() only work in if/skip_if",
        )
    for item in walk(node):
        if (
            isinstance(item, Index)
            and isinstance(item.target, ContextAccess)
            and isinstance(item.index, Literal)
            and isinstance(item.index.value, str)
        ):
            context = item.target.name.lower()
            if context == "needs":
                _check_need(where, path, item.index.value, scope)
            elif context == "matrix":
                _check_matrix_key(where, path, item.index.value, scope)
            elif context == "secrets":
                _check_secret(where, path, item.index.value, scope)


def _known(name: str, names: tuple[str, ...]) -> bool:
    return name.lower() in {n.lower() for n in names}


def _check_need(where: Where, path: PathKey, need: str, scope: Scope) -> None:
    if scope.task is None:
        raise where.error(path, f"needs.{need}: only a task's own fields can use needs")
    if not _known(need, scope.needs):
        hint = did_you_mean(need, scope.needs, quote='"')
        raise where.error(
            path,
            f'needs.{need} is not available: task "{scope.task}" does not need "{need}"'
            f"{hint}; add it to needs",
        )


def _check_matrix_key(where: Where, path: PathKey, key: str, scope: Scope) -> None:
    if scope.task is None:
        raise where.error(path, f"matrix.{key}: only a task's own fields can use matrix")
    if scope.matrix_keys is None:
        raise where.error(path, f'matrix.{key} is not defined: task "{scope.task}" has no matrix')
    if not _known(key, scope.matrix_keys):
        hint = did_you_mean(key, scope.matrix_keys, quote='"')
        raise where.error(
            path,
            f'matrix.{key} is not defined: the matrix of task "{scope.task}" has no key "{key}"{hint}',
        )


def _check_secret(where: Where, path: PathKey, name: str, scope: Scope) -> None:
    # An undeclared secret would render as an empty string: a typo must not send an empty
    # password.
    if scope.secrets is None or _known(name, scope.secrets):
        return
    hint = did_you_mean(name, scope.secrets, quote='"')
    declared = ", ".join(scope.secrets) or "none"
    raise where.error(
        path,
        f"secrets.{name} is not declared{hint}; declare it under secrets (declared: {declared})",
    )


def check_text(where: Where, path: PathKey, text: str, scope: Scope) -> None:
    """Check every ``${{ }}`` embedded in a string field (``run``, ``args``, ``env``...)."""
    try:
        spans = find_expressions(text)
    except ExpressionError as exc:
        raise where.error(path, exc.reason) from exc
    for _, inner in spans:
        check_expression(where, path, inner, scope)


def condition(where: Where, path: PathKey, text: str, scope: Scope) -> str:
    """Normalise and check an ``if``/``skip_if`` value; return the bare expression.

    Like GitHub, a condition may be written bare (``failure()``) or wrapped whole
    (``${{ failure() }}``).  A value that mixes the two (``${{ a }} == b``) would be a
    non-empty string, hence always true in GitHub; here it is an error instead.
    """
    stripped = text.strip()
    try:
        spans = find_expressions(stripped)
    except ExpressionError as exc:
        raise where.error(path, exc.reason) from exc
    if spans:
        wrapped = (
            len(spans) == 1
            and stripped.startswith("${{")
            and stripped.endswith("}}")
            and stripped[3:-2].strip() == spans[0][1].strip()
        )
        if not wrapped:
            raise where.error(
                path,
                "write the condition bare or wrap all of it in one ${{ }}, "
                f"not a mix: '{stripped}'",
            )
        stripped = spans[0][1].strip()
    if not stripped:
        raise where.error(path, "condition is empty")
    check_expression(where, path, stripped, scope, condition=True)
    return stripped
