"""Strings built from pieces (f-strings, ``+``, ``%``, ``str.format``), and where in a URL
untrusted data ends up.

Data placed after a fixed scheme and host (``f"https://api.example.com/items/{x}"``), after
a base that is not untrusted (``f"{settings.API}/items/{x}"``, ``BASE + x``) or in a relative
path (``"/items/" + x``) cannot choose where a request or a redirect goes: it is safe for
the ``ssrf`` and ``redirect`` classes (it may still be a path traversal or anything else).
Data at the start of the string, or right after ``scheme://`` or a host without a path,
chooses the destination.  Data after anything is marked ``UNDER_BASE`` (in a path, it is
under a base).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from scriptrunner.scanners.code.taint.catalogue import SINK_CLASSES, UNDER_BASE
from scriptrunner.scanners.code.taint.values import Val, join

#: Untrusted data here cannot change the destination of a URL.
PLACED = frozenset({"ssrf", "redirect"})
#: Stands for a piece that is not constant but not untrusted either.
UNKNOWN = "\x00"
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

Piece = str | ast.expr


def pieces(node: ast.expr) -> list[Piece] | None:
    """The constant parts and the expressions a string is built from, in order; None when
    ``node`` does not build a string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out: list[Piece] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                out.append(value.value)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = pieces(node.left) if _stringy(node.left) else None
        right = pieces(node.right) if _stringy(node.right) else None
        if left is None and right is None:
            return None
        return [*(left if left is not None else [node.left]), *(right or [node.right])]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return _percent(node.left.value, node.right)
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        base = node.func.value
        if node.func.attr == "format" and isinstance(base, ast.Constant):
            if isinstance(base.value, str):
                return _format(base.value, node)
    return None


def _stringy(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    )


def _percent(fmt: str, right: ast.expr) -> list[Piece]:
    values = list(right.elts) if isinstance(right, ast.Tuple) else None
    out: list[Piece] = []
    start, n = 0, 0
    for m in _PERCENT.finditer(fmt):
        out.append(fmt[start : m.start()])
        start = m.end()
        if m.group(0) == "%%":
            out.append("%")
        elif values is None:
            out.append(right)
        elif n < len(values):
            out.append(values[n])
            n += 1
    out.append(fmt[start:])
    return out


def _format(fmt: str, call: ast.Call) -> list[Piece]:
    named = {k.arg: k.value for k in call.keywords if k.arg}
    spread = [k.value for k in call.keywords if k.arg is None]
    out: list[Piece] = []
    start, auto = 0, 0
    for m in _FIELD.finditer(fmt):
        out.append(fmt[start : m.start()])
        start = m.end()
        field = m.group(1)
        if field is None:
            out.append(m.group(0)[0])
            continue
        key = re.split(r"[.\[!:]", field, maxsplit=1)[0]
        if key == "":
            key, auto = str(auto), auto + 1
        if key.isdigit():
            index = int(key)
            if index < len(call.args):
                out.append(call.args[index])
        elif key in named:
            out.append(named[key])
        else:
            out += spread
    out.append(fmt[start:])
    return out


def placed(prefix: str) -> bool:
    """Whether data appended to ``prefix`` is inside a URL whose destination is fixed."""
    if not prefix:
        return False
    _, sep, rest = prefix.partition("://")
    if sep:
        return any(c in rest for c in "/?#")
    if prefix.startswith("//"):
        return "/" in prefix[2:]
    if prefix[0] in "/?#" or prefix[0] == UNKNOWN:
        return not prefix.endswith((":", "@", "//"))
    return "/" in prefix or "?" in prefix


def build(parts: list[Piece], evaluate: Callable[[ast.expr], Val]) -> Val:
    """The value of a string built from ``parts``: the pieces' taint, each fact made safe
    for ``PLACED`` classes when its piece cannot choose a URL's destination."""
    prefix = ""
    vals: list[Val] = []
    for part in parts:
        if isinstance(part, str):
            prefix += part
            continue
        val = evaluate(part)
        if val.text is not None:
            prefix += val.text
            continue
        if val.tainted and prefix:
            val = val.made_safe({UNDER_BASE} | (PLACED if placed(prefix) else set()), SINK_CLASSES)
        vals.append(val)
        prefix += UNKNOWN
    if not vals:
        return Val(text=prefix) if UNKNOWN not in prefix else Val()
    return join(vals)
