"""The matching engine: ``scan_text(text, path) -> list[RawMatch]``, pure and fast.

Per text: one keyword pass (``prefilter.py``: RE2 over ASCII bytes, else Aho-Corasick over
the lower-cased ``str``) yields keyword hits;
each rule with hits runs its regex only in *windows* around them (the keyword's line, plus
the lines the rule asks for; merged when they overlap; clipped around the hit on very long
lines so a minified file cannot make a rule quadratic).  Generic ``name = value`` rules share
one pass per block of hit lines over every syntax that gives a name a value (``syntax.py``,
``forms.py``), then judge name and value (``rules/names.py``, ``rules/values.py``).  Matches
then pass the rule's checks (examples, placeholders, entropy, context, validator, grade); a
value under a credential's name that claims a provider's prefix without being that
provider's token is a near miss (``literals.py``).  Wrapped values are decoded and scanned
again (``decoding.py``).  Overlapping matches keep the most specific rule; test fixtures and
fake names lower the confidence (``context.py``); inline pragmas mark a match suppressed
(``windows.py`` for where rules look, ``matches.py`` for what is reported).

Regex engine for the rules: stdlib ``re``.  Every quantifier in the rules is bounded and
windows are bounded, so a hostile line cannot backtrack catastrophically (tested).  google-re2
was measured on the same work: on 20k sliced line windows it was 3x slower for a prefixed
token rule (29.7 vs 9.5 ms) and only 1.6x faster for the assignment regex, which needs
look-arounds RE2 lacks; with ``pos``/``endpos`` on a whole file it re-encodes the text per
call (minutes instead of milliseconds).  RE2 pays off for the keyword prefilter, where it
scans whole texts once (``prefilter.py``).  :func:`compile_rule` is the one place to switch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from scriptrunner.findings.model import Confidence
from scriptrunner.scanners.secrets import decoding
from scriptrunner.scanners.secrets.allowlist import DOCUMENTED_EXAMPLES, is_placeholder
from scriptrunner.scanners.secrets.context import fake_name, is_test_path, lowered
from scriptrunner.scanners.secrets.entropy import shannon
from scriptrunner.scanners.secrets.literals import NearMisses, secret_prefixes
from scriptrunner.scanners.secrets.matches import Candidate, RawMatch, Secret, resolve, to_matches
from scriptrunner.scanners.secrets.prefilter import Prefilter, lower
from scriptrunner.scanners.secrets.rules import RULES, Rule
from scriptrunner.scanners.secrets.rules.names import classify
from scriptrunner.scanners.secrets.rules.values import assess
from scriptrunner.scanners.secrets.rules.words import identifier_like
from scriptrunner.scanners.secrets.syntax import CodeMap, pairs
from scriptrunner.scanners.secrets.unwrap import DecodingPass
from scriptrunner.scanners.secrets.windows import LONG_LINE, near_context, windows

#: The rule ids of the generic rules: a value they report must not be a provider's near miss.
GENERIC_IDS = frozenset({"generic-secret", "generic-password", "encryption-key"})


class _Lower:
    """The lower-cased text, computed on first use (only context checks need it)."""

    __slots__ = ("_low", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._low: str | None = None

    def get(self) -> str:
        if self._low is None:
            self._low = lower(self._text)
        return self._low


class _Compiled:
    """A pattern rule and its regexes, compiled on first use: in a given scan most rules never
    see their keyword (99 of 349 on the 50 MB library tree of ``bench/secrets_scan.py``), and
    each forked worker compiles only what its own files need."""

    __slots__ = ("_allow", "_regex", "rule")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self._regex: re.Pattern[str] | None = None
        self._allow: re.Pattern[str] | None = None

    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = compile_rule(self.rule.pattern, self.rule.flags)
        return self._regex

    def allow(self) -> re.Pattern[str] | None:
        if self._allow is None and self.rule.allow:
            self._allow = re.compile("|".join(f"(?:{a})" for a in self.rule.allow))
        return self._allow


def compile_rule(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """The regex engine used for rules (``re``; see the module docstring)."""
    return re.compile(pattern, flags)


class Engine(DecodingPass):
    """The rules (each regex compiled on first use) and the prefilter; build once
    (``engine()``), use for many texts."""

    def __init__(self, rules: Sequence[Rule] = RULES) -> None:
        self.pattern_rules = [r for r in rules if r.family == "pattern"]
        self.assignment_rules = {r.id: r for r in rules if r.family == "assignment"}
        self.compiled = [_Compiled(r) for r in self.pattern_rules]
        generic = next(iter(self.assignment_rules.values()), None)
        self.assignment = compile_rule(generic.pattern) if generic else None
        providers = [c for c in self.compiled if c.rule.id not in GENERIC_IDS]
        self.near_miss = NearMisses((c.rule, c.regex) for c in providers)  # (not compiled yet)
        prefixes = {p for c in self.compiled for p in secret_prefixes(c.rule.pattern, c.rule.flags)}
        keywords: list[tuple[Sequence[str], bool]] = [
            (r.keywords, r.keyword_boundary) for r in self.pattern_rules
        ]
        self.generic_index = len(keywords)
        keywords.append((generic.keywords if generic else (), False))
        self.b64_index = len(keywords)
        prefixes.update(decoding.STRUCTURE_PREFIXES)
        b64_words = (*decoding.b64_keywords(sorted(prefixes)), *decoding.JSON_KEYWORDS)
        keywords.append((tuple(dict.fromkeys(b64_words)), False))
        self.percent_index = len(keywords)
        keywords.append((decoding.PERCENT_KEYWORDS, False))
        self.prefilter = Prefilter(keywords)

    def scan(self, text: str, path: str = "") -> list[RawMatch]:
        """Every secret in ``text`` (``path`` decides code vs. configuration, and context)."""
        candidates = self.candidates(text, path)
        if not candidates:
            return []
        kept = resolve(candidates)
        test = is_test_path(path)
        for c in kept:
            if fake_name(text, c.start):
                c.confidence = "LOW"
            elif test:
                c.confidence = lowered(c.confidence)
        return to_matches(text, kept)

    def candidates(self, text: str, path: str, depth: int = 0) -> list[Candidate]:
        """The secrets every rule accepts in ``text``, overlaps unresolved; ``depth``: how
        many decodings deep ``text`` is."""
        hits: dict[int, list[int]] = {}
        for start, index in self.prefilter.hits(text):
            hits.setdefault(index, []).append(start)
        out: list[Candidate] = []
        low = _Lower(text)
        for index, positions in hits.items():
            if index == self.generic_index:
                self._assignments(text, path, positions, out, depth)
            elif index == self.b64_index:
                if depth < decoding.MAX_DEPTH:
                    self._blobs(text, path, positions, out, depth)
            elif index == self.percent_index:
                if depth < decoding.MAX_DEPTH:
                    self._percent(text, path, positions, out, depth)
            else:
                self._patterns(self.compiled[index], text, low, path, positions, out)
        return out

    def _patterns(
        self,
        c: _Compiled,
        text: str,
        low: _Lower,
        path: str,
        positions: list[int],
        out: list[Candidate],
    ) -> None:
        rule, regex, allow = c.rule, c.regex(), c.allow()
        for a, b in windows(text, positions, rule.lines_before, rule.lines_after):
            for m in regex.finditer(text, a, b):
                value = m.group("secret")
                if not value or value in DOCUMENTED_EXAMPLES or is_placeholder(value):
                    continue
                if "%" in value and _escaped_words(value):
                    continue
                if len(value) >= 24 and shannon(value) < 4.3 and identifier_like(value):
                    continue  # long key material is generated, never a path of words
                if allow is not None and allow.search(value):
                    continue
                if rule.min_entropy and shannon(value) < rule.min_entropy:
                    continue
                if rule.validator is not None and not rule.validator(value):
                    continue
                if rule.context and not near_context(rule, low.get(), path, m.start()):
                    continue
                confidence = rule.grade(value) if rule.grade is not None else rule.confidence
                if confidence is None or (rule.id in GENERIC_IDS and self.near_miss(value)):
                    continue
                s, e = m.span("secret")
                at = m.start() if rule.report_at_match else s
                out.append(
                    Candidate(
                        s,
                        e,
                        at,
                        rule.id,
                        rule.title,
                        rule.priority,
                        confidence,
                        rule.severity,
                        value,
                    )
                )

    def _assignments(
        self, text: str, path: str, positions: list[int], out: list[Candidate], depth: int
    ) -> None:
        assert self.assignment is not None
        code = CodeMap(text, path)
        for a, b in _adjacent(windows(text, positions, 0, 0)):
            for pair in pairs(self.assignment, text, a, b):
                value = text[pair.start : pair.end]
                kind = classify(pair.name)
                plain = value
                if "%" in value and (url := decoding.url_decoded(value)) is not None:
                    plain = url[0]
                decoded = decoding.b64_text(plain, decoding.MIN_VALUE)
                if decoded is not None and depth < decoding.MAX_DEPTH:
                    self._unwrap(decoded, pair.start, pair.end, "base64", path, out, depth)
                if kind is None:
                    continue
                judged = decoded if decoded is not None else plain
                verdict = assess(
                    kind,
                    judged,
                    quoted=pair.quoted or judged is not value,
                    code=code(pair.start),
                    tight=pair.tight,
                )
                if verdict is None or self.near_miss(judged):
                    continue
                encoding = "base64" if decoded is not None else "url" if judged != value else None
                self._add(out, pair.start, pair.end, verdict, judged, encoding)

    def _add(
        self,
        out: list[Candidate],
        start: int,
        end: int,
        verdict: tuple[str, Confidence],
        value: str,
        encoding: str | None = None,
    ) -> None:
        rule_id, confidence = verdict
        rule = self.assignment_rules.get(rule_id) or _first(rule_id)
        out.append(
            Candidate(
                start,
                end,
                start,
                rule_id,
                rule.title,
                min(rule.priority, 12),
                confidence,
                rule.severity,
                value,
                encoding,
            )
        )


def _escaped_words(value: str) -> bool:
    """A URL-encoded value that decodes to a placeholder or to words (``a%20secret``)."""
    url = decoding.url_decoded(value)
    return url is not None and (is_placeholder(url[0]) or " " in url[0].strip())


def _adjacent(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows on consecutive lines as one (every syntax reads within a line or a few): one
    pass over a dense block instead of one per line."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a == out[-1][1] + 1 and b - out[-1][0] <= _MERGED:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


_MERGED = 16384


@cache
def _first(rule_id: str) -> Rule:
    from scriptrunner.scanners.secrets.rules import first_rule

    return first_rule(rule_id)


@cache
def engine() -> Engine:
    """The engine over every rule (built once per process; forked workers inherit it)."""
    return Engine()


def scan_text(text: str, path: str = "") -> list[RawMatch]:
    """Every secret in ``text``; ``path`` is used for code/config and context decisions."""
    return engine().scan(text, path)


__all__ = ["LONG_LINE", "Engine", "RawMatch", "Secret", "compile_rule", "engine", "scan_text"]
