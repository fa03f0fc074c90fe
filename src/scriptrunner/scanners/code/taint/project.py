"""The scanned project as modules: their dotted names, what each imports, the import graph,
its strongly connected components (analysed together, callees first) and, per module, the
*cone* of modules whose code can change the findings located in it.

A module's name follows Python's rule: the directories above a file that hold an
``__init__.py`` are its packages (``labs/api/views.py`` under a ``labs`` package is
``labs.api.views``); a file outside any package is its stem.  Only the scanned files are the
project: an import of anything else is a library.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from pathlib import Path


def module_names(paths: Mapping[str, Path]) -> dict[str, str]:
    """``rel -> dotted module name`` for the files ``rel -> absolute path``."""
    packages: dict[Path, bool] = {}

    def is_package(d: Path) -> bool:
        if d not in packages:
            packages[d] = (d / "__init__.py").is_file()
        return packages[d]

    names: dict[str, str] = {}
    for rel, path in paths.items():
        parts = [] if path.name == "__init__.py" else [path.stem]
        d = path.parent
        while is_package(d) and d.name and d != d.parent:
            parts.insert(0, d.name)
            d = d.parent
        names[rel] = ".".join(parts) or path.parent.name
    return names


def package_of(module: str, is_init: bool) -> str:
    """The package relative imports of ``module`` start from."""
    return module if is_init else module.rpartition(".")[0]


def statements(body: Iterable[ast.stmt], *, into_defs: bool = True) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and in the blocks of its compound statements (functions
    and classes too, unless ``into_defs`` is false), without visiting expressions: a
    fraction of ``ast.walk``'s cost."""
    for stmt in body:
        yield stmt
        if not into_defs and isinstance(stmt, _DEFS):
            continue
        for name in _BLOCKS:
            block = getattr(stmt, name, None)
            if block:
                yield from statements(block, into_defs=into_defs)
        for handler in getattr(stmt, "handlers", ()):
            yield from statements(handler.body, into_defs=into_defs)
        for case in getattr(stmt, "cases", ()):
            yield from statements(case.body, into_defs=into_defs)


_BLOCKS = ("body", "orelse", "finalbody")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def import_targets(tree: ast.Module, module: str, is_init: bool) -> list[str]:
    """Every dotted name the module imports (``from a import b`` gives ``a.b`` and ``a``),
    relative imports made absolute."""
    targets: list[str] = []
    for node in statements(tree.body):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node.module, node.level, module, is_init)
            if base is None:
                continue
            targets.append(base)
            targets += [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    return list(dict.fromkeys(t for t in targets if t))


def absolute(name: str | None, level: int, module: str, is_init: bool) -> str | None:
    """The absolute module of ``from <level dots><name> import ...`` in ``module``."""
    if level == 0:
        return name or ""
    parts = package_of(module, is_init).split(".") if module else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def resolve_module(target: str, modules: Container[str]) -> str | None:
    """The project module (among the names ``modules``) a dotted import target is in."""
    name = target
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def graph(imports: Mapping[str, Sequence[str]], modules: Mapping[str, str]) -> dict[str, list[str]]:
    """``module -> project modules it imports`` (itself excluded)."""
    out: dict[str, list[str]] = {}
    for name, targets in imports.items():
        deps = {resolve_module(t, modules) for t in targets}
        out[name] = sorted(d for d in deps if d is not None and d != name)
    return out


def components(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Strongly connected components, dependencies first (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, ())
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def cones(edges: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
    """For each module, the modules whose code can change the findings located in it: the
    modules importing it (directly or not: their flows may end in it) and everything those
    import (their summaries shape those flows)."""
    order = components(edges)
    below: dict[str, frozenset[str]] = {}
    for comp in order:  # dependencies first: what each imports, transitively
        reach: set[str] = set(comp)
        for node in comp:
            for dep in edges.get(node, ()):
                if dep not in comp:
                    reach |= below[dep]
        for node in comp:
            below[node] = frozenset(reach)
    above: dict[str, set[str]] = {n: {n} for n in edges}
    for comp in reversed(order):  # importers first: who imports each, transitively
        callers: set[str] = set(comp)
        for node in comp:
            callers |= above[node]
        for node in comp:
            above[node] = callers
            for dep in edges.get(node, ()):
                if dep not in comp:
                    above[dep] |= callers
    memo: dict[frozenset[str], frozenset[str]] = {}
    out: dict[str, frozenset[str]] = {}
    for node in edges:
        key = frozenset(above[node])
        if key not in memo:
            memo[key] = frozenset().union(*(below[a] for a in key))
        out[node] = memo[key]
    return out


def digest_of(items: Iterable[tuple[str, str]]) -> str:
    """A hash of ``(name, digest)`` pairs, whatever their order."""
    h = hashlib.sha256()
    for name, value in sorted(items):
        h.update(f"{name}\0{value}\n".encode())
    return h.hexdigest()
