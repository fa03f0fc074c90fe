"""Summaries to a fixpoint over the call graph, for a group of modules that import each
other (a strongly connected component of the import graph; the summaries of the modules
they import are already known).

A worklist: every function (each module's top-level code first) is analysed once; when a
function's summary changes -- or a module's globals -- the functions that used it are
analysed again.  A function is analysed at most ``MAX_VISITS`` times (recursion through
ever-longer flows stops there).  The sources that reached sinks are those of each
function's last analysis, which saw the final summaries.  A function nested too deeply for
the analysis (``RecursionError``) gets an empty summary and its module is reported as not
analysed (``Result.failed``), never as clean.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scriptrunner.scanners.code.taint.scope import Function, Project
from scriptrunner.scanners.code.taint.state import Reached
from scriptrunner.scanners.code.taint.values import EMPTY, Summary, Val
from scriptrunner.scanners.code.taint.walker import Outcome, Walker

MAX_VISITS = 6


@dataclass(slots=True)
class Result:
    """Summaries of the group's functions and the sources reaching sinks in them."""

    summaries: dict[str, Summary] = field(default_factory=dict)
    found: list[Reached] = field(default_factory=list)
    #: Modules with a function the analysis could not follow.
    failed: list[str] = field(default_factory=list)


class GroupAnalysis:
    def __init__(
        self, project: Project, modules: Sequence[str], known: Mapping[str, Summary]
    ) -> None:
        self.project = project
        self.known = known
        self.mine: list[Function] = [f for m in modules for f in project.modules[m].functions]
        self.summaries: dict[str, Summary] = {f.qualname: EMPTY for f in self.mine}
        self.globals: dict[str, dict[str, Val]] = {m: {} for m in modules}
        self.users: dict[str, set[str]] = {}
        self.found: dict[str, tuple[Reached, ...]] = {}
        self.failed: set[str] = set()

    # -- the Context protocol -------------------------------------------------------------

    def summary(self, qualname: str, caller: str) -> Summary | None:
        self.users.setdefault(qualname, set()).add(caller)
        if qualname in self.summaries:
            return self.summaries[qualname]
        return self.known.get(qualname)

    def globals_of(self, module: str, caller: str) -> Mapping[str, Val]:
        self.users.setdefault(f"{module}.<module>", set()).add(caller)
        return self.globals.get(module, {})

    # -- the fixpoint ---------------------------------------------------------------------

    def run(self) -> Result:
        by_name = {f.qualname: f for f in self.mine}
        queue = deque(f.qualname for f in self.mine)
        queued = set(queue)
        visits: dict[str, int] = {}
        while queue:
            name = queue.popleft()
            queued.discard(name)
            visits[name] = visits.get(name, 0) + 1
            fn = by_name[name]
            try:
                outcome: Outcome = Walker(self, fn).run()
            except RecursionError:
                self.failed.add(fn.module)
                outcome = Outcome(EMPTY, (), {})
            self.found[name] = outcome.found
            changed = outcome.summary.signature() != self.summaries[name].signature()
            self.summaries[name] = outcome.summary
            if fn.qualname.endswith(".<module>"):
                before = _shape(self.globals[fn.module])
                self.globals[fn.module] = outcome.globals
                changed = changed or _shape(outcome.globals) != before
            if not changed:
                continue
            for user in self.users.get(name, ()):
                if user in by_name and user not in queued and visits.get(user, 0) < MAX_VISITS:
                    queue.append(user)
                    queued.add(user)
        return Result(
            dict(self.summaries),
            [r for name in by_name for r in self.found.get(name, ())],
            sorted(self.failed),
        )


def _shape(env: Mapping[str, Val]) -> frozenset[object]:
    return frozenset(
        (k, v.kind, frozenset((f.origin, f.safe) for f in v.facts))
        for k, v in env.items()
        if v.tainted or v.kind
    )
