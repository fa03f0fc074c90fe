"""One finding per issue: map each tool's rule onto our rules, then merge duplicates.

``RULES`` is the documented mapping (docs/code-analysis.md prints it): each of our rules
lists the Bandit test ids and bundled Semgrep rule ids that report it, and its CWE ids.
Two findings are the same issue when they are in the same file on overlapping lines and
either map to the same rule of ours or, for rules outside the table (user Semgrep rules,
unmapped Bandit tests, the taint analysis' ``taint-*`` rules), share a CWE id.  The merged
finding lists every tool (Semgrep first: its messages say what to do), takes the highest
severity and confidence, keeps each tool's own rule ids under ``properties["tool_rules"]``
(tool -> list of ids) and every data flow the taint analysis found for it.  A taint finding
merged with a Bandit or Semgrep one keeps their rule id (baselines made before stay valid).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scriptrunner.findings.model import Finding
from scriptrunner.scanners.code.taint.catalogue import RULES as TAINT_CLASSES

#: Our own suppression comment, ``# scriptrunner: ignore[RULE, ...]`` (group 1: the rules).
#: ``suppress.py`` reads it from the source; a merged finding is silenced by it (below).
OWN_COMMENT = re.compile(r"#\s*scriptrunner:\s*ignore\b(?:\[([\w.,\s-]*)\])?")

#: Tools in the order their messages are preferred for a merged finding.
TOOL_ORDER = ("semgrep", "bandit", "taint")
#: The taint analysis: its findings carry flows, and rule ids of their own (``taint-*``).
TAINT = "taint"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of ours and the tool rules that report it."""

    id: str
    title: str
    cwe: tuple[int, ...]
    bandit: tuple[str, ...] = ()
    semgrep: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule(
        "shell-injection",
        "Command built at run time runs through a shell",
        (78,),
        ("B602", "B604", "B605", "B609", "B601"),
        (
            "sr-subprocess-shell",
            "sr-subprocess-getoutput",
            "sr-os-system",
            "sr-shell-request-taint",
            "sr-ssh-exec-format",
        ),
    ),
    Rule("code-injection", "eval/exec of dynamic code", (95,), ("B102", "B307"), ("sr-eval",)),
    Rule(
        "unsafe-deserialization",
        "Deserialisation that can run code",
        (502,),
        ("B301", "B302", "B506", "B614"),
        ("sr-pickle-load", "sr-marshal-load", "sr-yaml-unsafe-load", "sr-torch-load"),
    ),
    Rule(
        "sql-injection",
        "SQL built by string formatting",
        (89,),
        ("B608", "B610", "B611"),
        ("sr-sql-format", "sr-sqlalchemy-text-format"),
    ),
    Rule(
        "tls-verification-disabled",
        "TLS certificate verification disabled",
        (295,),
        ("B501", "B323"),
        ("sr-tls-verify-disabled", "sr-settings-tls-verify-off"),
    ),
    Rule(
        "weak-tls-version",
        "Obsolete SSL/TLS protocol version",
        (327,),
        ("B502", "B503", "B504"),
        ("sr-weak-tls-version",),
    ),
    Rule(
        "weak-hash",
        "Weak hash for security (MD5/SHA-1, or a fast hash for passwords)",
        (328, 327, 916),
        ("B303", "B324"),
        ("sr-weak-hash", "sr-weak-password-hash", "sr-django-weak-password-hasher"),
    ),
    Rule(
        "weak-cipher",
        "Broken cipher or ECB mode",
        (327,),
        ("B304", "B305"),
        ("sr-weak-cipher", "sr-ecb-mode"),
    ),
    Rule("weak-key", "Key too short", (326,), ("B505",), ("sr-weak-rsa-key",)),
    Rule(
        "insecure-tempfile",
        "Insecure temporary file",
        (377,),
        ("B306", "B108"),
        ("sr-tempfile-mktemp", "sr-hardcoded-tmp-path"),
    ),
    Rule("debug-server", "Debug server enabled", (489, 215, 94), ("B201",), ("sr-debug-server",)),
    Rule(
        "template-autoescape-off",
        "HTML autoescaping off or dynamic markup marked safe",
        (79,),
        ("B701", "B702", "B703", "B704", "B308"),
        (
            "sr-jinja-autoescape-off",
            "sr-jinja-html-autoescape-default",
            "sr-jinja-autoescape-default",
            "sr-django-autoescape-off",
            "sr-markup-format",
        ),
    ),
    Rule(
        "archive-path-traversal",
        "Archive extraction can write outside its target",
        (22,),
        ("B202",),
        ("sr-tarfile-extract", "sr-zip-slip"),
    ),
    Rule(
        "xml-external-entities",
        "XML parser resolves external entities",
        (611,),
        ("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"),
        ("sr-lxml-xxe", "sr-lxml-default-parser", "sr-sax-external-entities"),
    ),
    Rule(
        "bind-all-interfaces",
        "Server bound to all interfaces",
        (605,),
        ("B104",),
        ("sr-bind-all-interfaces", "sr-settings-bind-all"),
    ),
    Rule(
        "request-without-timeout",
        "HTTP request without a timeout",
        (400,),
        ("B113",),
        ("sr-requests-no-timeout",),
    ),
    Rule(
        "hardcoded-password",
        "Hard-coded password or secret",
        (798, 259),
        ("B105", "B106", "B107"),
        ("sr-hardcoded-password", "sr-login-literal-password", "sr-credentials-in-url"),
    ),
    Rule(
        "insecure-random",
        "Predictable random numbers for a secret",
        (338, 330),
        ("B311",),
        ("sr-insecure-random-secret",),
    ),
    Rule(
        "cleartext-protocol",
        "Cleartext protocol (Telnet, FTP, SMTP login without TLS)",
        (319,),
        ("B312", "B321", "B401", "B402"),
        ("sr-cleartext-protocol",),
    ),
    Rule(
        "insecure-permissions",
        "World-writable file permissions",
        (732,),
        ("B103",),
        ("sr-world-writable",),
    ),
    Rule(
        "jwt-verification-disabled", "JWT signature not verified", (347,), (), ("sr-jwt-no-verify",)
    ),
    Rule(
        "template-injection",
        "Template source built at run time",
        (1336, 94),
        (),
        ("sr-template-format",),
    ),
    Rule(
        "secret-in-log",
        "Password, token or key written to a log",
        (532,),
        (),
        ("sr-secret-in-log", "sr-secret-printed"),
    ),
    Rule(
        "assert-access-control",
        "Access check in an assert (python -O removes it)",
        (285, 703),
        (),
        ("sr-assert-access-control",),
    ),
    Rule(
        "allowed-hosts-any",
        "Any Host header accepted",
        (183,),
        (),
        ("sr-settings-allowed-hosts-any",),
    ),
    Rule(
        "insecure-cookie",
        "Session cookie without Secure or HttpOnly",
        (614, 1004),
        (),
        ("sr-insecure-cookie",),
    ),
    Rule(
        "ssh-host-key-unverified",
        "SSH host key not verified",
        (295,),
        ("B507",),
        ("sr-ssh-unknown-host",),
    ),
)

