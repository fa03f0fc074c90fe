"""Evaluating calls: a project function through its summary, a library call through the
catalogue (sinks, sanitisers, sources, propagators, the types calls return), anything else
clean (see ``propagation.py`` for the one exception, methods called on tainted data)."""

from __future__ import annotations

import ast
from dataclasses import replace

from scriptrunner.scanners.code.taint.catalogue import (
    CALL_SOURCES,
    METHOD_SOURCES,
    REQUEST,
    REQUEST_METHODS,
    REQUEST_OBJECTS,
    RULES,
    UNDER_BASE,
    VALUE_SOURCES,
)
from scriptrunner.scanners.code.taint.exprs import Exprs
from scriptrunner.scanners.code.taint.propagation import (
    CALL_KINDS,
    CONTAINER_READS,
    EVERY,
    FILE_OPENERS,
    JOINERS,
    MUTATORS,
    PATH_METHODS,
    PATH_READERS,
    PROPAGATORS,
    SANITISERS,
    STREAM_READS,
    STRING_METHODS,
)
from scriptrunner.scanners.code.taint.scope import Class, Function, dotted
from scriptrunner.scanners.code.taint.sinks import (
    METHOD_SINKS,
    RAW_SQL_RECEIVERS,
    RECEIVER_SINKS,
    SINKS,
    UNSAFE,
    Sink,
    call_kind,
    condition,
    is_const,
)
from scriptrunner.scanners.code.taint.strings import build, pieces
from scriptrunner.scanners.code.taint.values import CLEAN, Summary, Val, join

_VALUES = tuple(REQUEST_OBJECTS | set(VALUE_SOURCES))
_SEQUENCES = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted"})
_NOT_FETCHES = frozenset({"Request", "HTTPConnection", "HTTPSConnection"})
_XXE_FEATURES = (
    "feature_external_ges",
    "feature_external_pes",
    "external-general-entities",
    "external-parameter-entities",
)


def _known(qualname: str) -> bool:
    return any(
        qualname in table
        for table in (SINKS, SANITISERS, PROPAGATORS, CALL_SOURCES, CALL_KINDS, FILE_OPENERS)
    )


