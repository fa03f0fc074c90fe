"""The values the taint analysis computes with: where data comes from, the steps it took, what
it has been made safe for, and the per-function summaries that carry flows across calls.

A :class:`Val` is what an expression evaluates to: the :class:`Fact` s that taint it (each an
origin -- a :class:`Source`, or the index of a parameter of the function being analysed --
with the :class:`Step` s from there and the sink classes it is already safe for), the type
it is known to have (a qualified class name such as ``requests.Session``, used to resolve
method calls), whether it is a list or tuple (an argument vector), and its text when it is a
constant string.  Everything is frozen and JSON-serialisable: summaries are cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

#: At most this many facts per value (the first ones found are kept).
MAX_FACTS = 6
#: At most this many steps per fact (the source is kept, the oldest steps after it go).
MAX_STEPS = 14


@dataclass(frozen=True, slots=True)
class Step:
    """A place in a flow: 1-based line, 0-based column (as ``ast``), what happens there."""

    path: str
    line: int
    col: int
    message: str
    end_line: int = 0
    end_col: int = 0


@dataclass(frozen=True, slots=True)
class Source:
    """Untrusted data entering the program: its kind (catalogue ``SOURCE_KINDS``) and where."""

    kind: str
    path: str
    line: int
    col: int


#: Where a fact's data comes from: a source, or the n-th parameter of the current function.
Origin = Source | int


@dataclass(frozen=True, slots=True)
class Fact:
    """One reason a value is tainted."""

    origin: Origin
    steps: tuple[Step, ...]
    #: Sink classes this data has been made harmless for (``shlex.quote`` -> shell, ...),
    #: and marks of where it sits (``catalogue.UNDER_BASE``).
    safe: frozenset[str] = frozenset()

    def then(self, *steps: Step) -> Fact:
        """This fact with ``steps`` appended (the oldest steps after the source give way)."""
        new = self.steps + tuple(s for s in steps if not self.steps or s != self.steps[-1])
        if len(new) > MAX_STEPS:
            new = new[:1] + new[len(new) - MAX_STEPS + 1 :]
        return replace(self, steps=new)


@dataclass(frozen=True, slots=True)
class Val:
    """What an expression evaluates to (see the module docstring)."""

    facts: tuple[Fact, ...] = ()
    kind: str = ""
    seq: bool = False
    text: str | None = None

    @property
    def tainted(self) -> bool:
        return bool(self.facts)

    def then(self, step: Step) -> Val:
        return replace(self, facts=tuple(f.then(step) for f in self.facts)) if self.facts else self

    def made_safe(self, classes: Iterable[str], every: frozenset[str]) -> Val:
        """The value with ``classes`` added to every fact's safe set; facts now safe for
        every class in ``every`` are dropped."""
        add = frozenset(classes)
        facts = tuple(replace(f, safe=f.safe | add) for f in self.facts)
        return replace(self, facts=tuple(f for f in facts if not every <= f.safe))


CLEAN = Val()


def join(vals: Iterable[Val], *, kind: str = "", seq: bool = False) -> Val:
    """The union of the values' facts (one per origin and safe set, at most ``MAX_FACTS``)."""
    seen: set[tuple[Origin, frozenset[str]]] = set()
    facts: list[Fact] = []
    for val in vals:
        for f in val.facts:
            key = (f.origin, f.safe)
            if key not in seen and len(facts) < MAX_FACTS:
                seen.add(key)
                facts.append(f)
    return Val(tuple(facts), kind, seq) if facts or kind or seq else CLEAN


@dataclass(frozen=True, slots=True)
class SinkHit:
    """Parameter ``param`` reaches a sink of class ``cls``; ``steps`` run from the parameter
    to the sink call (the last step is the sink)."""

    param: int
    cls: str
    callee: str
    steps: tuple[Step, ...]
    #: The sink takes a command string: a list or tuple of arguments there is no finding.
    needs_text: bool = False
    #: What the parameter's data was made safe for, or marked with, on its way.
    safe: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Summary:
    """What a call of one function does with data: parameters (and sources) to its result,
    parameters to sinks, and the type it returns."""

    params: tuple[str, ...] = ()
    #: Positional parameters (before ``*args`` / keyword-only ones).
    positional: int = 0
    vararg: int = -1
    kwarg: int = -1
    #: A method called on an instance or class: the receiver is parameter 0.
    bound: bool = False
    returns: tuple[Fact, ...] = ()
    sinks: tuple[SinkHit, ...] = ()
    kind: str = ""
    #: It returns a list or tuple (an argument vector).
    seq: bool = False

    def signature(self) -> tuple[object, ...]:
        """What callers depend on, without the steps (the fixpoint compares this)."""
        return (
            frozenset((f.origin, f.safe) for f in self.returns),
            frozenset((h.param, h.cls, h.steps[-1], h.needs_text, h.safe) for h in self.sinks),
            self.kind,
            self.seq,
        )


EMPTY = Summary()


# -- JSON -------------------------------------------------------------------------------


def step_to_json(s: Step) -> list[Any]:
    return [s.path, s.line, s.col, s.message, s.end_line, s.end_col]


def step_from_json(d: list[Any]) -> Step:
    return Step(str(d[0]), int(d[1]), int(d[2]), str(d[3]), int(d[4]), int(d[5]))


def _origin_to_json(o: Origin) -> Any:
    return o if isinstance(o, int) else [o.kind, o.path, o.line, o.col]


def _origin_from_json(d: Any) -> Origin:
    return d if isinstance(d, int) else Source(str(d[0]), str(d[1]), int(d[2]), int(d[3]))


def fact_to_json(f: Fact) -> dict[str, Any]:
    return {
        "origin": _origin_to_json(f.origin),
        "steps": [step_to_json(s) for s in f.steps],
        "safe": sorted(f.safe),
    }


def fact_from_json(d: dict[str, Any]) -> Fact:
    return Fact(
        _origin_from_json(d["origin"]),
        tuple(step_from_json(s) for s in d["steps"]),
        frozenset(d["safe"]),
    )


def summary_to_json(s: Summary) -> dict[str, Any]:
    return {
        "params": list(s.params),
        "positional": s.positional,
        "vararg": s.vararg,
        "kwarg": s.kwarg,
        "bound": s.bound,
        "returns": [fact_to_json(f) for f in s.returns],
        "sinks": [
            [
                h.param,
                h.cls,
                h.callee,
                [step_to_json(x) for x in h.steps],
                h.needs_text,
                sorted(h.safe),
            ]
            for h in s.sinks
        ],
        "kind": s.kind,
        "seq": s.seq,
    }


def summary_from_json(d: dict[str, Any]) -> Summary:
    return Summary(
        params=tuple(d["params"]),
        positional=int(d["positional"]),
        vararg=int(d["vararg"]),
        kwarg=int(d["kwarg"]),
        bound=bool(d["bound"]),
        returns=tuple(fact_from_json(f) for f in d["returns"]),
        sinks=tuple(
            SinkHit(
                int(h[0]),
                str(h[1]),
                str(h[2]),
                tuple(step_from_json(x) for x in h[3]),
                bool(h[4]),
                frozenset(h[5]),
            )
            for h in d["sinks"]
        ),
        kind=str(d["kind"]),
        seq=bool(d["seq"]),
    )
