"""The state of one function's analysis: its variables' values, what it returns, which of
its parameters reach sinks, and which sources reach sinks (the raw findings).

Variables are keyed by access path (``url``, ``self.base``, ``cfg.host``).  A fact whose
origin is a parameter and that reaches a sink becomes a :class:`SinkHit` of the function's
summary (its callers decide whether it is a finding); one whose origin is a source, and
whose source kind reaches that sink class, is a raw finding.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from scriptrunner.scanners.code.taint.catalogue import SOURCE_KINDS, UNDER_BASE
from scriptrunner.scanners.code.taint.scope import (
    Function,
    Module,
    Project,
    dotted,
    qualify_global,
)
from scriptrunner.scanners.code.taint.values import CLEAN, Fact, SinkHit, Source, Step, Summary, Val

#: Longest source expression quoted in a flow step.
MAX_QUOTE = 60


@dataclass(frozen=True, slots=True)
class Reached:
    """A source reaching a sink: ``fact.steps`` end at the sink call."""

    cls: str
    callee: str
    fact: Fact


class Context(Protocol):
    """What a function's analysis asks of the analysis of its project."""

    project: Project

    def summary(self, qualname: str, caller: str) -> Summary | None:
        """The current summary of a project function (``caller`` is re-analysed when it
        changes)."""
        ...

    def globals_of(self, module: str, caller: str) -> Mapping[str, Val]:
        """The values of a module's globals after its top-level code."""
        ...


class State:
    def __init__(self, ctx: Context, fn: Function) -> None:
        self.ctx = ctx
        self.project = ctx.project
        self.fn = fn
        self.module: Module = ctx.project.modules[fn.module]
        self.path = self.module.rel
        self.env: dict[str, Val] = {}
        #: Variable -> the tainted variables its value was computed from (for guards).
        self.derived: dict[str, frozenset[str]] = {}
        #: Imports inside the function: alias -> qualified name.
        self.imports: dict[str, str] = {}
        self.returns: list[Val] = []
        self.hits: list[SinkHit] = []
        self.found: list[Reached] = []
        self._globals: Mapping[str, Val] | None = None

    # -- places ---------------------------------------------------------------------------

    def step(self, node: ast.AST, message: str) -> Step:
        return Step(
            self.path,
            getattr(node, "lineno", 0),
            getattr(node, "col_offset", 0),
            message,
            getattr(node, "end_lineno", 0) or 0,
            getattr(node, "end_col_offset", 0) or 0,
        )

    def source(self, kind: str, node: ast.AST) -> Val:
        """The value read by ``node``, an untrusted source of ``kind``."""
        text = ast.unparse(node)
        if len(text) > MAX_QUOTE:
            text = text[: MAX_QUOTE - 3] + "..."
        origin = Source(kind, self.path, getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        step = self.step(node, f"{SOURCE_KINDS[kind].label}: {text}")
        return Val((Fact(origin, (step,)),))

    # -- names ----------------------------------------------------------------------------

    @property
    def globals(self) -> Mapping[str, Val]:
        if self._globals is None:
            top = self.fn.node is self.module.tree
            self._globals = {} if top else self.ctx.globals_of(self.fn.module, self.fn.qualname)
        return self._globals

    def lookup(self, path: str) -> Val | None:
        """A variable's value: local, else a global of the module."""
        val = self.env.get(path)
        if val is None and path.partition(".")[0] not in self.env:
            val = self.globals.get(path)
        return val

    def qualify(self, node: ast.expr) -> str | None:
        """The qualified name of a name chain that is not a local variable."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in self.env or root.id in self.globals:
            return None
        if root.id in self.fn.nested:
            inner = self.fn.nested[root.id]
            return inner if root is node else None
        if root.id in self.imports:
            return self.imports[root.id] + (dotted(node) or "")[len(root.id) :]
        return qualify_global(self.project, self.module, node)

    # -- reaching sinks -------------------------------------------------------------------

    def reach(self, fact: Fact, cls: str, callee: str, *, needs_text: bool = False) -> None:
        """``fact`` (its steps ending at the sink) reaches a sink of class ``cls``."""
        if isinstance(fact.origin, int):
            self.hits.append(SinkHit(fact.origin, cls, callee, fact.steps, needs_text, fact.safe))
            return
        kind = SOURCE_KINDS[fact.origin.kind]
        if cls not in kind.reaches or (
            cls == "path" and kind.under_base and UNDER_BASE not in fact.safe
        ):
            return
        self.found.append(Reached(cls, callee, fact))

    def sanitise(self, paths: frozenset[str] | set[str]) -> None:
        """The variables ``paths`` (and those they were computed from) are checked: clean."""
        every = set(paths)
        for p in paths:
            every |= self.derived.get(p, frozenset())
        for p in every:
            val = self.lookup(p)
            if val is not None and val.tainted:
                self.env[p] = Val(kind=val.kind, seq=val.seq, text=val.text)
        for key in [k for k in self.env if k.partition(".")[0] in every and k not in every]:
            old = self.env[key]
            if old.tainted:
                self.env[key] = Val(kind=old.kind, seq=old.seq) if old.kind else CLEAN