class Calls(Exprs):
    def call(self, node: ast.Call) -> Val:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant):
            parts = pieces(node)  # "...{}".format(x)
            if parts is not None:
                return build(parts, self.eval)
        recv: Val | None = None
        qualname: str | None = None
        name = ""
        if isinstance(func, ast.Attribute):
            name = func.attr
            base = self.qualify(func.value)
            if base is not None and not base.startswith(_VALUES):
                qualname = f"{base}.{name}"
            else:
                recv = self.eval(func.value)
                if recv.kind == REQUEST:
                    self._args(node)
                    return self.source("http", node) if name in REQUEST_METHODS else CLEAN
                qualname = f"{recv.kind}.{name}" if recv.kind else None
        elif isinstance(func, ast.Name):
            name = func.id
            qualname = self.qualify(func)
        else:
            self.eval(func)
        args, kwargs = self._args(node)
        if qualname is not None:
            target = self.project.resolve(qualname)
            if target is not None:
                return self.apply(target, node, args, kwargs, recv)
        if recv is not None and name in self.module.dispatch:  # args.func(args)
            handlers = [self.project.resolve(h) for h in self.module.dispatch[name]]
            return join(self.apply(h, node, args, kwargs, None) for h in handlers if h is not None)
        return self.library(node, qualname, name, recv, args, kwargs)

    def _args(self, node: ast.Call) -> tuple[list[Val], dict[str | None, Val]]:
        args = [self.eval(a) for a in node.args]
        kwargs: dict[str | None, Val] = {}
        for k in node.keywords:
            val = self.eval(k.value)
            kwargs[k.arg] = join((kwargs[k.arg], val)) if k.arg in kwargs else val
        return args, kwargs

    # -- the project's functions ----------------------------------------------------------

    def apply(
        self,
        target: Function | Class,
        node: ast.Call,
        args: list[Val],
        kwargs: dict[str | None, Val],
        recv: Val | None,
    ) -> Val:
        if isinstance(target, Class):
            init = self.project.method(target, "__init__")
            if init is None:  # a data holder: the instance carries what it was given
                return join((*args, *kwargs.values()), kind=target.qualname)
            summary = self.ctx.summary(init.qualname, self.fn.qualname)
            val = self.instantiate(init, summary, node, args, kwargs, Val(kind=target.qualname))
            return Val(val.facts, target.qualname)
        summary = self.ctx.summary(target.qualname, self.fn.qualname)
        if recv is None and target.bound and not _decorated(target, "classmethod"):
            return self.instantiate(target, summary, node, args, kwargs, None)
        return self.instantiate(target, summary, node, args, kwargs, recv or CLEAN)

    def instantiate(
        self,
        fn: Function,
        summary: Summary | None,
        node: ast.Call,
        args: list[Val],
        kwargs: dict[str | None, Val],
        receiver: Val | None,
    ) -> Val:
        """Apply ``fn``'s summary to a call: its sinks reached, its result."""
        if summary is None:
            return CLEAN
        params = summary.params
        slots: list[list[Val]] = [[] for _ in params]
        nodes: list[ast.expr | None] = list(node.args)
        positional = list(args)
        if summary.bound and receiver is not None:
            positional, nodes = [receiver, *positional], [None, *nodes]
        for i, (val, arg) in enumerate(zip(positional, nodes, strict=True)):
            if isinstance(arg, ast.Starred):
                for j in range(i, len(params)):
                    slots[j].append(val)
            elif i < min(summary.positional, len(params)):
                slots[i].append(val)
            elif summary.vararg >= 0:
                slots[summary.vararg].append(val)
        for key, val in kwargs.items():
            if key is None:
                for slot in slots:
                    slot.append(val)
            elif key in params:
                slots[params.index(key)].append(val)
            elif summary.kwarg >= 0:
                slots[summary.kwarg].append(val)
        vals = [join(s, seq=bool(s) and all(v.seq for v in s)) for s in slots]
        call = self.step(node, f"passed to {fn.short}()")
        for hit in summary.sinks:
            val = vals[hit.param]
            if hit.needs_text and val.seq:
                continue
            for fact in val.facts:
                if hit.cls not in fact.safe:
                    through = replace(fact.then(call, *hit.steps), safe=fact.safe | hit.safe)
                    self.reach(through, hit.cls, hit.callee, needs_text=hit.needs_text)
        out = []
        back = self.step(node, f"returned by {fn.short}()")
        for ret in summary.returns:
            if isinstance(ret.origin, int):
                for fact in vals[ret.origin].facts:
                    merged = fact.then(call, *ret.steps)
                    out.append(Val((replace(merged, safe=merged.safe | ret.safe),)))
            else:
                out.append(Val((ret.then(back),)))
        return join(out, kind=summary.kind, seq=summary.seq)

    # -- libraries ------------------------------------------------------------------------

    def library(
        self,
        node: ast.Call,
        qualname: str | None,
        name: str,
        recv: Val | None,
        args: list[Val],
        kwargs: dict[str | None, Val],
    ) -> Val:
        method = isinstance(node.func, ast.Attribute)
        sink = SINKS.get(qualname) if qualname else None
        if sink is None and method and (recv is None or self._opaque(recv)):
            if not (qualname and _known(qualname)):
                sink = METHOD_SINKS.get(name)
                if name == "raw" and isinstance(node.func, ast.Attribute):
                    receiver = node.func.value
                    if isinstance(receiver, ast.Attribute) and receiver.attr in RAW_SQL_RECEIVERS:
                        sink = Sink("sql", (0,), ("raw_query",))
        if sink is None and recv is not None and recv.tainted:
            sink = RECEIVER_SINKS.get(name)
        if sink is not None:
            self.check_sink(sink, node, args, kwargs, recv)
        everything = [*args, *kwargs.values()]
        if qualname in SANITISERS:
            return join(everything).made_safe(SANITISERS[qualname], EVERY)
        if qualname in CALL_SOURCES:
            return self.source(CALL_SOURCES[qualname], node)
        if method and name in METHOD_SOURCES and not (qualname and _known(qualname)):
            return self.source(METHOD_SOURCES[name], node)
        path_read = recv is not None and recv.kind == "pathlib.Path" and name in PATH_READERS
        if qualname in FILE_OPENERS or path_read:
            return Val(self.source("file", node).facts, "file")
        kind = call_kind(qualname, node)
        if sink is not None and sink.cls == "ssrf" and name not in _NOT_FETCHES:
            return Val(self.source("response", node).facts, "http-response")
        if qualname in JOINERS and len(args) > 1:  # os.path.join(BASE, name)
            under = [a.made_safe({UNDER_BASE}, EVERY) for a in args[1:]]
            return join((args[0], *under, *kwargs.values()), kind=kind)
        if qualname in PROPAGATORS:
            return join(everything, kind=kind, seq=qualname in _SEQUENCES)
        if recv is None:
            return Val(kind=kind) if kind else CLEAN
        if name in STRING_METHODS:  # `" ".join(parts)`: the arguments count too
            return join((recv, *everything), kind=kind)
        if name in MUTATORS or name == "setFeature":
            self._mutate(node, name, recv, args)
        elif recv.tainted:
            if name in CONTAINER_READS:
                return join((recv, *args[1:], *kwargs.values()), kind=kind)
            if name in STREAM_READS:
                return Val(recv.facts, kind)
            if name in PATH_METHODS:
                under = [v.made_safe({UNDER_BASE}, EVERY) for v in everything]
                return join((recv, *under), kind=recv.kind)
        return Val(kind=kind) if kind else CLEAN

    def _opaque(self, recv: Val) -> bool:
        """A receiver whose methods are not known: no type, or a project class."""
        return not recv.kind or recv.kind in self.project.classes

    def _mutate(self, node: ast.Call, name: str, recv: Val, args: list[Val]) -> None:
        assert isinstance(node.func, ast.Attribute)
        path = dotted(node.func.value)
        if path is None:
            return
        if name in MUTATORS:
            if any(a.tainted for a in args):
                self.env[path] = join((recv, *args), kind=recv.kind, seq=recv.seq)
        elif name == "setFeature" and recv.kind == "xml.sax.XMLReader" and len(node.args) == 2:
            feature = dotted(node.args[0]) or str(getattr(node.args[0], "value", ""))
            if feature.endswith(_XXE_FEATURES) and is_const(node.args[1], True):
                self.env[path] = Val(recv.facts, recv.kind + UNSAFE)

    def check_sink(
        self,
        sink: Sink,
        node: ast.Call,
        args: list[Val],
        kwargs: dict[str | None, Val],
        recv: Val | None,
    ) -> None:
        vals = [args[i] for i in sink.args if i < len(args)]
        vals += [kwargs[k] for k in sink.keywords if k in kwargs]
        if sink.receiver and recv is not None:
            vals.append(recv)
        if not any(v.tainted for v in vals) or not condition(sink.when, node, args, kwargs):
            return
        callee = ast.unparse(node.func).removeprefix("builtins.")
        callee = (callee if len(callee) <= 40 else "..." + callee[-37:]) + "()"
        step = self.step(node, f"reaches {callee}: {RULES[sink.cls].what}")
        text = sink.when == "text"
        for val in vals:
            if text and val.seq:
                continue
            for fact in val.facts:
                if sink.cls not in fact.safe:
                    self.reach(fact.then(step), sink.cls, callee, needs_text=text)


def _decorated(fn: Function, name: str) -> bool:
    node = fn.node
    if isinstance(node, ast.Module):
        return False
    return any(isinstance(d, ast.Name) and d.id == name for d in node.decorator_list)