RULES_BY_ID = {r.id: r for r in RULES}
TAINT_RULES = {r.rule_id: r for r in TAINT_CLASSES.values()}
_BY_TOOL_RULE = {
    **{("bandit", b): r for r in RULES for b in r.bandit},
    **{("semgrep", s): r for r in RULES for s in r.semgrep},
}


def rule_for(tool: str, tool_rule: str) -> Rule | None:
    """Our rule for a tool's rule id, or None when the table does not map it."""
    return _BY_TOOL_RULE.get((tool, tool_rule))


def canonical(f: Finding) -> Finding:
    """``f`` (one tool's finding, rule_id = the tool's id) under our rule id."""
    tool = f.tools[0]
    tool_rules = {tool: [f.rule_id]}
    rule = rule_for(tool, f.rule_id)
    if rule is None and tool == TAINT:  # its rule ids are ours already
        return dataclasses.replace(f, properties={**f.properties, "tool_rules": tool_rules})
    if rule is None:
        return dataclasses.replace(
            f,
            rule_id=f"{tool}.{f.rule_id}",
            properties={**f.properties, "tool_rules": tool_rules},
        )
    return dataclasses.replace(
        f,
        rule_id=rule.id,
        title=rule.title,
        cwe=tuple(dict.fromkeys((*rule.cwe, *f.cwe))),
        properties={**f.properties, "tool_rules": tool_rules},
    )


