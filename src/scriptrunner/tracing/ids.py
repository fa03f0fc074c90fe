"""Trace and span ids derived from run ids, so two processes agree on them without talking.

The runner hands every child ``TRACEPARENT`` naming the span of its run; the span itself is
built later, by the exporter process reading the event log (:mod:`.exporter_main`).  Both
compute the ids from what the log holds:

- a span's id: the first 8 bytes of BLAKE2b of its key -- the run id for the span of a run
  or task, the workflow's run id for a workflow, ``RUN/attempt N`` for an attempt span and
  ``WORKFLOW/task NAME`` for a task that started no run (:func:`span_id`);
- the trace id: the incoming ``TRACEPARENT``'s, else 16 bytes of BLAKE2b of the root run id
  (the workflow's, or the plain run's) (:func:`trace_id`);
- the sampled flag: the head sampler's decision, which for every sampler scriptrunner
  offers depends only on the trace id and the incoming parent (:func:`sampled`).

Run ids are 128 random bits, so the ids are as random as the SDK's own.  Standard library
only: the runner imports this module, never OpenTelemetry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["IdMinter", "Parent", "parse_parent", "sampled", "span_id", "trace_id"]

_TRACEPARENT = re.compile(
    r"^\s*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?\s*$"
)
_SAMPLED = 0x01
_RANDOM = 0x02
_LOW_64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Parent:
    """The remote parent an incoming ``TRACEPARENT``/``TRACESTATE`` names."""

    trace_id: int
    span_id: int
    flags: int
    tracestate: str = ""


def parse_parent(environ: Mapping[str, str]) -> Parent | None:
    """The valid parent in ``environ`` (None if absent or malformed, as the W3C
    specification and OpenTelemetry's propagator read it)."""
    match = _TRACEPARENT.match(environ.get("TRACEPARENT", ""))
    if match is None:
        return None
    version, trace, span, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest):
        return None
    parent = Parent(int(trace, 16), int(span, 16), int(flags, 16))
    if not parent.trace_id or not parent.span_id:
        return None
    state = environ.get("TRACESTATE", "").strip()
    return Parent(parent.trace_id, parent.span_id, parent.flags, state)


def _digest(key: str, size: int) -> int:
    value = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=size).digest(), "big")
    return value or 1  # zero is the invalid id


def span_id(key: str) -> int:
    """The span id of the span keyed ``key`` (see the module docstring)."""
    return _digest(key, 8)


def trace_id(root: str, parent: Parent | None = None) -> int:
    """The trace id of the trace rooted at run ``root`` (or continuing ``parent``'s)."""
    return parent.trace_id if parent is not None else _digest(root, 16)


def sampled(sampler: str, arg: float | None, trace: int, parent: Parent | None) -> bool:
    """The head sampler's decision (the same as :mod:`.samplers`' SDK samplers make)."""
    if sampler.startswith("parentbased_") and parent is not None:
        return bool(parent.flags & _SAMPLED)
    root = sampler.removeprefix("parentbased_")
    if root == "always_off":
        return False
    if root == "traceidratio":
        rate = 1.0 if arg is None else arg
        return trace & _LOW_64 < round(rate * (_LOW_64 + 1))
    return True  # always_on, tail (every trace is recorded, then decided whole)


class IdMinter:
    """The runner's side: ``TRACEPARENT``/``TRACESTATE`` for each run's children."""

    def __init__(self, sampler: str, sampler_arg: float | None, environ: Mapping[str, str]):
        self.sampler = sampler
        self.sampler_arg = sampler_arg
        self.parent = parse_parent(environ)

    def env_for(self, run_id: str, spec: Any) -> dict[str, str]:
        """For ``RunOptions.env_hook``: the context of the span of run ``run_id``."""
        root = getattr(spec, "workflow_run_id", None) or run_id
        trace = trace_id(root, self.parent)
        flags = _SAMPLED if sampled(self.sampler, self.sampler_arg, trace, self.parent) else 0
        if self.parent is not None:
            flags |= self.parent.flags & _RANDOM
        return {
            "TRACEPARENT": f"00-{trace:032x}-{span_id(run_id):016x}-{flags:02x}",
            "TRACESTATE": self.parent.tracestate if self.parent is not None else "",
        }
