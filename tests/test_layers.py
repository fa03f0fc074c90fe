"""The import structure: layers as ``docs/architecture.md`` states them, and no cycles.

Every import counts, wherever it is written: at module level, inside a function (the
lazy imports that keep ``scriptrunner run`` fast) and under ``TYPE_CHECKING``.  A unit
(a top-level module or subpackage of ``scriptrunner``) may import only units of lower
layers; files may not import each other in a loop.  The layer table is read from the
architecture page itself, so the page and the code cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "scriptrunner"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno


def internal_edges() -> list[tuple[str, str, int]]:
    edges = []
    for name in MODULES:
        for target, line in imports_of(name):
            if target in MODULES and target != name:
                edges.append((name, target, line))
    return edges


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def documented_layers() -> dict[str, int]:
    """``unit -> layer`` from the table in docs/architecture.md (``| N | `unit`, ... |``)."""
    layers: dict[str, int] = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if match:
            for unit in re.findall(r"`([\w_]+)(?:\.py|/)?`", match.group(2)):
                layers[unit] = int(match.group(1))
    return layers


LAYERS = documented_layers()


def test_the_architecture_page_places_every_unit_in_a_layer() -> None:
    units = {unit_of(m) for m in MODULES}
    assert len(LAYERS) > 10, "no layer table found in docs/architecture.md"
    assert sorted(units - set(LAYERS)) == [], "units missing from docs/architecture.md"
    assert sorted(set(LAYERS) - units) == [], "docs/architecture.md names units that do not exist"


def test_no_unit_imports_one_of_its_own_layer_or_above() -> None:
    wrong = [
        f"{MODULES[a].relative_to(ROOT)}:{line}: {unit_of(a)} (layer {LAYERS[unit_of(a)]}) "
        f"imports {b} (layer {LAYERS[unit_of(b)]})"
        for a, b, line in internal_edges()
        if unit_of(a) != unit_of(b) and LAYERS[unit_of(b)] >= LAYERS[unit_of(a)]
    ]
    assert wrong == []


def test_no_import_cycles_between_files() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for a, b, _ in internal_edges():
        # A module importing its own package's __init__ (for names it re-exports) is the
        # package importing itself, not a loop between two files.
        if not a.startswith(b + "."):
            graph[a].add(b)
    cycles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
    assert cycles == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                found.append(component)
    return found


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"a"}}, True),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cycle: bool) -> None:
    assert any(len(c) > 1 for c in strongly_connected(graph)) is cycle


def command_of(module: str) -> str | None:
    """The command a CLI module belongs to (the ``scan`` package is one command)."""
    if module.startswith("scriptrunner.cli.scan"):
        return "scan"
    return module if module.endswith("_cmd") else None


def test_command_modules_do_not_import_each_other() -> None:
    wrong = [
        f"{a} imports {b}"
        for a, b, _ in internal_edges()
        if command_of(a) and command_of(b) and command_of(a) != command_of(b)
    ]
    assert wrong == []
