"""No secret value leaves a code scan: tool messages are redacted before anything keeps them.

Every finding's message and title, every skip reason and every tool failure goes through the
secret scanner's :func:`~scriptrunner.scanners.secrets.scrub.redact_text` as soon as a tool
reports it -- before the per-file cache, the merge, the history store and every renderer
see it.  What is redacted:

* in every text: the values the secret engine detects;
* in a hard-coded credential finding (Bandit B105/B106/B107, our ``hardcoded-password``
  rule's Semgrep rules, or any rule with CWE-259/CWE-798/CWE-321/CWE-522): every quoted
  part of the message and every string literal of the flagged source lines;
* in any other finding: the string literals of its source lines that a rule quoted into its
  message (a Semgrep ``$VAR``) and that look generated (8+ characters, no spaces, the entropy
  of a random string).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from scriptrunner.findings.model import Finding, Skipped, ToolFailure
from scriptrunner.scanners.code.merge import RULES_BY_ID
from scriptrunner.scanners.code.tool import ToolOutput
from scriptrunner.scanners.secrets.entropy import shannon
from scriptrunner.scanners.secrets.scrub import redact_text, string_literals

#: CWE ids of hard-coded credentials.
CREDENTIAL_CWES = frozenset({259, 321, 522, 798})
_CREDENTIAL_RULE = RULES_BY_ID["hardcoded-password"]
#: Tool rule ids of hard-coded credentials (their messages quote the value).
CREDENTIAL_TOOL_RULES = frozenset({*_CREDENTIAL_RULE.bandit, *_CREDENTIAL_RULE.semgrep})


def is_credential(finding: Finding) -> bool:
    """Whether ``finding`` reports a hard-coded credential (its message may quote it)."""
    return finding.rule_id in CREDENTIAL_TOOL_RULES or bool(CREDENTIAL_CWES & set(finding.cwe))


def _generated(value: str) -> bool:
    return len(value) >= 8 and not any(c.isspace() for c in value) and shannon(value) >= 3.0


def redact_finding(finding: Finding, lines: Sequence[str]) -> Finding:
    """``finding`` with its message and title redacted (``lines``: its file's lines)."""
    loc = finding.location
    literals = string_literals(lines[max(loc.start_line - 1, 0) : loc.last_line])
    credential = is_credential(finding)
    if not credential:
        literals = {v for v in literals if _generated(v)}
    message = redact_text(finding.message, literals, quoted=credential)
    title = redact_text(finding.title, literals, quoted=credential)
    if (message, title) == (finding.message, finding.title):
        return finding
    return dataclasses.replace(finding, message=message, title=title)


def redact_output(output: ToolOutput, lines_of: Callable[[str], Sequence[str]]) -> ToolOutput:
    """A tool's output with every finding, skip reason redacted (``lines_of(rel)``)."""
    return ToolOutput(
        [redact_finding(f, lines_of(f.location.path)) for f in output.findings],
        [Skipped(s.target, redact_text(s.reason), s.tool) for s in output.skipped],
        output.failed_files,
    )


def redact_failure(tool: str, message: str) -> ToolFailure:
    """A tool failure whose message (a tool's stderr) is redacted."""
    return ToolFailure(tool, redact_text(message))


__all__ = [
    "CREDENTIAL_CWES",
    "CREDENTIAL_TOOL_RULES",
    "is_credential",
    "redact_failure",
    "redact_finding",
    "redact_output",
]
