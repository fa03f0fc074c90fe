"""The taint analysis as a code tool of the scanner, with its caches.

Three caches (in the scanner's result cache):

* a file's imports, keyed by its content and module name: the import graph of an unchanged
  tree is known without parsing anything;
* a group of modules' summaries and the sources reaching sinks in it, keyed by the group's
  contents and the *summaries* of the project modules it imports: an edit in a helper
  module re-analyses its importers only when the helper's summaries changed (and then
  only them, not the whole tree);
* the scanner's own per-file caches, keyed (:meth:`TaintTool.file_keys`) by the contents
  of the file's cone (``project.cones``): the modules whose code can change the findings
  located in it.  An unchanged tree hits them all and parses nothing.
"""

from __future__ import annotations

import ast
import hashlib
import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.findings.model import Skipped
from scriptrunner.scanners.code.cache import ResultCache, cache_key
from scriptrunner.scanners.code.files import SourceFile
from scriptrunner.scanners.code.severity import digest
from scriptrunner.scanners.code.taint import project as proj
from scriptrunner.scanners.code.taint.catalogue import CATALOGUE_VERSION
from scriptrunner.scanners.code.tool import ToolOutput
from scriptrunner.version import __version__

if TYPE_CHECKING:
    from scriptrunner.scanners.code.taint.scope import Project
    from scriptrunner.scanners.code.taint.state import Reached
    from scriptrunner.scanners.code.taint.values import Summary

TOOL = "taint"

_IMPORTS = "taint-imports-v1"
_GROUP = "taint-group-v1"
TOO_DEEP = "code nested too deeply to follow its data flows"


