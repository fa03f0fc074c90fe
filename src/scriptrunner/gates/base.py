"""Pre-execution security gates: scan what is about to run, block it on serious findings.

A gate is small: ``check(script_path, ...) -> ScanResult``.  ``GATES`` maps a kind to its
factory (``code`` now; the dependency and secret scanners plug in later under ``deps`` and
``secrets``).  :func:`evaluate` runs the gates a policy names and decides; the decision
fails closed: a gate that cannot run raises ``ScannerError`` and a file it could not
analyse blocks the run like a finding would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.findings.model import Finding, ScanResult, Severity, Skipped
from scriptrunner.registry import Registry

if TYPE_CHECKING:
    from scriptrunner.settings import Settings


class Gate(Protocol):
    """One kind of pre-execution check."""

    kind: str

    def check(self, script_path: Path, *, extra: Sequence[Path] = ()) -> ScanResult:
        """Scan ``script_path`` (and ``extra`` paths); raise ``ScannerError`` if it cannot."""
        ...


@dataclass(frozen=True, slots=True)
class GateContext:
    """What gates need from the settings (built once by the caller)."""

    cache_dir: Path | None
    semgrep: str = ""
    #: The offline OSV database of the ``deps`` gate (``$SCRIPTRUNNER_HOME/advisories``).
    deps_db: Path | None = None
    #: The requirements file the ``deps`` gate checks (``run --requirements``); None: the
    #: dependency file next to the script, else the current interpreter's environment.
    requirements: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> GateContext:
        """The scan cache, semgrep and offline advisory database (when
        ``scriptrunner db update`` installed one) of ``settings``."""
        return cls(
            cache_dir=settings.cache_dir,
            semgrep=settings.semgrep,
            deps_db=settings.installed_advisories,
        )


GateFactory = Callable[[GateContext], Gate]

#: Gate kind -> its factory ("module:factory", imported only when used).
GATES: Registry[GateFactory] = Registry(
    "scan kind",
    {
        "code": "scriptrunner.gates.code:CodeGate",
        "deps": "scriptrunner.gates.deps:DepsGate",
        "secrets": "scriptrunner.gates.secrets:SecretsGate",
    },
)


@dataclass(frozen=True, slots=True)
class GatePolicy:
    """Which gates run and from which severity a finding blocks."""

    kinds: tuple[str, ...]
    block_on: Severity = Severity.HIGH


@dataclass(frozen=True, slots=True)
class GateDecision:
    """The combined scan of every gate and what blocks the run (empty: it may start)."""

    result: ScanResult
    blocking: tuple[Finding, ...]
    unanalysed: tuple[Skipped, ...]
    #: Tool name -> the gate kind that ran it (which event each finding emits when stored).
    tool_kinds: Mapping[str, str] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.blocking or self.unanalysed)

    def reason(self, policy: GatePolicy) -> str:
        parts = []
        if self.blocking:
            first = self.blocking[0]
            more = f" and {len(self.blocking) - 1} more" if len(self.blocking) > 1 else ""
            parts.append(
                f"{len(self.blocking)} finding(s) at or above {policy.block_on.name.lower()}: "
                f"{first.location}: {first.rule_id} ({first.severity.name}){more}"
            )
        if self.unanalysed:
            s = self.unanalysed[0]
            parts.append(
                f"{len(self.unanalysed)} file(s) could not be analysed: {s.target}: {s.reason}"
            )
        return "; ".join(parts)


def parse_policy(kinds: str | Iterable[str], block_on: str | None = None) -> GatePolicy:
    """``"code,deps"`` and ``"high"`` into a policy; unknown kinds list the valid ones."""
    items = kinds.split(",") if isinstance(kinds, str) else list(kinds)
    names = tuple(dict.fromkeys(k.strip() for k in items if k.strip()))
    if not names:
        raise ConfigError(f"no scan kind given (valid: {', '.join(GATES)})")
    for name in names:
        GATES.check(name)
    level = Severity.parse(block_on) if block_on else Severity.HIGH
    return GatePolicy(names, level)


def get_gate(kind: str, context: GateContext) -> Gate:
    return GATES.get(kind)(context)


def combine(results: Sequence[ScanResult]) -> ScanResult:
    """Several gates' results as one."""
    if len(results) == 1:
        return results[0]
    return ScanResult(
        findings=tuple(f for r in results for f in r.findings),
        suppressed=tuple(f for r in results for f in r.suppressed),
        skipped=tuple(s for r in results for s in r.skipped),
        failures=tuple(e for r in results for e in r.failures),
        tools={k: v for r in results for k, v in r.tools.items()},
        timings={k: v for r in results for k, v in r.timings.items()},
        targets=tuple(dict.fromkeys(t for r in results for t in r.targets)),
        root=results[0].root if results else "",
    )


def evaluate(
    policy: GatePolicy, script_path: Path, context: GateContext, *, extra: Sequence[Path] = ()
) -> GateDecision:
    """Run every gate of ``policy`` on the script; raises ``ScannerError`` if one fails."""
    results = [get_gate(kind, context).check(script_path, extra=extra) for kind in policy.kinds]
    tool_kinds = {
        tool: kind for kind, r in zip(policy.kinds, results, strict=True) for tool in r.tools
    }
    result = combine(results)
    if not result.complete:
        failed = "; ".join(f"{e.tool}: {e.message}" for e in result.failures)
        raise ScannerError(
            f"security scan of {script_path} did not complete ({failed}); not running it"
        )
    return GateDecision(
        result=result,
        blocking=tuple(f for f in result.findings if f.severity >= policy.block_on),
        unanalysed=result.skipped,
        tool_kinds=tool_kinds,
    )


__all__ = [
    "GATES",
    "Gate",
    "GateContext",
    "GateDecision",
    "GateFactory",
    "GatePolicy",
    "combine",
    "evaluate",
    "get_gate",
    "parse_policy",
]
