"""Shannon entropy with per-charset, per-length thresholds.

Entropy alone cannot tell a 16-character identifier from a 16-character key (both score
~3.5 bits), so the threshold a value must reach depends on its charset *and* length: it is the
entropy that 99.5 % of uniformly random strings of that charset and length reach (measured by
simulation, 4000 samples per cell; see ``_RANDOM_FLOOR``).  Values below the floor look like
words, repetitions or sequences, not like generated secrets.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from typing import Literal

Charset = Literal["hex", "base36", "base64", "alnum", "any"]

_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_LOWER36 = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
_UPPER36 = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _LOWER36 | _UPPER36
_BASE64 = _ALNUM | frozenset("+/=_-")

_LENGTHS = (8, 10, 12, 16, 20, 24, 32, 40, 48, 64)
#: charset -> entropy floor (0.5th percentile of random strings) at each length in _LENGTHS.
_RANDOM_FLOOR: dict[Charset, tuple[float, ...]] = {
    "hex": (1.81, 2.05, 2.29, 2.61, 2.85, 2.98, 3.20, 3.39, 3.47, 3.60),
    "base36": (2.16, 2.45, 2.72, 3.08, 3.35, 3.55, 3.85, 4.06, 4.24, 4.44),
    "alnum": (2.41, 2.65, 2.86, 3.33, 3.58, 3.83, 4.14, 4.40, 4.61, 4.87),
    "base64": (2.41, 2.65, 2.92, 3.33, 3.62, 3.83, 4.20, 4.42, 4.62, 4.89),
    "any": (2.41, 2.65, 2.92, 3.33, 3.68, 3.89, 4.24, 4.50, 4.70, 4.98),
}


def shannon(value: str) -> float:
    """Bits per character of ``value`` (0.0 for the empty string)."""
    n = len(value)
    if n == 0:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def charset(value: str) -> Charset:
    """The smallest of hex, base36, alnum, base64 and any that contains every character of
    ``value``.  ``base36`` is digits with letters of one case (``k3x9...``, ``NRAK...``): it
    needs both, since a word in one case is not generated."""
    chars = set(value)
    if chars <= _HEX and (chars <= set("0123456789abcdef") or chars <= set("0123456789ABCDEF")):
        return "hex"
    if (chars <= _LOWER36 or chars <= _UPPER36) and chars & _DIGITS and chars - _DIGITS:
        return "base36"
    if chars <= _ALNUM:
        return "alnum"
    if chars <= _BASE64:
        return "base64"
    return "any"


def random_floor(cs: Charset, length: int) -> float:
    """The entropy a random string of ``cs`` and ``length`` almost always (99.5 %) reaches."""
    floors = _RANDOM_FLOOR[cs]
    if length <= _LENGTHS[0]:
        return floors[0] * length / _LENGTHS[0]
    if length >= _LENGTHS[-1]:
        return floors[-1]
    i = bisect_left(_LENGTHS, length)
    lo, hi = _LENGTHS[i - 1], _LENGTHS[i]
    frac = (length - lo) / (hi - lo)
    return floors[i - 1] + frac * (floors[i] - floors[i - 1])


def looks_random(value: str, *, slack: float = 0.0) -> bool:
    """True when ``value`` has the entropy of a random string of its charset and length."""
    return shannon(value) >= random_floor(charset(value), len(value)) - slack


__all__ = ["Charset", "charset", "looks_random", "random_floor", "shannon"]
