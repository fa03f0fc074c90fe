"""Evaluating expressions to values: names and attributes (sources among them), containers,
operators, comprehensions and strings.  Calls are ``calls.py``.

An attribute or an item of tainted data is tainted (``payload["path"]``, ``upload.filename``);
an item of clean data looked up with a tainted key is clean (``ALLOWED[name]``: a value of a
fixed mapping).  Containers carry the taint of what is in them, as a whole.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from scriptrunner.scanners.code.taint.catalogue import (
    REQUEST,
    REQUEST_ATTRS,
    REQUEST_OBJECTS,
    UNDER_BASE,
    VALUE_SOURCES,
)
from scriptrunner.scanners.code.taint.guards import checks
from scriptrunner.scanners.code.taint.propagation import EVERY, LAST_COMPONENT_ATTRS
from scriptrunner.scanners.code.taint.scope import dotted
from scriptrunner.scanners.code.taint.state import State
from scriptrunner.scanners.code.taint.strings import build, pieces
from scriptrunner.scanners.code.taint.values import CLEAN, Val, join

#: Qualified names below which a name chain reads a value (``flask.request.args``).
VALUE_PREFIXES = tuple(f"{name}." for name in (*REQUEST_OBJECTS, *VALUE_SOURCES))


class Exprs(State):
    def call(self, node: ast.Call) -> Val:
        raise NotImplementedError  # calls.Calls

    def eval(self, node: ast.expr) -> Val:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            val: Val = getattr(self, handler)(node)
            return val
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.eval(child)
        return CLEAN

    # -- names ----------------------------------------------------------------------------

    def _constant(self, node: ast.Constant) -> Val:
        return Val(text=node.value) if isinstance(node.value, str) else CLEAN

    def _lambda(self, node: ast.Lambda) -> Val:
        return CLEAN

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> Val:
        """What a generator yields is what iterating over its result gives."""
        if node.value is not None:
            val = self.eval(node.value)
            self.returns.append(val.then(self.step(node, f"yielded by {self.fn.short}()")))
        return CLEAN

    def _name(self, node: ast.Name) -> Val:
        val = self.lookup(node.id)
        if val is not None:
            return val
        qualname = self.qualify(node)
        if qualname in REQUEST_OBJECTS:
            return Val(kind=REQUEST)
        if qualname in VALUE_SOURCES:
            return self._value_source(qualname, node)
        text = self.module.constants.get(node.id)
        return Val(text=text) if text is not None else CLEAN

    def _attribute(self, node: ast.Attribute) -> Val:
        path = dotted(node)
        if path is not None:
            val = self.lookup(path)
            if val is not None:
                return val
            qualname = self.qualify(node)
            if qualname is not None:
                if qualname in REQUEST_OBJECTS:
                    return Val(kind=REQUEST)
                if qualname in VALUE_SOURCES:
                    return self._value_source(qualname, node)
                if not qualname.startswith(VALUE_PREFIXES):
                    return CLEAN
            if path == "self.request":  # class-based views hold the request
                return Val(kind=REQUEST)
        base = self.eval(node.value)
        if base.kind == REQUEST:
            return self.source("http", node) if node.attr in REQUEST_ATTRS else CLEAN
        if base.kind == "pathlib.Path" and node.attr in LAST_COMPONENT_ATTRS:
            return base.made_safe({"path"}, EVERY)
        kind = self.project.attr_kind(base.kind, node.attr) if base.kind else ""
        if node.attr == "parent" and base.kind == "pathlib.Path":
            kind = base.kind
        return Val(base.facts, kind) if base.tainted or kind else CLEAN

    def _value_source(self, qualname: str, node: ast.expr) -> Val:
        val = self.source(VALUE_SOURCES[qualname], node)
        return Val(val.facts, seq=qualname == "sys.argv")

    def _subscript(self, node: ast.Subscript) -> Val:
        base = self.eval(node.value)
        self.eval(node.slice)
        sliced = base.seq and isinstance(node.slice, ast.Slice)  # argv[1:]: still a list
        return Val(base.facts, seq=sliced) if base.tainted else CLEAN

    # -- operators ------------------------------------------------------------------------

    def _string(self, node: ast.expr) -> Val:
        parts = pieces(node)
        if parts is None:
            if isinstance(node, ast.BinOp):  # `["prog"] + args`: still an argument list
                left, right = self.eval(node.left), self.eval(node.right)
                return join((left, right), seq=left.seq or right.seq)
            return self.call(node) if isinstance(node, ast.Call) else CLEAN
        return build(parts, self.eval)

    def _binop(self, node: ast.BinOp) -> Val:
        if isinstance(node.op, ast.Add | ast.Mod):
            return self._string(node)
        left, right = self.eval(node.left), self.eval(node.right)
        if isinstance(node.op, ast.Div) and left.kind == "pathlib.Path":  # BASE / name
            return join((left, right.made_safe({UNDER_BASE}, EVERY)), kind=left.kind)
        return join((left, right))

    def _boolop(self, node: ast.BoolOp) -> Val:
        vals = [self.eval(v) for v in node.values]
        return join(vals, kind=next((v.kind for v in vals if v.kind), ""))

    def _ifexp(self, node: ast.IfExp) -> Val:
        """``x if x in ALLOWED else DEFAULT``: each branch sees what the test checked."""
        self.eval(node.test)
        when_true, when_false = checks(self, node.test)
        body = self._checked(when_true, node.body)
        orelse = self._checked(when_false, node.orelse)
        return join((body, orelse), kind=body.kind or orelse.kind, seq=body.seq and orelse.seq)

    def _checked(self, checked: frozenset[str], node: ast.expr) -> Val:
        if not checked:
            return self.eval(node)
        saved = self.env
        self.env = dict(saved)
        self.sanitise(checked)
        try:
            return self.eval(node)
        finally:
            self.env = saved

    def _compare(self, node: ast.Compare) -> Val:
        self.eval(node.left)
        for other in node.comparators:
            self.eval(other)
        return CLEAN

    def _unary(self, node: ast.UnaryOp) -> Val:
        self.eval(node.operand)
        return CLEAN

    # -- containers -----------------------------------------------------------------------

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set) -> Val:
        vals = [self.eval(e) for e in node.elts]
        return join(vals, seq=not isinstance(node, ast.Set))

    def _dict(self, node: ast.Dict) -> Val:
        for key in node.keys:
            if key is not None:
                self.eval(key)
        return join(self.eval(v) for v in node.values)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> Val:
        with self._bound(node.generators):
            return join((self.eval(node.elt),), seq=isinstance(node, ast.ListComp))

    def _dictcomp(self, node: ast.DictComp) -> Val:
        with self._bound(node.generators):
            self.eval(node.key)
            return join((self.eval(node.value),))

    def _bound(self, generators: list[ast.comprehension]) -> _Scope:
        return _Scope(self, generators)

    def bind(self, target: ast.expr, val: Val) -> None:
        """Bind the names of a loop or comprehension target to ``val`` (no flow step)."""
        for name in _names(target):
            self.env[name] = Val(val.facts)

    def _named(self, node: ast.NamedExpr) -> Val:
        val = self.eval(node.value)
        self.env[node.target.id] = val
        return val

    def _passthrough(self, node: ast.Await | ast.Starred) -> Val:
        return self.eval(node.value)


class _Scope:
    """Comprehension variables, bound while the comprehension is evaluated."""

    def __init__(self, owner: Exprs, generators: list[ast.comprehension]) -> None:
        self.owner = owner
        self.generators = generators
        self.saved: dict[str, Val | None] = {}

    def __enter__(self) -> None:
        for gen in self.generators:
            val = self.owner.eval(gen.iter)
            for name in _names(gen.target):
                self.saved.setdefault(name, self.owner.env.get(name))
            self.owner.bind(gen.target, val)
            for cond in gen.ifs:
                self.owner.eval(cond)

    def __exit__(self, *exc: object) -> None:
        for name, old in self.saved.items():
            if old is None:
                self.owner.env.pop(name, None)
            else:
                self.owner.env[name] = old


def _names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            yield from _names(elt)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


#: Expression type -> the method of :class:`Exprs` that evaluates it.
_HANDLERS: dict[type[ast.AST], str] = {
    ast.Constant: "_constant",
    ast.Name: "_name",
    ast.Attribute: "_attribute",
    ast.Subscript: "_subscript",
    ast.JoinedStr: "_string",
    ast.BinOp: "_binop",
    ast.BoolOp: "_boolop",
    ast.IfExp: "_ifexp",
    ast.Compare: "_compare",
    ast.UnaryOp: "_unary",
    ast.Call: "call",
    ast.List: "_sequence",
    ast.Tuple: "_sequence",
    ast.Set: "_sequence",
    ast.Dict: "_dict",
    ast.ListComp: "_comprehension",
    ast.SetComp: "_comprehension",
    ast.GeneratorExp: "_comprehension",
    ast.DictComp: "_dictcomp",
    ast.NamedExpr: "_named",
    ast.Await: "_passthrough",
    ast.Starred: "_passthrough",
    ast.Lambda: "_lambda",
    ast.Yield: "_yield",
    ast.YieldFrom: "_yield",
}
