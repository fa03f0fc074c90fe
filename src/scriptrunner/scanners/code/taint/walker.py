"""One function's analysis, statement by statement, in source order.

Branches are analysed apart and their variables joined after (a branch that always ends --
``return``, ``raise``, ``abort()`` -- does not flow on); checks in ``if`` tests make
variables clean where they passed (``guards.py``); a loop body runs twice so values carried
around the loop are seen.  The result is the function's :class:`Summary` (parameters and
sources to its result, parameters to sinks), the sources that reached sinks in it, and for
a module's top-level code the values of its globals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from scriptrunner.scanners.code.taint.calls import Calls
from scriptrunner.scanners.code.taint.entry import seed
from scriptrunner.scanners.code.taint.guards import checks, ends, mentions
from scriptrunner.scanners.code.taint.project import absolute
from scriptrunner.scanners.code.taint.scope import dotted
from scriptrunner.scanners.code.taint.state import Reached
from scriptrunner.scanners.code.taint.strings import pieces
from scriptrunner.scanners.code.taint.values import CLEAN, Fact, Summary, Val, join

Env = dict[str, Val]
_TRY: tuple[type[ast.stmt], ...] = tuple(
    getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name)
)


@dataclass(frozen=True, slots=True)
class Outcome:
    summary: Summary
    found: tuple[Reached, ...]
    globals: dict[str, Val]


def _merge(a: Env, b: Env) -> Env:
    out = dict(a)
    for key, val in b.items():
        old = out.get(key)
        if old is None or old is val:
            out[key] = val
        else:
            out[key] = join(
                (old, val),
                kind=old.kind or val.kind,
                seq=old.seq and val.seq,
            )
            if old.text is not None and old.text == val.text and not out[key].tainted:
                out[key] = old
    return out


def _taint_of(env: Env) -> frozenset[tuple[str, object]]:
    return frozenset((k, f.origin) for k, v in env.items() for f in v.facts)


class Walker(Calls):
    def run(self) -> Outcome:
        node = self.fn.node
        seeded = seed(self.fn, self.module, self.step)
        self.env.update(seeded.env)
        self.flask_view = seeded.flask_view
        self.block(node.body)
        returns = list(self.returns)
        if self.fn.qualname.endswith(".__init__"):  # the instance carries what it stores
            returns += [v for k, v in self.env.items() if k.startswith("self.")]
        facts: list[Fact] = [f for v in returns for f in v.facts]
        kinds = {v.kind for v in returns if v.kind}
        summary = Summary(
            params=seeded.params,
            positional=seeded.positional,
            vararg=seeded.vararg,
            kwarg=seeded.kwarg,
            bound=self.fn.bound,
            returns=join(Val((f,)) for f in facts).facts,
            sinks=tuple(dict.fromkeys(self.hits)),
            kind=kinds.pop() if len(kinds) == 1 else "",
            seq=bool(self.returns) and all(v.seq for v in self.returns),
        )
        top = isinstance(node, ast.Module)
        return Outcome(summary, tuple(self.found), dict(self.env) if top else {})

    # -- statements -----------------------------------------------------------------------

    def block(self, stmts: Sequence[ast.stmt]) -> bool:
        """Analyse ``stmts``; True when they always leave the block."""
        for stmt in stmts:
            if self.stmt(stmt):
                return True
        return False

    def stmt(self, node: ast.stmt) -> bool:
        if isinstance(node, ast.Assign):
            val = self.eval(node.value)
            for target in node.targets:
                self.assign(target, val, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            if node.value is not None:
                val = self.eval(node.value)
                if isinstance(node, ast.AugAssign):
                    val = join((self.eval(node.target), val))
                self.assign(node.target, val, node.value)
        elif isinstance(node, ast.Expr):
            self.eval(node.value)
            if isinstance(node.value, ast.Call):
                self._validated(node.value)
            return ends(self, node)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                val = self.eval(node.value)
                self._view_response(node.value, val)
                self.returns.append(val.then(self.step(node, f"returned from {self.fn.short}()")))
            return True
        elif isinstance(node, ast.If):
            return self._if(node)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self._loop(node)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                val = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, val, item.context_expr)
            return self.block(node.body)
        elif isinstance(node, _TRY):  # try/except and try/except*, alike
            return self._try(cast(ast.Try, node))
        elif isinstance(node, ast.Match):
            self._match(node)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node)
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc)
            return True
        elif isinstance(node, ast.Assert):
            self.eval(node.test)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                path = dotted(target)
                if path is not None:
                    self.env.pop(path, None)
        return isinstance(node, ast.Continue | ast.Break)

    def assign(self, target: ast.expr, val: Val, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            for key in [k for k in self.env if k.startswith(name + ".")]:
                del self.env[key]
            if val.tainted:
                val = val.then(self.step(target, f"assigned to `{name}`"))
                if value is not None:
                    self.derived[name] = mentions(self, value) - {name}
            self.env[name] = val
        elif isinstance(target, ast.Attribute):
            path = dotted(target)
            if path is None:
                self.eval(target.value)
                return
            if val.tainted:
                val = val.then(self.step(target, f"stored in `{path}`"))
            self.env[path] = val
            root = path.partition(".")[0]
            if root != "self" and val.tainted:
                old = self.lookup(root) or CLEAN
                self.env[root] = join((old, val), kind=old.kind, seq=old.seq)
        elif isinstance(target, ast.Subscript):
            self.eval(target.slice)
            path = dotted(target.value)
            if path is not None and val.tainted:
                old = self.lookup(path) or CLEAN
                step = self.step(target, f"stored in `{path}`")
                self.env[path] = join((old, val.then(step)), kind=old.kind, seq=old.seq)
        elif isinstance(target, ast.Tuple | ast.List):
            elts = value.elts if isinstance(value, ast.Tuple | ast.List) else None
            if elts is not None and len(elts) == len(target.elts):
                for sub, sub_value in zip(target.elts, elts, strict=True):
                    self.assign(sub, self.eval(sub_value), sub_value)
            else:
                for sub in target.elts:
                    self.assign(sub, Val(val.facts), None)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, Val(val.facts, seq=True), None)

    # -- control flow ---------------------------------------------------------------------

    def _branch(self, base: Env, checked: Iterable[str], body: Sequence[ast.stmt]) -> bool:
        self.env = dict(base)
        self.sanitise(set(checked))
        return self.block(body)

    def _if(self, node: ast.If) -> bool:
        self.eval(node.test)
        when_true, when_false = checks(self, node.test)
        base = self.env
        body_ends = self._branch(base, when_true, node.body)
        after_body = self.env
        else_ends = self._branch(base, when_false, node.orelse)
        after_else = self.env
        if body_ends and not else_ends:
            self.env = after_else
        elif else_ends and not body_ends:
            self.env = after_body
        else:
            self.env = _merge(after_body, after_else)
        return body_ends and else_ends

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        for _ in range(2):
            before = _taint_of(self.env)
            start = self.env
            if isinstance(node, ast.While):
                self.eval(node.test)
            else:
                items = self.eval(node.iter)
                self.assign(node.target, Val(items.facts, items.kind), None)
            self.block(node.body)
            self.env = _merge(start, self.env)
            if _taint_of(self.env) == before:
                break
        self.block(node.orelse)

    def _try(self, node: ast.Try) -> bool:
        start = dict(self.env)
        body_ends = self.block(node.body)
        after_body = _merge(start, self.env)
        every_handler_ends = True
        outcomes = [] if body_ends else [self.env]
        for handler in node.handlers:
            self.env = dict(after_body)
            if handler.name:
                self.env[handler.name] = CLEAN
            if not self.block(handler.body):
                every_handler_ends = False
                outcomes.append(self.env)
        if not body_ends:
            self.env = outcomes[0]
            self.block(node.orelse)
            outcomes[0] = self.env
        for other in outcomes[1:]:
            outcomes[0] = _merge(outcomes[0], other)
        self.env = outcomes[0] if outcomes else after_body
        final_ends = self.block(node.finalbody)
        return final_ends or (body_ends and every_handler_ends)

    def _match(self, node: ast.Match) -> None:
        self.eval(node.subject)
        base = self.env
        merged: Env | None = None
        for case in node.cases:
            self.env = dict(base)
            if not self.block(case.body):
                merged = self.env if merged is None else _merge(merged, self.env)
        self.env = merged if merged is not None else base

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                head = alias.name.partition(".")[0]
                self.imports[alias.asname or head] = alias.name if alias.asname else head
            return
        base = absolute(node.module, node.level, self.module.name, self.module.is_init)
        for alias in node.names:
            if base is not None and alias.name != "*":
                self.imports[alias.asname or alias.name] = (
                    f"{base}.{alias.name}" if base else alias.name
                )

    # -- checks and responses -------------------------------------------------------------

    def _validated(self, call: ast.Call) -> None:
        """``validate_path(p)`` as a statement: a check that raises; ``p`` is clean after."""
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name.lstrip("_").startswith(("validate", "verify", "ensure", "check_")):
            qualname = self.qualify(func)
            if qualname is None or self.project.resolve(qualname) is not None:
                self.sanitise(frozenset().union(*(mentions(self, a) for a in call.args)))

    def _view_response(self, value: ast.expr, val: Val) -> None:
        """A Flask view returning a string built from untrusted data: an HTML response."""
        if not self.flask_view or not val.tainted or pieces(value) is None:
            return
        step = self.step(value, "returned as the view's HTML response")
        for fact in val.facts:
            if "xss" not in fact.safe:
                self.reach(fact.then(step), "xss", "the view's response")
