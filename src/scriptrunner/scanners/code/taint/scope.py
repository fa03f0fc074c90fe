"""What each module defines and imports, and how a name in it resolves to a qualified name:
a function or class of the project (``labs.api.views.fetch``, ``labs.net.Client.get``), or a
library name (``subprocess.run``, ``flask.request``, ``builtins.open``).

Resolution follows imports (``import pkg.mod as m``, ``from pkg.mod import f``, relative
imports) and re-exports (``from .helpers import fetch`` in a package's ``__init__``).
Calls through ``self`` and through instances of project classes resolve to the class's
method, looked up along its project base classes.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field

from scriptrunner.scanners.code.taint.project import absolute, resolve_module, statements
from scriptrunner.scanners.code.taint.propagation import CALL_KINDS

_BUILTINS = frozenset(dir(builtins))
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(slots=True)
class Function:
    """A function, method, or a module's top-level code (``node`` is then the module)."""

    qualname: str
    module: str
    node: FunctionNode | ast.Module
    owner: str = ""  # the qualified name of the class of a method
    bound: bool = False  # called on an instance or class: the receiver is parameter 0
    nested: dict[str, str] = field(default_factory=dict)  # local def name -> qualname

    @property
    def short(self) -> str:
        name = self.qualname.rpartition(".")[2]
        return f"{self.owner.rpartition('.')[2]}.{name}" if self.owner else name


@dataclass(slots=True)
class Class:
    qualname: str
    bases: list[str]
    methods: dict[str, str]
    #: ``self.X = requests.Session()`` anywhere in the class: attribute -> type.
    attr_kinds: dict[str, str]


@dataclass(slots=True)
class Module:
    name: str
    rel: str
    tree: ast.Module
    is_init: bool
    imports: dict[str, str] = field(default_factory=dict)
    defs: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)
    frameworks: frozenset[str] = frozenset()
    #: argparse's sub-command idiom, ``parser.set_defaults(func=handler)``: attribute ->
    #: the functions ``args.func(args)`` may call.
    dispatch: dict[str, list[str]] = field(default_factory=dict)


class Project:
    """Every module of the scan, its functions and classes, and name resolution."""

    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Class] = {}

    def add(self, module: Module) -> None:
        self.modules[module.name] = module
        _index(self, module)

    def qualify(self, module: Module, name: str) -> str | None:
        """The qualified name a global ``name`` of ``module`` refers to, if known."""
        if name in module.defs:
            return module.defs[name]
        if name in module.imports:
            return module.imports[name]
        return f"builtins.{name}" if name in _BUILTINS else None

    def resolve(self, qualname: str, depth: int = 0) -> Function | Class | None:
        """The project function or class ``qualname`` names, following re-exports."""
        hit = self.functions.get(qualname) or self.classes.get(qualname)
        if hit is not None or depth > 4:
            return hit
        owner, _, attr = qualname.rpartition(".")
        cls = self.classes.get(owner)
        if cls is not None:
            return self.method(cls, attr)
        home = resolve_module(qualname, self.modules)
        if home is None or home == qualname:
            return None
        rest = qualname[len(home) + 1 :]
        head, _, tail = rest.partition(".")
        target = self.modules[home].imports.get(head)
        if target is None:
            return None
        return self.resolve(f"{target}.{tail}" if tail else target, depth + 1)

    def method(self, cls: Class, name: str, depth: int = 0) -> Function | None:
        """``cls.name`` looked up along the project base classes."""
        if name in cls.methods:
            return self.functions.get(cls.methods[name])
        for base in cls.bases:
            hit = self.resolve(base)
            if isinstance(hit, Class) and depth < 8:
                found = self.method(hit, name, depth + 1)
                if found is not None:
                    return found
        return None

    def attr_kind(self, owner: str, attr: str, depth: int = 0) -> str:
        cls = self.classes.get(owner)
        if cls is None or depth > 8:
            return ""
        if attr in cls.attr_kinds:
            return cls.attr_kinds[attr]
        for base in cls.bases:
            hit = self.resolve(base)
            if isinstance(hit, Class):
                kind = self.attr_kind(hit.qualname, attr, depth + 1)
                if kind:
                    return kind
        return ""


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def qualify_global(project: Project, module: Module, node: ast.expr) -> str | None:
    """The qualified name of a name chain rooted at a global of ``module``."""
    chain = dotted(node)
    if chain is None:
        return None
    head, _, rest = chain.partition(".")
    base = project.qualify(module, head)
    if base is None:
        return None
    return f"{base}.{rest}" if rest else base


