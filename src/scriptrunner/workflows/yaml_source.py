"""YAML (and JSON) parsing that remembers the line of every key and list item.

PyYAML's ``safe_load`` forgets where values came from and silently keeps the last of two
equal keys, which would let a second ``build:`` task quietly replace the first.  Here we
compose the node tree, walk it once to record ``path -> line`` and reject duplicate keys,
and only then construct plain Python data.

The resolver follows YAML 1.2 for booleans and dates: only ``true``/``false`` are
booleans (so ``on: [1, 75]`` stays the key ``"on"`` and ``day: [mon, no]`` stays text),
and ``2024-01-31`` is a string, not a ``datetime.date`` that a string field would reject.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scriptrunner.errors import WorkflowError

PathKey = tuple[str | int, ...]
Lines = Mapping[PathKey, int]

_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
# Anchors let a tiny file describe a huge tree ("billion laughs"); a workflow never needs
# anywhere near this many nodes, so stop walking instead of hanging.
_MAX_NODES = 200_000


def _yaml12_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, regexp) for tag, regexp in entries if tag not in (_BOOL, _TIMESTAMP)]
        if kept:
            table[first] = kept
    return table


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = _yaml12_resolvers()


_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Indexer:
    """Walks a composed node tree, recording lines and rejecting duplicate keys."""

    def __init__(self, loader: _Loader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.lines: dict[PathKey, int] = {}
        self.visited = 0
        self.active: set[int] = set()

    def walk(self, node: Node, path: PathKey) -> None:
        self.visited += 1
        if self.visited > _MAX_NODES:
            raise WorkflowError(f"{self.source}: document too large (anchors expand too far)")
        if id(node) in self.active:
            # Legal YAML, but the data would contain itself; nothing in a workflow needs it.
            raise WorkflowError(f"{self.source}:{_line(node)}: an alias refers to its own parent")
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                self._mapping(node, path)
            elif isinstance(node, SequenceNode):
                for index, item in enumerate(node.value):
                    child = (*path, index)
                    self.lines[child] = _line(item)
                    self.walk(item, child)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, path: PathKey) -> None:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue  # merged keys may be overridden explicitly; that is the point
            if not isinstance(key_node, ScalarNode):
                raise WorkflowError(
                    f"{self.source}:{_line(key_node)}: a mapping key must be a plain value"
                )
            key = self.loader.construct_object(key_node)
            if key in first_line:
                message = self._duplicate(path, key, _line(key_node), first_line[key])
                raise DuplicateKeyError(message)
            first_line[key] = _line(key_node)
        # Merge ``<<`` keys in place now, so the lines below describe the data we return.
        self.loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node)
            child = (*path, key if isinstance(key, str) else str(key))
            self.lines[child] = _line(key_node)
            self.walk(value_node, child)

    def _duplicate(self, path: PathKey, key: Any, line: int, first: int) -> str:
        where = f"{self.source}:{line}"
        if path == ("tasks",):
            return f'{where}: duplicate task name "{key}" (first defined on line {first})'
        dotted = ".".join(str(part) for part in path)
        prefix = f"{dotted}: " if dotted else ""
        return f"{where}: {prefix}duplicate key {key!r} (first defined on line {first})"


def _syntax_error(source: str, exc: yaml.YAMLError) -> WorkflowError:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "syntax error"
        context = ""
        if exc.context and exc.context_mark is not None:
            context = f" ({exc.context} on line {exc.context_mark.line + 1})"
        return WorkflowError(
            f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}{context}"
        )
    return WorkflowError(f"{source}: invalid YAML: {exc}")


#: How deeply a workflow document may nest mappings and lists.  Parsers and every later
#: walk recurse, so a hostile ``[[[[...`` would otherwise end in a ``RecursionError``.
MAX_NESTING = 100


def _too_deep(source: str) -> WorkflowError:
    return WorkflowError(
        f"{source}: the document nests mappings and lists more than {MAX_NESTING} levels deep"
    )


def check_nesting(data: Any, source: str) -> None:
    """Raise :class:`WorkflowError` when ``data`` nests deeper than :data:`MAX_NESTING`
    (iterative, so the check itself cannot overflow the stack)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth >= MAX_NESTING:
                raise _too_deep(source)
            items = value.values() if isinstance(value, Mapping) else value
            stack.extend((item, depth + 1) for item in items)


def load_yaml(text: str, source: str) -> tuple[Any, dict[PathKey, int]]:
    """Parse ``text``; return the data and a map from key paths to 1-based lines."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        indexer = _Indexer(loader, source)
        indexer.lines[()] = _line(node)
        indexer.walk(node, ())
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _syntax_error(source, exc) from exc
    except RecursionError:
        raise _too_deep(source) from None
    finally:
        loader.dispose()
    check_nesting(data, source)
    return data, indexer.lines


class DuplicateKeyError(WorkflowError):
    """Two equal keys in one mapping."""


def load_json(text: str, source: str) -> tuple[Any, dict[PathKey, int]]:
    """Parse JSON with JSON's own error messages, then take line numbers from YAML.

    JSON is (nearly) YAML, so the YAML pass gives the same structure plus lines (and finds
    duplicate keys, with their lines); the JSON pass first gives
    ``file.json:3:5: invalid JSON: Expecting ',' delimiter`` rather than a puzzling YAML
    message.  Where YAML cannot read valid JSON (tabs used as indentation), the messages
    simply have no line numbers.
    """
    duplicates: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as exc:
        raise WorkflowError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    except RecursionError:
        raise _too_deep(source) from None
    check_nesting(data, source)
    try:
        _, lines = load_yaml(text, source)
    except DuplicateKeyError:
        raise
    except WorkflowError:
        if duplicates:
            raise DuplicateKeyError(f"{source}: duplicate key {duplicates[0]!r}") from None
        lines = {}
    # The data itself comes from JSON: YAML 1.1 would read 1e3 as a string, not 1000.0.
    return data, lines
