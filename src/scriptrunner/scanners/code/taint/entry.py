"""A function's parameters at the start of its analysis.

Every parameter is tainted by its own origin (its index), so the analysis learns what the
function does with it (its summary).  Some parameters are untrusted themselves:

* of a web route (a function decorated with ``@<anything>.route/get/post/put/patch/delete/
  head/options/api_route/websocket(...)``: Flask, FastAPI, Starlette routers), every plain
  parameter is HTTP request data -- except a FastAPI parameter typed ``int``, ``float``,
  ``bool``, ``UUID``, a date... (converted and validated by the framework), an injected
  dependency (``Depends(...)``, a ``Request``, ``Response``, ``BackgroundTasks``...) and a
  Flask route variable with an ``int``, ``float`` or ``uuid`` converter;
* of a command-line entry point (``@click.command``/``@click.option``/``@click.argument``,
  ``@<group>.command()``), every parameter is a command-line argument.

A parameter named ``request`` or ``req``, or annotated ``Request``/``HttpRequest``, is a
request object: its ``args``, ``form``, ``GET``, ``POST``, ``query_params``... are sources.
The receiver of a method (``self``) has the type of its class.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from scriptrunner.scanners.code.taint.catalogue import (
    CLI_DECORATORS,
    DEPENDENCY_DEFAULTS,
    INJECTED_TYPES,
    REQUEST,
    REQUEST_PARAMS,
    REQUEST_TYPES,
    ROUTE_DECORATORS,
    SAFE_CONVERTERS,
    SAFE_PARAM_TYPES,
    SOURCE_KINDS,
)
from scriptrunner.scanners.code.taint.scope import Function, Module, dotted
from scriptrunner.scanners.code.taint.values import Fact, Source, Step, Val

_CONVERTER = re.compile(r"<(\w+)(?:\([^)]*\))?:(\w+)>")
#: Annotation wrappers that say nothing about the value's type.
_WRAPPERS = frozenset(
    {"Optional", "Annotated", "Union", "None", "Query", "Path", "Form", "Header", "Cookie"}
    | {"Body", "File", "List", "list"}
)


@dataclass(frozen=True, slots=True)
class Seeded:
    env: dict[str, Val]
    params: tuple[str, ...]
    positional: int
    vararg: int
    kwarg: int
    #: A Flask view: returning a string built from untrusted data is an HTML response.
    flask_view: bool


def seed(fn: Function, module: Module, step: Callable[[ast.AST, str], Step]) -> Seeded:
    node = fn.node
    if isinstance(node, ast.Module):
        return Seeded({}, (), 0, -1, -1, False)
    a = node.args
    args = [*a.posonlyargs, *a.args]
    positional = len(args)
    vararg = kwarg = -1
    if a.vararg is not None:
        vararg = len(args)
        args.append(a.vararg)
    args += a.kwonlyargs
    if a.kwarg is not None:
        kwarg = len(args)
        args.append(a.kwarg)
    defaults: dict[str, ast.expr] = {}
    for arg, default in zip(reversed(a.posonlyargs + a.args), reversed(a.defaults), strict=False):
        defaults[arg.arg] = default
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if kw_default is not None:
            defaults[arg.arg] = kw_default
    route = _route(node)
    cli = _cli(node, module)
    env: dict[str, Val] = {}
    for i, arg in enumerate(args):
        name = arg.arg
        facts = [Fact(i, (step(arg, f"parameter `{name}` of {fn.short}()"),))]
        kind = ""
        names = _annotation(arg.annotation)
        if i == 0 and fn.bound:
            kind = fn.owner
        elif name in REQUEST_PARAMS or names & REQUEST_TYPES:
            kind = REQUEST
        elif route is not None and _client_data(name, names, defaults.get(name), route):
            facts.append(_source("http", step(arg, f"route parameter `{name}`")))
        elif cli:
            facts.append(_source("argv", step(arg, f"command-line parameter `{name}`")))
        env[name] = Val(tuple(facts), kind)
    params = tuple(arg.arg for arg in args)
    flask_view = route is not None and "flask" in module.frameworks
    return Seeded(env, params, positional, vararg, kwarg, flask_view)


def _source(kind: str, step: Step) -> Fact:
    labelled = Step(step.path, step.line, step.col, f"{SOURCE_KINDS[kind].label}: {step.message}")
    return Fact(Source(kind, step.path, step.line, step.col), (labelled,))


def _route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str] | None:
    """None unless ``node`` is a web route; else its parameters the route converts."""
    for dec in node.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute):
            if dec.func.attr in ROUTE_DECORATORS:
                rule = dec.args[0] if dec.args else None
                text = rule.value if isinstance(rule, ast.Constant) else ""
                converted = _CONVERTER.findall(text) if isinstance(text, str) else []
                return frozenset(name for conv, name in converted if conv in SAFE_CONVERTERS)
    return None


def _cli(node: ast.FunctionDef | ast.AsyncFunctionDef, module: Module) -> bool:
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        chain = dotted(target) or ""
        head, _, rest = chain.partition(".")
        full = f"{module.imports.get(head, head)}.{rest}" if rest else module.imports.get(head, "")
        if full in CLI_DECORATORS or (
            isinstance(target, ast.Attribute) and target.attr in CLI_DECORATORS
        ):
            return True
    return False


def _annotation(node: ast.expr | None) -> frozenset[str]:
    if node is None:
        return frozenset()
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
        elif isinstance(child, ast.Constant) and child.value is None:
            names.add("None")
    return frozenset(names)


def _client_data(
    name: str, annotation: frozenset[str], default: ast.expr | None, converted: frozenset[str]
) -> bool:
    if name in ("self", "cls") or name in converted or annotation & INJECTED_TYPES:
        return False
    core = annotation - _WRAPPERS
    if core and core <= SAFE_PARAM_TYPES:
        return False
    if isinstance(default, ast.Call):
        func = default.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in DEPENDENCY_DEFAULTS:
            return False
    return True