def _index(project: Project, module: Module) -> None:
    for node in module.tree.body:
        _imports(module, node)
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.defs[node.name] = f"{module.name}.{node.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
                if isinstance(value.value, str):
                    module.constants[target.id] = value.value
    top = Function(f"{module.name}.<module>", module.name, module.tree)
    module.functions.append(top)
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _function(project, module, node, f"{module.name}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            _class(project, module, node, f"{module.name}.{node.name}")
    for stmt in statements(module.tree.body):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            if call.func.attr == "set_defaults":
                for k in call.keywords:
                    handler = qualify_global(project, module, k.value) if k.arg else None
                    if k.arg and handler and handler.startswith(f"{module.name}."):
                        module.dispatch.setdefault(k.arg, []).append(handler)
    module.frameworks = frozenset(
        t.partition(".")[0] for t in module.imports.values() if t.startswith(_FRAMEWORKS)
    )
    for f in module.functions:
        project.functions[f.qualname] = f


_FRAMEWORKS = ("flask", "django", "fastapi", "starlette", "quart")


def _imports(module: Module, node: ast.stmt) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                module.imports[alias.asname] = alias.name
            else:
                head = alias.name.partition(".")[0]
                module.imports[head] = head
    elif isinstance(node, ast.ImportFrom):
        base = absolute(node.module, node.level, module.name, module.is_init)
        if base is None:
            return
        for alias in node.names:
            if alias.name != "*":
                full = f"{base}.{alias.name}" if base else alias.name
                module.imports[alias.asname or alias.name] = full
    elif isinstance(node, ast.If | ast.Try):  # `try: import x except ImportError: ...`
        for child in _children(node):
            _imports(module, child)


def _children(node: ast.If | ast.Try) -> Iterator[ast.stmt]:
    yield from node.body
    yield from node.orelse
    if isinstance(node, ast.Try):
        for handler in node.handlers:
            yield from handler.body


def _function(
    project: Project, module: Module, node: FunctionNode, qualname: str, owner: str = ""
) -> Function:
    names = {d.id if isinstance(d, ast.Name) else "" for d in node.decorator_list}
    bound = bool(owner) and "staticmethod" not in names and bool(node.args.args)
    fn = Function(qualname, module.name, node, owner, bound)
    module.functions.append(fn)
    for child in _inner_defs(node):
        if child.name not in fn.nested:
            inner = f"{qualname}.<locals>.{child.name}"
            fn.nested[child.name] = inner
            _function(project, module, child, inner)
    return fn


def _inner_defs(node: FunctionNode) -> Iterator[FunctionNode]:
    """The functions defined directly in ``node``'s body (not inside another def or class)."""
    for stmt in statements(node.body, into_defs=False):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt


def _class(project: Project, module: Module, node: ast.ClassDef, qualname: str) -> None:
    bases = [b for b in (qualify_global(project, module, x) for x in node.bases) if b]
    cls = Class(qualname, bases, {}, {})
    project.classes[qualname] = cls
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{qualname}.{item.name}"
            cls.methods[item.name] = name
            _function(project, module, item, name, owner=qualname)
            for child in statements(item.body):
                _attr_kind(project, module, cls, child)


def _attr_kind(project: Project, module: Module, cls: Class, node: ast.AST) -> None:
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
        return
    kind = CALL_KINDS.get(qualify_global(project, module, node.value.func) or "", "")
    for target in node.targets:
        chain = dotted(target) if isinstance(target, ast.Attribute) else None
        if kind and chain and chain.count(".") == 1 and chain.startswith("self."):
            cls.attr_kinds[chain[5:]] = kind
