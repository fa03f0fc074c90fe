"""The keyword prefilter: one pass over the lower-cased text finds every place a rule could
match, so rule regexes run only there (most files need no regex at all).

Two engines find the keywords, and give the same hits:

* pyahocorasick (Aho-Corasick over ``str``) -- used for non-ASCII texts;
* google-re2 over the lower-cased *bytes* of ASCII texts: the keywords as one alternation,
  matched by RE2's DFA.  Measured on the standard library's 31.5 MB of ``.py`` files:
  0.07 s against 0.32 s for pyahocorasick (whose per-character loop over ``str`` is the
  slower part), so it is used whenever the text is ASCII (92 % of those files).

A regex reports non-overlapping matches, so a keyword inside a longer one (``secret`` in
``aws_secret``) or starting inside its end (``_pat`` after ``npm_`` in ``npm_pat``,
``admin_key`` after ``algolia_admin``) would be hidden: each keyword therefore also triggers
the rules of every keyword it contains, and after a match the RE2 path searches again from
the first character of the match where another keyword could start (``KeywordEntry.resume``)
instead of from its end -- one more search only where a keyword really starts there, so the
pass stays linear.  Both libraries are imported when the first prefilter is built, not when
the package is imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    """One keyword: its length, the rules it triggers (``plain``), the rules that also
    want a non-alphanumeric character before it (``bounded``, with the offset of the
    contained keyword they came from), and where the RE2 path searches again (``resume``)."""

    length: int
    plain: tuple[int, ...]
    bounded: tuple[tuple[int, int], ...]
    #: The first offset inside this keyword where a longer keyword may start (its end is the
    #: other's beginning: ``npm_`` + ``_pat``); ``length`` when there is none.  A regex
    #: match of this keyword would hide that one, so the RE2 path searches again from there.
    resume: int


class Prefilter:
    """``hits(text, low)`` yields ``(start, rule_index)`` for keyword occurrences."""

    def __init__(self, keywords: Sequence[tuple[Sequence[str], bool]]) -> None:
        """``keywords[i]`` = (rule i's lower-case keywords, whether it needs a boundary)."""
        try:
            import ahocorasick
        except ImportError as exc:
            from scriptrunner.errors import ScannerError

            raise ScannerError(
                f"the secret scanner (also used to redact every scan's reports) cannot load "
                f"pyahocorasick ({exc}): pip install 'scriptrunner[secrets]'"
            ) from None

        own: dict[str, tuple[list[int], list[int]]] = {}
        for index, (words, bounded) in enumerate(keywords):
            for word in words:
                if not word or word != word.lower() or not word.isascii():
                    raise ValueError(f"keyword {word!r} must be non-empty lower-case ASCII")
                plain, bound = own.setdefault(word, ([], []))
                (bound if bounded else plain).append(index)
        self.keywords = tuple(own)
        automaton: Any = ahocorasick.Automaton()
        for i, word in enumerate(self.keywords):
            automaton.add_word(word, i)
        automaton.make_automaton()
        self.automaton = automaton
        starts = {word[:k] for word in self.keywords for k in range(1, len(word))}
        self.entries: list[KeywordEntry] = []
        for word in self.keywords:
            plain_set: dict[int, None] = {}
            bounded_set: dict[tuple[int, int], None] = {}
            # Where a keyword may start inside this one's end (``npm_`` + ``_pat``).
            resume = next((i for i in range(1, len(word)) if word[i:] in starts), len(word))
            for end, kid in automaton.iter(word):  # every keyword inside this one
                inner = self.keywords[kid]
                offset = end - len(inner) + 1
                p, b = own[inner]
                plain_set.update(dict.fromkeys(p))
                if offset == 0:
                    bounded_set.update(dict.fromkeys((r, 0) for r in b))
                elif not word[offset - 1].isalnum():
                    plain_set.update(dict.fromkeys(b))  # the boundary is inside the keyword
            self.entries.append(
                KeywordEntry(len(word), tuple(plain_set), tuple(bounded_set), resume)
            )
        self._index = {w.encode("ascii"): i for i, w in enumerate(self.keywords)}
        self._re2: Any = _re2_alternation(self.keywords)
        # RE2's own match loop, without the wrapper's match objects (a third of the time
        # on texts with many hits); the wrapper's ``search`` when its layout differs.
        regexp = getattr(self._re2, "_regexp", None)
        self._spans: Any = getattr(regexp, "Match", None)
        self._anchor: Any = _unanchored() if self._spans is not None else None
        if self._anchor is None:
            self._spans = None

    def hits(self, text: str, low: str | None = None) -> Iterator[tuple[int, int]]:
        """``(start, rule_index)`` in text order; ``low`` is ``text.lower()`` if known."""
        if self._re2 is not None and text.isascii():
            yield from self._re2_hits(text.encode("ascii").lower())
            return
        if low is None:
            low = lower(text)
        for end, kid in self.automaton.iter(low):
            yield from self._emit(end - self.entries[kid].length + 1, kid, low)

    def _re2_hits(self, blow: bytes) -> Iterator[tuple[int, int]]:
        """The alternation's matches, searched again from ``resume`` after each: the same
        rules as Aho-Corasick, which reports overlapping keywords itself.  A match inside an
        earlier one is a contained keyword, whose rules the earlier one already gave."""
        index, entries, covered, pos, end = self._index, self.entries, 0, 0, len(blow)
        match, anchor = self._spans, self._anchor
        while pos < end:
            if match is not None:
                s, e = match(anchor, blow, pos, end)[0]
                if s < 0:
                    return
            else:
                m = self._re2.search(blow, pos)
                if m is None:
                    return
                s, e = m.span()
            kid = index[blow[s:e]]
            if e > covered:
                yield from self._emit(s, kid, blow)
                covered = e
            pos = s + entries[kid].resume  # (>= s + 1: every search moves on)

    def _emit(self, start: int, kid: int, low: str | bytes) -> Iterator[tuple[int, int]]:
        entry = self.entries[kid]
        for rule in entry.plain:
            yield start, rule
        if entry.bounded and (start == 0 or not low[start - 1 : start].isalnum()):
            for rule, _ in entry.bounded:
                yield start, rule


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def lower(text: str) -> str:
    """``text`` lower-cased with positions kept (a few non-ASCII characters grow when
    lower-cased; then only ASCII letters are lowered -- keywords are ASCII)."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def _unanchored() -> Any:
    """google-re2's "search anywhere" anchor, or None (then the wrapper is used)."""
    try:
        from re2 import _re2
    except ImportError:  # pragma: no cover - see _re2_alternation
        return None
    return getattr(getattr(getattr(_re2, "RE2", None), "Anchor", None), "UNANCHORED", None)


def _re2_alternation(keywords: Sequence[str]) -> Any:
    """The keywords as one RE2 over bytes, or None without google-re2.

    Sorted as in a trie, each keyword before its own prefixes (``password`` before ``pass``):
    leftmost-first matching then takes the longest keyword at a place, and RE2 folds the
    common prefixes of neighbouring alternatives into a trie -- a smaller program whose DFA
    states are built in half the time (0.30 -> 0.16 s on the first pass over the 50 MB
    library tree, which every worker process makes; sorted by length, nothing folds)."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency of the extra
        return None
    ordered = sorted(keywords, key=lambda k: k + "\uffff")
    options = re2.Options()
    options.max_mem = _RE2_MEMORY
    return re2.compile(b"|".join(re.escape(k).encode("ascii") for k in ordered), options)


#: RE2's memory budget for the alternation (default 8 MiB).  Its DFA states are built while
#: scanning and dropped when the budget is full; with ~1300 keywords a text dense with
#: keywords filled 8 MiB again and again and ran 10x slower than Aho-Corasick (4 us a byte).
#: A budget is not an allocation: ordinary text uses a small part of it.
_RE2_MEMORY = 64 << 20


__all__ = ["KeywordEntry", "Prefilter", "lower"]