@cache
def analysis_digest() -> str:
    """A hash of the analysis itself (this package's code) and of its levels in the
    calibration table: results of another go."""
    h = hashlib.sha256(CATALOGUE_VERSION.encode())
    h.update(digest("taint").encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def parse(data: bytes) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(data.decode("utf-8-sig"))


class TaintTool:
    """Inter-procedural taint analysis of the scanned Python files (stdlib ``ast``)."""

    name = TOOL

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache
        self.trees: dict[str, ast.Module] = {}
        self.files: dict[str, SourceFile] = {}
        self.names: dict[str, str] = {}  # rel -> module name
        self.imports: dict[str, list[str]] = {}  # module name -> import targets
        self.edges: dict[str, list[str]] = {}
        self.rels: dict[str, str] = {}  # module name -> rel
        self.cones: dict[str, frozenset[str]] = {}

    def version(self) -> str:
        return __version__

    def config_digest(self) -> str:
        return analysis_digest()

    # -- the project ----------------------------------------------------------------------

    def file_keys(
        self, files: Sequence[SourceFile], trees: Mapping[str, ast.Module]
    ) -> dict[str, str]:
        """Per file, a hash of everything besides its own content that decides its taint
        findings: the contents (and paths) of the modules of its cone."""
        self.trees = dict(trees)
        self.files = {f.rel: f for f in files}
        names = proj.module_names({f.rel: f.path for f in files})
        seen: dict[str, int] = {}
        for rel in sorted(names):  # two files, one module name: the others are not importable
            n = seen[names[rel]] = seen.get(names[rel], 0) + 1
            if n > 1:
                names[rel] = f"{names[rel]}#{n}"
        self.names = names
        keys = {
            rel: cache_key(_IMPORTS, f.digest, names[rel], str(self._is_init(f)))
            for rel, f in self.files.items()
        }
        known = self.cache.get_many(keys.values())
        fresh: dict[str, Any] = {}
        for rel, f in self.files.items():
            targets = known.get(keys[rel])
            if targets is None:
                targets = fresh[keys[rel]] = proj.import_targets(
                    self._tree(f), names[rel], self._is_init(f)
                )
            self.imports[names[rel]] = list(targets)
        self.cache.put_many(fresh)
        modules = self.rels = {name: rel for rel, name in names.items()}
        self.edges = proj.graph(self.imports, modules)
        self.cones = proj.cones(self.edges)
        contents = {name: f"{rel}\0{self.files[rel].digest}" for name, rel in modules.items()}
        memo: dict[frozenset[str], str] = {}
        out: dict[str, str] = {}
        for name, cone in self.cones.items():
            if cone not in memo:
                memo[cone] = proj.digest_of((m, contents[m]) for m in cone)
            out[modules[name]] = memo[cone]
        return out

    def _is_init(self, f: SourceFile) -> bool:
        return f.path.name == "__init__.py"

    def _tree(self, f: SourceFile) -> ast.Module:
        tree = self.trees.get(f.digest)
        if tree is None:
            tree = self.trees[f.digest] = parse(f.data)
        return tree

    # -- the analysis ---------------------------------------------------------------------

    def analyse(self, files: Sequence[SourceFile], root: Path) -> ToolOutput:
        """The taint findings located in ``files`` (``file_keys`` saw the whole project);
        a fault of the analysis itself is a ``ScannerError`` (the scan is incomplete)."""
        try:
            return self._analyse(files)
        except (ScannerError, ConfigError):
            raise
        except Exception as exc:  # a bug must not pass for a clean scan, nor crash it
            raise ScannerError(f"taint analysis failed: {type(exc).__name__}: {exc}") from exc

    def _analyse(self, files: Sequence[SourceFile]) -> ToolOutput:
        # The analysis is imported only when something is to be analysed.
        from scriptrunner.scanners.code.taint.report import build
        from scriptrunner.scanners.code.taint.scope import Module, Project

        if not self.names:
            self.file_keys(files, {})
        wanted = {self.names[f.rel] for f in files if f.rel in self.names}
        needed = frozenset().union(*(self.cones[m] for m in wanted)) if wanted else frozenset()
        project = Project()
        for name in sorted(needed):
            f = self.files[self.rels[name]]
            project.add(Module(name, f.rel, self._tree(f), self._is_init(f)))
        summaries: dict[str, Summary] = {}
        digests: dict[str, str] = {}
        found: list[Reached] = []
        failed: set[str] = set()
        for group in proj.components({m: self.edges[m] for m in needed}):
            found += self._group(project, group, summaries, digests, failed)
        rels = {f.rel for f in files}
        mine = [r for r in found if r.fact.steps[-1].path in rels]
        broken = sorted(self.rels[m] for m in failed if self.rels[m] in rels)
        skipped = [Skipped(rel, f"{TOOL}: {TOO_DEEP}", TOOL) for rel in broken]
        return ToolOutput(build(mine), skipped, frozenset(broken))

    def _group(
        self,
        project: Project,
        group: list[str],
        summaries: dict[str, Summary],
        digests: dict[str, str],
        failed: set[str],
    ) -> list[Reached]:
        from scriptrunner.scanners.code.taint.analysis import GroupAnalysis
        from scriptrunner.scanners.code.taint.report import reached_from_json, reached_to_json
        from scriptrunner.scanners.code.taint.values import summary_from_json, summary_to_json

        deps = sorted({d for m in group for d in self.edges[m] if d not in group})
        key = cache_key(
            _GROUP,
            analysis_digest(),
            *(f"{m}\0{self.rels[m]}\0{self.files[self.rels[m]].digest}" for m in group),
            *(f"{d}\0{digests[d]}" for d in deps),
        )
        hit = self.cache.get(key)
        if hit is None:
            result = GroupAnalysis(project, group, summaries).run()
            hit = {
                "summaries": {k: summary_to_json(v) for k, v in result.summaries.items()},
                "found": [reached_to_json(r) for r in result.found],
                "failed": result.failed,
            }
            self.cache.put(key, hit)
            summaries.update(result.summaries)
            found = result.found
        else:
            summaries.update((k, summary_from_json(v)) for k, v in hit["summaries"].items())
            found = [reached_from_json(r) for r in hit["found"]]
        failed.update(hit["failed"])
        for m in group:
            prefix = f"{m}."
            digests[m] = _digest(
                (k, v) for k, v in hit["summaries"].items() if k.startswith(prefix)
            )
        return found


def _digest(items: Iterable[tuple[str, Any]]) -> str:
    text = json.dumps(sorted(items), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
