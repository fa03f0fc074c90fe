"""Matrix expansion with GitHub Actions semantics.

The rules, from GitHub's "Running variations of jobs in a workflow":

1. The axes give the cartesian product, first axis varying slowest (file order).
2. ``exclude`` runs first.  An entry removes every combination it *partially* matches:
   all of the entry's key/value pairs equal the combination's.
3. ``include`` runs next, entry by entry.  An entry is merged into every *original*
   combination (one that came from the axes) whose axis values it does not contradict;
   it may overwrite values an earlier include added, never an axis value.  An entry that
   merges into no combination is appended as a new combination of its own, and later
   include entries do not merge into such appended combinations.
4. A matrix with no axes is just its ``include`` list.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from typing import Any

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.model import DEFAULT_MAX_MATRIX, MatrixSpec

# Past this many raw combinations we refuse before building them: expanding first and
# counting afterwards would let a typo (three 100-value axes) eat memory.
_EXPANSION_CAP = 65_536


class MatrixError(WorkflowError):
    """A matrix is empty or too large.  Messages carry no file location; callers add it."""


def values_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1`` and ``'1'`` is not ``1`` (Python says otherwise)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(values_equal, a, b))
    return type(a) is type(b) and a == b


def _matches(combination: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    return all(k in combination and values_equal(combination[k], v) for k, v in entry.items())


def raw_size(matrix: MatrixSpec) -> int:
    """Size of the cartesian product of the axes (0 when there are no axes)."""
    if not matrix.axes:
        return 0
    return math.prod(len(values) for values in matrix.axes.values())


def expand_matrix(matrix: MatrixSpec, *, limit: int = DEFAULT_MAX_MATRIX) -> list[dict[str, Any]]:
    """Return the matrix's combinations in GitHub's order.

    Raises :class:`MatrixError` for an empty axis, for more than ``limit`` combinations
    and for a matrix that ends up with no combination at all.
    """
    for key, values in matrix.axes.items():
        if not values:
            raise MatrixError(f"matrix axis {key!r} has no values; give at least one")
    size = raw_size(matrix)
    if size > max(limit, _EXPANSION_CAP):  # limit <= MAX_MATRIX_LIMIT < _EXPANSION_CAP
        raise MatrixError(
            f"matrix has {size} combinations before exclude, more than max_matrix ({limit}); "
            "remove axis values or raise max_matrix"
        )
    names = list(matrix.axes)
    combinations: list[dict[str, Any]] = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*matrix.axes.values())
        if names
    ]
    combinations = [c for c in combinations if not any(_matches(c, e) for e in matrix.exclude)]
    originals = len(combinations)
    for entry in matrix.include:
        merged = False
        for combination in combinations[:originals]:
            # Only axis keys decide whether an entry fits; other keys may be overwritten.
            if all(values_equal(combination[k], v) for k, v in entry.items() if k in matrix.axes):
                combination.update(entry)
                merged = True
        if not merged:
            combinations.append(dict(entry))
    if len(combinations) > limit:
        raise MatrixError(
            f"matrix expands to {len(combinations)} combinations, more than max_matrix "
            f"({limit}); add exclude entries or raise max_matrix"
        )
    if not combinations:
        raise MatrixError("matrix produces no combinations: every combination is excluded")
    return combinations


def format_value(value: Any) -> str:
    """Show a matrix value the way it was written: ``mon``, ``3``, ``true``, ``null``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, separators=(",", ":"), default=str)


def instance_id(task: str, combination: Mapping[str, Any], matrix: MatrixSpec | None) -> str:
    """``task`` for a plain task, ``task (k=v, k2=v2)`` for a matrix combination.

    Keys appear in axis order, then keys only ``include`` added in the order written.
    """
    if matrix is None:
        return task
    axes = [k for k in matrix.axes if k in combination]
    extra = [k for k in combination if k not in matrix.axes]
    shown = ", ".join(f"{k}={format_value(combination[k])}" for k in axes + extra)
    return f"{task} ({shown})"


def named_combinations(
    task: str, matrix: MatrixSpec | None, *, limit: int = DEFAULT_MAX_MATRIX
) -> list[tuple[str, dict[str, Any]]]:
    """Pair each combination of ``task``'s matrix with its instance id.

    A task without a matrix has one instance named like the task.  Two combinations with
    the same id (an ``include`` entry repeated, or ``1`` next to ``'1'``) would make two
    instances nobody can tell apart, so that is a :class:`MatrixError`.
    """
    if matrix is None:
        return [(task, {})]
    named: dict[str, dict[str, Any]] = {}
    for combination in expand_matrix(matrix, limit=limit):
        ident = instance_id(task, combination, matrix)
        if ident in named:
            raise MatrixError(
                f"matrix produces {ident!r} twice; remove the duplicate include entry"
            )
        named[ident] = combination
    return list(named.items())
