"""The syntax tree of GitHub Actions expressions, and the questions asked of it.

One frozen dataclass per node kind (``Node`` is their union); ``walk`` visits a tree
without recursion, ``referenced_contexts`` and ``uses_status_function`` answer what the
loader and ``if:`` conditions need to know.  :mod:`.parser` builds these trees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

#: Status-check functions (only meaningful in ``if:`` conditions).
STATUS_FUNCTIONS = frozenset({"success", "failure", "cancelled", "always"})


@dataclass(frozen=True, slots=True)
class Literal:
    """A ``null``, boolean, number or string literal (also a property name after ``.``)."""

    value: object
    pos: int


@dataclass(frozen=True, slots=True)
class ContextAccess:
    """A top-level named value such as ``github`` or ``matrix``."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Wildcard:
    """The ``*`` of an object filter (``a.*`` or ``a[*]``)."""

    pos: int


@dataclass(frozen=True, slots=True)
class Index:
    """``target[index]``; ``target.name`` is ``Index(target, Literal('name'))``."""

    target: Node
    index: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    """``!operand``."""

    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    """A comparison: ``==``, ``!=``, ``<``, ``<=``, ``>`` or ``>=``."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Logical:
    """``a && b && ...`` or ``a || b || ...`` (at least two operands)."""

    op: str
    operands: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A function call; ``name`` is spelled as written (lookups are case-insensitive)."""

    name: str
    args: tuple[Node, ...]
    pos: int


Node = Literal | ContextAccess | Wildcard | Index | Not | Binary | Logical | FunctionCall


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``."""
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, FunctionCall):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, without recursion (trees built by hand may be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def referenced_contexts(node: Node) -> set[str]:
    """The top-level context names ``node`` reads, lower-cased (GitHub matches them
    case-insensitively), e.g. ``{'needs', 'matrix'}``."""
    return {n.name.lower() for n in walk(node) if isinstance(n, ContextAccess)}


def uses_status_function(node: Node) -> bool:
    """Whether ``node`` calls ``success()``, ``failure()``, ``cancelled()`` or ``always()``
    anywhere -- the runner's test for adding the implicit ``success() &&`` to ``if:``."""
    return any(
        isinstance(n, FunctionCall) and n.name.lower() in STATUS_FUNCTIONS for n in walk(node)
    )
