"""Values that are written by people, not generated: words, identifiers, regular expressions,
format strings -- and, for generated values, the part that must look random.

* :func:`wordy`: an identifier made of words (``tokenStartColumn``, ``IAmSensitive``,
  ``ExclusiveStartBackupArn``, ``PKCS7_ISSUER_AND_SERIAL``);
* :func:`identifier_like`: that, or a path of such identifiers (``StreamDescription.Shards[-1]
  .ShardId``, ``AWS::ApiGateway::ApiKey``) or words joined by separators (``types-auth0-python``,
  ``secret-labs-2011``, ``test_api_key_123``);
* :func:`regex_or_format`: the source of a regular expression (``ghp_[A-Za-z0-9]{36}``,
  ``(?:key|pwd|token)``) or a format string (``Bearer {}``, ``%s:%s``);
* :func:`random_core`: the part of a value a provider generated, without the word prefix it
  put in front (``shippo_live_``, ``PMAK-``, ``dp.pt.``, ``sk-or-v1-``, ``0x``) -- a prefix
  of words lowers the entropy of the whole value, not of its random part.
"""

from __future__ import annotations

import re

from scriptrunner.scanners.secrets.entropy import looks_random

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SCREAMING = re.compile(r"_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_VOWELS = frozenset("aeiouy")
#: Short words that sit between longer ones in names and sentences (``IAmSensitive``,
#: ``MustBeAtLeast``); alone they prove nothing, next to two long words they are prose.
_SHORT_WORDS = frozenset(
    "a i am an as at be by do go he if in is it me my no of ok on or so to up us we id".split()
)


def wordy(value: str) -> bool:
    """An identifier made of words: ``tokenStartColumn``, ``OAuth2Client``, ``NewPassword``,
    ``PKCS7_ISSUER_AND_SERIAL`` -- a name, where a generated value has short random pieces."""
    if _SCREAMING.fullmatch(value):
        return all(sum(c.isalpha() for c in part) >= 2 for part in value.strip("_").split("_"))
    if not _IDENTIFIER.match(value):
        return False
    count = short = odd = 0
    for piece in _PIECES.findall(value):
        if piece.lower() in _SHORT_WORDS:
            short += 1
        elif piece.isdigit() or piece.isupper():
            odd += 1  # ``2`` in ``OAuth2``, ``O`` in ``AsyncOAuth``: a few, not many
            if len(piece) > (2 if piece.isdigit() else 4) or odd > 2:
                return False
        elif len(piece) >= 3 and _VOWELS.intersection(piece.lower()):
            count += 1
        else:
            return False
    return count >= 2 or (count == 1 and short >= 2)


_INDEX = re.compile(r"\[[-\d*:]{0,6}\]")
_SPLIT = re.compile(r"::|[._\-/:\s]+")
_WORD = re.compile(r"^[A-Za-z]{2,}\d{0,4}$")
_CAMEL = re.compile(r"^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$")


def identifier_like(value: str) -> bool:
    """A name, a path of names or words joined by separators: what people type, not what a
    generator gives (see the module docstring)."""
    if wordy(value.rstrip(".!?")):
        return True
    parts = [p for p in _SPLIT.split(_INDEX.sub("", value)) if p]
    if len(parts) < 2:
        return False
    words = [p for p in parts if (p.isdigit() and len(p) <= 8) or wordy(p) or _is_word(p)]
    numbers = sum(p.isdigit() for p in parts)
    if len(words) == len(parts):
        # words, or a name and its version (``matplotlib-1.3.0``, ``vuforia-2013-07-29``)
        return len(parts) - numbers >= 2 or (numbers > 0 and max(map(len, parts)) >= 4)
    if any(len(p) >= 12 and p not in words for p in parts):
        return False  # a long part that is no word: the generated part of a token
    rest = "".join(p for p in parts if p not in words)
    if len(rest) >= 12 and looks_random(rest):
        return False  # short random parts (a URL-safe base64 token split at its ``_``)
    return _slug(parts, words)


def _slug(parts: list[str], words: list[str]) -> bool:
    """Short parts, among them a word or mostly plain ones: ``lgpl-2.1-nokia-qt``,
    ``sun-bcl-j2re-1.2.x`` (a license or package name with its version)."""
    if any(len(p) >= 6 and p.isalpha() and p.islower() and _a_word(p) for p in parts):
        return True
    plain = sum(p in words or _plain_word(p) for p in parts)
    return len(parts) >= 3 and 2 * plain > len(parts)


def _plain_word(part: str) -> bool:
    """``qt``, ``sun``, ``docs``, ``GFDL``: letters in one case that can be read."""
    if not part.isalpha() or not (part.islower() or part.isupper()):
        return False
    return len(part) <= 2 or _pronounceable(part.lower())


def _is_word(part: str) -> bool:
    """``auth0``, ``python``, ``Shards``, ``ShardId``, ``ARN``: letters (a word, CamelCase
    words or a short acronym) with vowels, then at most a few digits."""
    if not _WORD.match(part):
        return False
    letters = part.rstrip("0123456789")
    if not (_CAMEL.match(letters) or (letters.isupper() and len(letters) <= 5)):
        return False
    if len(letters) >= 5 and not letters.isupper():
        return _pronounceable(letters.lower())
    return len(letters) <= 3 or bool(_VOWELS.intersection(letters.lower()))


_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{5,}")
_SHORT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{4,}")


def _a_word(word: str) -> bool:
    """A long lower-case part that reads as a word: two vowels, no four consonants in a row
    (``exception``, ``nokia``)."""
    return sum(c in _VOWELS for c in word) >= 2 and not _SHORT_RUN.search(word)


def _pronounceable(word: str) -> bool:
    """A vowel (two in words of 7 letters or more) and no run of five consonants:
    ``shards``, ``scancode``, not ``ylnkmk``."""
    vowels = sum(c in _VOWELS for c in word)
    return vowels >= (2 if len(word) >= 7 else 1) and not _CONSONANT_RUN.search(word)


#: Regex syntax that generated values never hold: groups ``(?:``, classes with a quantifier
#: ``[A-Za-z0-9]{36}``, negated classes, escapes ``\d``, alternations of several words.
_REGEX = re.compile(
    r"\(\?[:=!<P]|\\[dwsbDWSB]|\[[^\]\s]{1,40}\][*+?{]|\[\^|\]\{\d{1,4}(?:,\d{0,4})?\}"
    r"|^\^.+\$$|\(\w+(?:\|\w+){2,}\)"
)
#: ``{}``, ``{0}``, ``{name}``, ``{name:>8}``; ``%s`` / ``%d`` next to a separator.
_FORMAT = re.compile(
    r"\{\d{0,2}\}|\{[A-Za-z_]\w{0,40}(?::[^{}]{0,20})?\}|(?:^|[:@/=])%[sd](?:$|[:@/&])"
)


def regex_or_format(value: str) -> bool:
    """The source of a regular expression or a format string: describes values, is none."""
    return bool(_REGEX.search(value) or _FORMAT.search(value))


_SEPARATORS = re.compile(r"[-_.~:$!/]")
_LETTERS_THEN_HEX = re.compile(r"^[A-Za-z]{1,8}(?P<core>[0-9a-f]{24,}|[0-9A-F]{24,})$")
_HEX_0X = re.compile(r"^0x(?P<core>[0-9a-fA-F]{16,})$")


def random_parts(value: str) -> list[str]:
    """The parts of ``value`` a generator may have made, longest first: without the word
    prefixes (``shippo_live_``), short version tags (``v1``, ``us10``) and ``0x`` a provider
    puts around them; ``[]`` when nothing is set aside (the whole value is the part)."""
    m = _HEX_0X.match(value) or _LETTERS_THEN_HEX.match(value)
    if m:
        return [m.group("core")]
    parts = _SEPARATORS.split(value)
    if len(parts) < 2:
        return []
    kept = [p for p in parts if len(p) > 3 and not (p.isalpha() and len(p) <= 12)]
    out: list[str] = []
    for part in sorted(kept, key=len, reverse=True):
        m = _LETTERS_THEN_HEX.match(part)
        if m:
            out.append(m.group("core"))
        elif not wordy(part):
            out.append(part)
    return out


def random_core(value: str) -> str:
    """The longest of :func:`random_parts`, or ``value`` itself."""
    parts = random_parts(value)
    return parts[0] if parts else value


__all__ = ["identifier_like", "random_core", "random_parts", "regex_or_format", "wordy"]