def _same_issue(a: Finding, b: Finding) -> bool:
    if not a.location.overlaps(b.location):
        return False
    if a.rule_id == b.rule_id or _twins(a, b) or _twins(b, a):
        return True
    mapped = a.rule_id in RULES_BY_ID and b.rule_id in RULES_BY_ID
    return not mapped and bool(set(a.cwe) & set(b.cwe))


def _twins(taint: Finding, other: Finding) -> bool:
    """A taint finding and a tool rule that reports the same issue under another CWE."""
    rule = TAINT_RULES.get(taint.rule_id)
    return taint.tools[0] == TAINT and rule is not None and other.rule_id in rule.same_as


def _rank(f: Finding) -> int:
    """Our rules first (ids baselines know), then the taint rules, then the tools' own."""
    return 0 if f.rule_id in RULES_BY_ID else 1 if f.tools[0] == TAINT else 2


def _tool_rank(tool: str) -> int:
    return TOOL_ORDER.index(tool) if tool in TOOL_ORDER else len(TOOL_ORDER)


def _combine(group: Sequence[Finding]) -> Finding:
    # Prefer a finding under one of our rules, then by tool order, then the earliest line.
    ordered = sorted(
        group,
        key=lambda f: (
            _rank(f),
            _tool_rank(f.tools[0]),
            f.location.start_line,
        ),
    )
    first = ordered[0]
    if len(group) == 1:
        return first
    # The primary tool (SARIF writes the finding in its run) is the one whose rule it has.
    others = sorted({t for f in group for t in f.tools} - {first.tools[0]}, key=_tool_rank)
    tools = (first.tools[0], *others)
    tool_rules: dict[str, list[str]] = {}
    for f in ordered:
        for tool, ids in dict(f.properties.get("tool_rules", {})).items():
            known = tool_rules.setdefault(tool, [])
            known.extend(i for i in ids if i not in known)
    confidences = [f.confidence for f in group if f.confidence is not None]
    order = ("LOW", "MEDIUM", "HIGH")
    start = min(f.location.start_line for f in group)
    end = max(f.location.last_line for f in group)
    location = first.location
    if (start, end) != (location.start_line, location.last_line):
        location = dataclasses.replace(location, start_line=start, end_line=end)
    suppressed = [f for f in group if f.suppression is not None]
    # Suppressed if every tool's report of it is (a `# nosec` silences Bandit only), or if
    # our own comment silences any one of them: it names the merged finding, whose lines
    # may start above a tool's own line.
    ours = [s for f in group if (s := f.suppression) and OWN_COMMENT.match(s.justification)]
    suppression = suppressed[0].suppression if len(suppressed) == len(group) else None
    flows = tuple(dict.fromkeys(flow for f in ordered for flow in f.flows))
    return dataclasses.replace(
        first,
        tools=tools,
        severity=max(f.severity for f in group),
        confidence=max(confidences, key=order.index) if confidences else None,
        cwe=tuple(dict.fromkeys(c for f in ordered for c in f.cwe)),
        location=location,
        properties={**first.properties, "tool_rules": tool_rules},
        suppression=suppression or (ours[0] if ours else None),
        flows=flows,
    )


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """Merge duplicates (see the module docstring); the result is sorted by location."""
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.location.path, []).append(f)
    merged: list[Finding] = []
    for path in sorted(by_path):
        groups: list[list[Finding]] = []
        for f in sorted(by_path[path], key=lambda f: (f.location.start_line, f.rule_id)):
            home = next((g for g in groups if any(_same_issue(f, o) for o in g)), None)
            if home is None:
                groups.append([f])
            else:
                home.append(f)
        merged.extend(_combine(g) for g in groups)
    return sorted(merged, key=lambda f: (f.location.path, f.location.start_line, f.rule_id))
