"""The literal prefixes a rule's secret starts with (``ghp_``, ``AKIA``, ``xoxb-``), read from
the rule's own regex, for two uses:

* near misses (``engine.py``): a value under a credential's name that starts with a provider's
  distinctive prefix but is not that provider's token (wrong length or alphabet, failed
  checksum) is a look-alike, not a secret of unknown kind;
* the decoding pass (``decoding.py``): the base64 form of a prefix finds a wrapped token.

Prefixes are read with the standard library's regex parser (``re._parser``, the one ``re``
compiles with); a pattern it cannot read simply has no prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from scriptrunner.scanners.secrets.entropy import shannon
from scriptrunner.scanners.secrets.rules.model import Rule

#: Prefixes that are words many formats share (``api-``, ``sk-``...): not distinctive.
_COMMON = frozenset(
    "api sdk pat key app live test token secret user org auth access client bot dev prod sk pk "
    "id v1 v2 private public".split()
)
_LIMIT = 32


def _parser() -> Any:
    import importlib

    try:
        return importlib.import_module("re._parser"), importlib.import_module("re._constants")
    except ImportError:  # pragma: no cover - Python < 3.11
        return importlib.import_module("sre_parse"), importlib.import_module("sre_constants")


@lru_cache(maxsize=4096)
def secret_prefixes(pattern: str, flags: int = 0) -> tuple[str, ...]:
    """The literal prefixes of the ``secret`` group when it starts the pattern (only
    look-arounds before it), case-sensitive; ``()`` when there are none or too many."""
    start = pattern.find("(?P<secret>")
    if start < 0 or not _only_lookarounds(pattern[:start]):
        return ()  # (cheap: no parse for rules whose secret comes after literal text)
    parse, const = _parser()
    try:
        tree = parse.parse(pattern, flags)
    except (re.error, TypeError, ValueError, AttributeError):
        return ()
    gid = tree.state.groupdict.get("secret")
    if gid is None or tree.state.flags & re.IGNORECASE:
        return ()
    zero_width = {const.ASSERT, const.ASSERT_NOT, const.AT}
    for op, av in tree:
        if op in zero_width:
            continue
        if op is const.SUBPATTERN and av[0] == gid and not av[1] & re.IGNORECASE:
            found, _ = _expand(list(av[3]), [""], const)
            return tuple(sorted({p for p in found if p}))
        return ()
    return ()


_LOOKAROUND = re.compile(r"\(\?<?[!=](?:[^()\\]|\\.|\[[^\]]*\])*\)|\\b|\^")


def _only_lookarounds(head: str) -> bool:
    """``head`` (what precedes the secret group) holds look-arounds and anchors only."""
    return not _LOOKAROUND.sub("", head)


def _expand(items: list[Any], acc: list[str], const: Any) -> tuple[list[str], bool]:
    """Extend every prefix in ``acc`` by the literal items; ``(prefixes, reached the end)``."""
    out = acc
    for op, av in items:
        if op is const.LITERAL:
            out = [p + chr(av) for p in out]
        elif (
            op is const.IN
            and all(o is const.LITERAL for o, _ in av)
            and len(av) * len(out) <= _LIMIT
        ):
            out = [p + chr(v) for p in out for _, v in av]
        elif op is const.SUBPATTERN and not av[1] & re.IGNORECASE:
            out, done = _expand(list(av[3]), out, const)
            if not done:
                return out, False
        elif op is const.BRANCH and len(av[1]) * len(out) <= _LIMIT:
            merged: list[str] = []
            complete = True
            for branch in av[1]:
                found, done = _expand(list(branch), out, const)
                merged += found
                complete = complete and done
            out = merged
            if not complete:
                return out, False
        else:
            return out, False
    return out, True


def distinctive(prefix: str) -> bool:
    """A prefix only one provider would choose: at least 4 characters, or 3 with a separator
    (``SG.``, ``hf_``), and not a common word (``api-``, ``sk-``, ``live_``)."""
    core = prefix.strip("_-.:").lower()
    if len(prefix) < 3 or (len(prefix) == 3 and core == prefix.lower()):
        return False
    return core not in _COMMON and len(core) >= 2


class NearMisses:
    """``near_miss(value)``: ``value`` starts with a distinctive prefix of a provider rule but
    no rule with that prefix accepts it (wrong length or alphabet, too little entropy, an
    allow-listed example, a failed checksum)."""

    def __init__(self, rules: Iterable[tuple[Rule, Callable[[], re.Pattern[str]]]]) -> None:
        """``rules``: provider rules, each with the function that gives its compiled pattern
        (called only for a value with one of the rule's prefixes)."""
        self._by_head: dict[str, list[tuple[str, Rule, Callable[[], re.Pattern[str]]]]] = {}
        for rule, regex in rules:
            for prefix in secret_prefixes(rule.pattern, rule.flags):
                if distinctive(prefix):
                    self._by_head.setdefault(prefix[:3], []).append((prefix, rule, regex))
        self.prefixes = tuple(sorted({p for v in self._by_head.values() for p, _, _ in v}))

    def __call__(self, value: str) -> bool:
        entries = self._by_head.get(value[:3])
        if not entries:
            return False
        claimed = False
        for prefix, rule, regex in entries:
            if not value.startswith(prefix):
                continue
            claimed = True
            m = regex().search(value)
            if m is not None and _accepts(rule, m.group("secret")):
                return False
        return claimed


def _accepts(rule: Rule, secret: str) -> bool:
    """The checks a rule's match must pass that need no surrounding text."""
    if rule.min_entropy and shannon(secret) < rule.min_entropy:
        return False
    if any(re.search(a, secret) for a in rule.allow):
        return False
    return rule.validator is None or rule.validator(secret)


__all__ = ["NearMisses", "distinctive", "secret_prefixes"]
