"""The literal prefixes read from a rule's pattern, at the edges: a pattern the parser
cannot read, a secret group that does not start the pattern or is case-insensitive,
something other than a literal first, and alternatives that end early."""

from __future__ import annotations

import re

import pytest

from scriptrunner.scanners.secrets.literals import secret_prefixes


@pytest.mark.parametrize(
    ("pattern", "flags", "prefixes"),
    [
        (r"(?P<secret>ghp_[A-Za-z0-9]{36})", 0, ("ghp_",)),
        (r"\b(?P<secret>(?:xoxb|xoxp)-[0-9]{10})", 0, ("xoxb-", "xoxp-")),
        (r"(?P<secret>AKIA[A-Z0-9]{16}", 0, ()),  # unbalanced: the parser gives up
        (r"(?P<secret>ghp_[a-z]{4})", re.IGNORECASE, ()),  # any case: no literal prefix
        (r"(?i:(?P<secret>ghp_[a-z]{4}))", 0, ()),  # the same, inline on the group
        (r"(?=x)(?P<other>y)(?P<secret>ghp_)", 0, ()),  # another group comes first
        (r"(?P<secret>(?:ab|cd[0-9])x)", 0, ("ab", "cd")),  # one alternative ends early
        (r"key=(?P<secret>ghp_)", 0, ()),  # literal text before the secret
        (r"(?P<notsecret>ghp_)", 0, ()),  # no secret group
        (r"(?P<secret>ghp_[a-z]{4})|(?P<x>y)", 0, ()),  # the whole pattern is alternatives
        (r"(?P<secret>(?P<inner>glpat-[0-9])x)", 0, ("glpat-",)),  # a group that ends early
    ],
    ids=[
        "plain", "alternatives", "unparsable", "ignorecase-flag", "ignorecase-inline",
        "other-group-first", "alternative-ends-early", "text-before", "no-secret-group",
        "top-level-alternatives", "inner-group",
    ],
)  # fmt: skip
def test_prefixes(pattern: str, flags: int, prefixes: tuple[str, ...]) -> None:
    assert secret_prefixes(pattern, flags) == prefixes
