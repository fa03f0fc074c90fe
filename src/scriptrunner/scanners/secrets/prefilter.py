"""The keyword prefilter: one pass over the lower-cased text finds every place a rule could
match, so rule regexes run only there (most files need no regex at all).

Two engines find the keywords, and give the same hits:

* pyahocorasick (Aho-Corasick over ``str``) -- used for non-ASCII texts;
* google-re2 over the lower-cased *bytes* of ASCII texts: the keywords as one alternation,
  matched by RE2's DFA.  Measured on the standard library's 31.5 MB of ``.py`` files:
  0.07 s against 0.32 s for pyahocorasick (whose per-character loop over ``str`` is the
  slower part), so it is used whenever the text is ASCII (92 % of those files).

A regex reports non-overlapping matches, so a keyword inside a longer one (``secret`` in
``aws_secret``) or starting inside its end (``admin_key`` after ``algolia_admin`` in
``algolia_admin_key``) would be hidden: each keyword therefore also triggers the rules of
every keyword it contains, and the RE2 path looks for the keywords that may start inside its
last characters (three or more shared) right where they would be.  Both libraries are imported when the first prefilter is built, not when
the package is imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    """One keyword: its length, the rules it triggers (``plain``), and the rules that also
    want a non-alphanumeric character before it (``bounded``, with the offset of the
    contained keyword they came from)."""

    length: int
    plain: tuple[int, ...]
    bounded: tuple[tuple[int, int], ...]
    #: ``(offset, keyword index)`` of keywords that may start inside this one's end: a
    #: regex match of this keyword hides them, so the RE2 path looks for them there.
    hidden: tuple[tuple[int, int], ...] = ()


class Prefilter:
    """``hits(text, low)`` yields ``(start, rule_index)`` for keyword occurrences."""

    def __init__(self, keywords: Sequence[tuple[Sequence[str], bool]]) -> None:
        """``keywords[i]`` = (rule i's lower-case keywords, whether it needs a boundary)."""
        import ahocorasick

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
        position = {word: i for i, word in enumerate(self.keywords)}
        starting: dict[str, list[str]] = {}  # every proper prefix -> the keywords it starts
        for word in self.keywords:
            for k in range(1, len(word)):
                starting.setdefault(word[:k], []).append(word)
        self.entries: list[KeywordEntry] = []
        for word in self.keywords:
            plain_set: dict[int, None] = {}
            bounded_set: dict[tuple[int, int], None] = {}
            # A keyword starting inside this one's end (``algolia_admin`` + ``admin_key``).
            hidden = tuple(
                (i, position[inner])
                for i in range(1, len(word) - _MIN_OVERLAP + 1)
                for inner in starting.get(word[i:], ())
            )
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
                KeywordEntry(len(word), tuple(plain_set), tuple(bounded_set), hidden)
            )
        self._index = {w.encode("ascii"): i for i, w in enumerate(self.keywords)}
        self._bytes = [w.encode("ascii") for w in self.keywords]
        self._re2: Any = _re2_alternation(self.keywords)
        # RE2's own match loop, without the wrapper's match objects (a third of the time
        # on texts with many hits); the wrapper's ``finditer`` when its layout differs.
        regexp = getattr(self._re2, "_regexp", None)
        self._spans: Any = getattr(regexp, "Match", None)
        self._anchor: Any = _unanchored() if self._spans is not None else None
        if self._anchor is None:
            self._spans = None

    def hits(self, text: str, low: str | None = None) -> Iterator[tuple[int, int]]:
        """``(start, rule_index)`` in text order; ``low`` is ``text.lower()`` if known."""
        if self._re2 is not None and text.isascii():
            blow = text.encode("ascii").lower()
            index = self._index
            if self._spans is None:
                for m in self._re2.finditer(blow):
                    yield from self._emit_re2(m.start(), index[m.group()], blow)
                return
            match, anchor, pos, end = self._spans, self._anchor, 0, len(blow)
            while pos < end:
                s, e = match(anchor, blow, pos, end)[0]
                if s < 0:
                    break
                yield from self._emit_re2(s, index[blow[s:e]], blow)
                pos = e
            return
        if low is None:
            low = lower(text)
        for end, kid in self.automaton.iter(low):
            yield from self._emit(end - self.entries[kid].length + 1, kid, low)

    def _emit_re2(self, start: int, kid: int, blow: bytes) -> Iterator[tuple[int, int]]:
        """A match of the alternation, and the keywords its match hid that are really there
        (the same hits as Aho-Corasick, which reports overlapping keywords itself)."""
        yield from self._emit(start, kid, blow)
        for offset, inner in self.entries[kid].hidden:  # (one level: linear on any text)
            if blow.startswith(self._bytes[inner], start + offset):
                yield from self._emit(start + offset, inner, blow)

    def _emit(self, start: int, kid: int, low: str | bytes) -> Iterator[tuple[int, int]]:
        entry = self.entries[kid]
        for rule in entry.plain:
            yield start, rule
        if entry.bounded and (start == 0 or not low[start - 1 : start].isalnum()):
            for rule, _ in entry.bounded:
                yield start, rule


#: The shortest end of a keyword that may hide another keyword starting there.
_MIN_OVERLAP = 3
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
    """The keywords as one RE2 over bytes (longest first), or None without google-re2."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency of the extra
        return None
    ordered = sorted(keywords, key=len, reverse=True)
    return re2.compile(b"|".join(re.escape(k).encode("ascii") for k in ordered))


__all__ = ["KeywordEntry", "Prefilter", "lower"]
