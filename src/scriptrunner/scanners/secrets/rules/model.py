"""The shape of a secret rule: data, not code.

A rule names the keywords that must occur for it to run at all (the Aho-Corasick prefilter),
where around a keyword its regex looks (the keyword's line, or a few lines around it), the
regex with its ``secret`` group, and the checks a match must pass: documented examples and
placeholders, an entropy floor, nearby context words, a validator.  ``examples`` and
``counterexamples`` are checked for every rule by one parametrized test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from scriptrunner.findings.model import Confidence, Severity

# Regex pieces the rule modules share.  Boundaries: a token does not start or end inside a
# longer run of token characters (``_DASH``: the token's charset includes ``-``).
TOKEN_START = r"(?<![A-Za-z0-9_])"
TOKEN_START_DASH = r"(?<![A-Za-z0-9_-])"
TOKEN_END = r"(?![A-Za-z0-9_])"
TOKEN_END_DASH = r"(?![A-Za-z0-9_-])"
#: The rest of a name, then ``=``, ``:``, ``=>`` or ``:=``, then an optional opening quote.
ASSIGN = r"""[\w.-]{0,40}(?:\\?["'`])?\]?\s{0,4}(?:=>|:=|[:=])\s{0,4}[bru]?(?:\\{0,2}["'`])?"""

RuleFamily = Literal["pattern", "assignment"]
#: Checks the secret of a match (True: keep it).
Validator = Callable[[str], bool]
#: The confidence of a secret, or None when it is not a secret after all.
Grader = Callable[[str], "Confidence | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One detector.  Several rules may share an ``id`` (variants of one credential type)."""

    id: str
    title: str
    #: Lower-case literals; the rule runs only where one occurs (Aho-Corasick prefilter).
    keywords: tuple[str, ...]
    #: Regex with a named group ``secret`` (the value that is redacted and fingerprinted).
    pattern: str
    confidence: Confidence = "HIGH"
    severity: Severity = Severity.CRITICAL
    #: ``re`` flags for ``pattern`` (``re.IGNORECASE``...).
    flags: int = 0
    #: Minimum Shannon entropy of the secret (bits per character).
    min_entropy: float = 0.0
    #: Regexes a secret may match to be a known example or placeholder (then not reported).
    allow: tuple[str, ...] = ()
    #: Lower-case words one of which must occur within ``context_lines`` of the match (or in
    #: the path); ``context_lines=-1`` means anywhere in the file.
    context: tuple[str, ...] = ()
    context_lines: int = 5
    #: Lines before and after the keyword's line the pattern may look at.
    lines_before: int = 0
    lines_after: int = 0
    #: Require a non-alphanumeric character before the keyword (``sg.`` but not ``msg.``).
    keyword_boundary: bool = False
    #: Extra check on the secret (JWT header decodes, ...).
    validator: Validator | None = None
    #: The confidence of a secret that passed every check (default: ``confidence``).
    grade: Grader | None = None
    #: ``assignment`` rules share one pass that reads ``name = value`` and classifies the name
    #: (``rules/generic.py``); ``pattern`` rules run their own regex.
    family: RuleFamily = "pattern"
    #: Report the line of the match start instead of the secret's (PEM ``BEGIN`` line).
    report_at_match: bool = False
    #: When matches of two rules overlap on a line, the higher priority is reported.
    priority: int = 20
    #: Strings that must produce a finding of this rule, and near misses that must not.
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


__all__ = [
    "ASSIGN",
    "TOKEN_END",
    "TOKEN_END_DASH",
    "TOKEN_START",
    "TOKEN_START_DASH",
    "Grader",
    "Rule",
    "RuleFamily",
    "Validator",
]
