"""Two shapes most provider credentials take, as rule builders.

* :func:`token` -- a value with a prefix the provider chose (``dckr_pat_`` + 27 characters):
  the prefix is the prefilter keyword and the match is strong evidence alone (HIGH).
* :func:`keyed` -- a value whose shape is not distinctive alone (32 hex digits, a UUID): it
  counts only next to the provider's name, in the name the value is given
  (``DATADOG_API_KEY=...``, ``<DatadogApiKey>...``, ``-DatadogApiKey '...'``,
  ``setenv("DD_API_KEY", "...")``); with ``words`` the name must also say key/token/secret,
  so ``datadog_trace_id`` does not count.  The name must come at most 40 characters before
  the value on the same line, or head the section the value's name is in.

Both build ordinary :class:`~scriptrunner.scanners.secrets.rules.model.Rule` values: the
rule tables stay data.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.rules.model import Grader, Rule, Validator

#: Characters that may continue a token: a match must not start or end inside a longer run.
_TOKEN_CHARS = r"A-Za-z0-9_\-"
#: Words a credential's name contains (``api_key``, ``authToken``, ``client-secret``...).
#: (Kept free of look-arounds: ~100 rules embed it twice, and each look-around doubles the
#: time ``re`` needs to compile them.)
SECRET_WORDS = r"key|token|secret|pass|pwd|auth|cred|pat|bearer|license|login"
#: A name that says what it holds by itself (``cf_api_token``, ``x-auth-key``; not ``auth0``).
_WORD = re.compile(rf"(?:^|[_.\-]|api)(?:{SECRET_WORDS})(?![0-9])")


def token(
    rule_id: str,
    title: str,
    prefixes: str | tuple[str, ...],
    body: str,
    *,
    examples: tuple[str, ...],
    counterexamples: tuple[str, ...] = (),
    chars: str = _TOKEN_CHARS,
    keywords: tuple[str, ...] = (),
    severity: Severity = Severity.CRITICAL,
    confidence: Confidence = "HIGH",
    min_entropy: float = 3.0,
    allow: tuple[str, ...] = (),
    validator: Validator | None = None,
    grade: Grader | None = None,
    keyword_boundary: bool = False,
    flags: int = 0,
    priority: int = 20,
) -> Rule:
    """A prefixed token: ``prefix`` + ``body`` (a regex), not inside a longer run of
    ``chars`` (a regex character-class body).  Keywords default to the prefixes."""
    heads = (prefixes,) if isinstance(prefixes, str) else prefixes
    head = "|".join(re.escape(p) for p in heads)
    before = chars.replace("=", "")  # padding ends a value; ``NAME=token`` starts one
    return Rule(
        id=rule_id,
        title=title,
        keywords=keywords or tuple(dict.fromkeys(p.lower() for p in heads)),
        pattern=rf"(?<![{before}])(?P<secret>(?:{head}){body})(?![{chars}])",
        flags=flags,
        severity=severity,
        confidence=confidence,
        min_entropy=min_entropy,
        allow=allow,
        validator=validator,
        grade=grade,
        keyword_boundary=keyword_boundary,
        priority=priority,
        examples=examples,
        counterexamples=counterexamples,
    )


def keyed(
    rule_id: str,
    title: str,
    names: tuple[str, ...],
    value: str,
    *,
    examples: tuple[str, ...],
    counterexamples: tuple[str, ...] = (),
    words: bool = True,
    exact: tuple[str, ...] = (),
    chars: str = _TOKEN_CHARS,
    severity: Severity = Severity.HIGH,
    confidence: Confidence = "MEDIUM",
    min_entropy: float = 3.0,
    allow: tuple[str, ...] = (),
    validator: Validator | None = None,
    nested: bool = True,
    priority: int = 20,
) -> Rule:
    """A value of shape ``value`` (regex) given to a name that contains one of ``names``
    (lower-case literals, also the keywords) and, with ``words``, a secret word after it
    (a name that holds a secret word itself, ``cf_api_token``, needs none; nor do the
    ``exact`` names, credential header names such as ``x-honeycomb-team``).

    With ``nested`` the provider's name may also head a section up to 4 lines above a
    name with a secret word (YAML ``datadog:`` / ``  api_key: ...``, TOML ``[datadog]``,
    JSON ``"datadog": {``)."""
    strong = [re.escape(n) for n in names if not words or _WORD.search(n)]
    strong += [re.escape(n) for n in exact]
    weak = [re.escape(n) for n in names if words and not _WORD.search(n)]
    parts = [f"(?:{'|'.join(strong)})"] if strong else []
    if weak:
        # Spaces, dashes and JSON punctuation may part them: ``{"mattermost": {"token": ...``.
        # ``public_key`` names a public key: never a secret.
        parts.append(
            rf"(?:{'|'.join(weak)})(?![\w.-]{{0,30}}?public)[\w. \-\"':{{]{{0,30}}?"
            rf"(?:{SECRET_WORDS})"
        )
    ident = rf"(?:{'|'.join(parts)})[\w.-]{{0,30}}"
    if nested and words and weak:
        ident += (
            rf"|(?:{'|'.join(weak)})[^\n]{{0,60}}\n(?:[^\n]{{0,200}}\n){{0,3}}?"
            rf"(?![^\n]{{0,40}}?public)[^\n]{{0,40}}?"
            rf"(?:{SECRET_WORDS})[\w.-]{{0,30}}"
        )
    before = chars.replace("=", "")
    return Rule(
        id=rule_id,
        title=title,
        keywords=tuple(dict.fromkeys(n.lower() for n in (*names, *exact))),
        pattern=rf"(?i:{ident})[^\n]{{0,40}}?(?<![{before}])(?P<secret>{value})(?![{chars}])",
        severity=severity,
        confidence=confidence,
        min_entropy=min_entropy,
        allow=allow,
        validator=validator,
        lines_after=4 if nested and words and weak else 0,
        priority=priority,
        examples=examples,
        counterexamples=counterexamples,
    )


#: Regex pieces for values.
HEX = "[a-f0-9]"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_ANY_CASE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

__all__ = ["HEX", "SECRET_WORDS", "UUID", "UUID_ANY_CASE", "keyed", "token"]
