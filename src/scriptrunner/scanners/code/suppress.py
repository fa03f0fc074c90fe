"""In-source suppressions, applied by us so that suppressed findings are kept and shown.

The tools run with their own suppression handling off (Bandit ``--ignore-nosec``, Semgrep
``--disable-nosem``); here a finding of one tool is suppressed by:

* ``# nosec`` (every Bandit test) or ``# nosec B602, B607`` (those tests) -- Bandit findings;
* ``# nosemgrep`` or ``# nosemgrep: rule-id, ...`` -- Semgrep findings;
* ``# scriptrunner: ignore[rule, ...]`` (our rule ids or the tools' ids) or a bare
  ``# scriptrunner: ignore`` -- findings of any tool (a taint finding answers to its own rule
  id and to those of the rules reporting the same issue, :func:`aliases`).

The comment may be on any line of the finding or alone on the line just above it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from scriptrunner.findings.model import Finding, Suppression
from scriptrunner.scanners.code.merge import OWN_COMMENT, RULES, TAINT, TAINT_RULES

_NOSEC = re.compile(r"#\s*nosec\b:?\s*([A-Za-z0-9_,\s-]*)")
_NOSEMGREP = re.compile(r"#\s*nosemgrep\b\s*(?::\s*([\w.,\s-]+))?")


def _ids(text: str | None) -> set[str]:
    return {part.strip() for part in re.split(r"[,\s]+", text or "") if part.strip()}


def aliases(f: Finding) -> frozenset[str]:
    """For a taint finding, the ids of our rules reporting the same issue (a shared CWE id)
    and of its twin tool rules: a suppression naming them silences it too, as it silences
    the finding it merges with."""
    rule = TAINT_RULES.get(f.rule_id)
    if f.tools[0] != TAINT or rule is None:
        return frozenset()
    shared = {r.id for r in RULES if set(r.cwe) & set(rule.cwe)}
    return frozenset(shared | set(rule.same_as) | {s.partition(".")[2] for s in rule.same_as})


def _rule_matches(wanted: set[str], f: Finding, tool: str) -> bool:
    if not wanted:
        return True
    own = list(dict(f.properties.get("tool_rules", {})).get(tool, []))
    candidates = {f.rule_id, *own, *aliases(f)}
    # Semgrep ids may be written with their config path prefix ("rules.sr-eval").
    candidates |= {c.rsplit(".", 1)[-1] for c in own}
    return bool((wanted | {w.rsplit(".", 1)[-1] for w in wanted}) & candidates)


def suppression_for(f: Finding, lines: Sequence[str]) -> Suppression | None:
    """The suppression that applies to ``f`` given its file's ``lines``, if any."""
    tool = f.tools[0]
    first, last = f.location.start_line, f.location.last_line
    candidates = [lines[n - 1] for n in range(first, min(last, len(lines)) + 1)]
    if first >= 2 and lines[first - 2].lstrip().startswith("#"):
        candidates.append(lines[first - 2])
    for line in candidates:
        if "#" not in line:
            continue
        ours = OWN_COMMENT.search(line)
        if ours and _rule_matches(_ids(ours.group(1)), f, tool):
            return Suppression("inSource", ours.group(0).strip())
        if tool == "bandit":
            nosec = _NOSEC.search(line)
            # Like Bandit, words after `nosec` that are not test ids are a comment.
            tests = {t for t in _ids(nosec.group(1) if nosec else "") if re.fullmatch(r"B\d{3}", t)}
            if nosec and _rule_matches(tests, f, tool):
                return Suppression("inSource", nosec.group(0).strip())
        if tool == "semgrep":
            nosem = _NOSEMGREP.search(line)
            if nosem and _rule_matches(_ids(nosem.group(1)), f, tool):
                return Suppression("inSource", nosem.group(0).strip())
    return None


def apply_suppressions(
    findings: Sequence[Finding], lines_of: Callable[[str], Sequence[str]]
) -> list[Finding]:
    """Each single-tool finding, with its in-source suppression set when one applies."""
    out = []
    for f in findings:
        why = suppression_for(f, lines_of(f.location.path))
        out.append(f if why is None else dataclasses.replace(f, suppression=why))
    return out
