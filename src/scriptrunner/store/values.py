"""Column values every driver can encode: text, and containers as JSON.

Standard library only, and on the common path only its C parts: the ``run`` fast path
(``cli.fast_run``) writes its rows with these, and ``json`` with ``re`` cost as much to
import as a hello-world script takes to run (measured with callgrind).  So
:func:`to_json` writes the plain values rows hold (None, bool, int, float, str, and lists,
tuples and dicts of them with text keys) itself, each string through the ``json``
module's own C encoder, and hands anything else to :func:`json.dumps`: the text is the
same either way (``tests/store/test_values.py`` checks it against ``json.dumps``).
"""

from __future__ import annotations

from _json import encode_basestring

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any

_surrogate: re.Pattern[str] | None = None


def _surrogates() -> re.Pattern[str]:
    """Lone surrogates: how Python hands over bytes that are not UTF-8 (``os.fsdecode``,
    argv, environment; U+DC80-U+DCFF stand for the bytes 0x80-0xFF).  No UTF-8 encoder
    accepts them."""
    global _surrogate
    if _surrogate is None:
        import re

        _surrogate = re.compile("[\ud800-\udfff]")
    return _surrogate


def has_surrogate(text: str) -> bool:
    """Does ``text`` hold a lone surrogate (so that no UTF-8 encoder takes it)?"""
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


class _Unusual(Exception):
    """A value :func:`_plain` does not write: :func:`json.dumps` does."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _plain(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` for plain values."""
    kind = type(value)
    if kind is str:
        return str(encode_basestring(value))
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    if kind is list or kind is tuple:
        return "[" + ",".join([_plain(v) for v in value]) + "]"
    if kind is dict:
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            parts.append(encode_basestring(key) + ":" + _plain(item))
        return "{" + ",".join(parts) + "}"
    raise _Unusual


def to_json(value: Any) -> str:
    """JSON for stored values; anything unexpected becomes its string form, never an error.

    Lone surrogates are written as JSON ``\\uDCxx`` escapes: valid UTF-8 text that reads
    back (``json.loads``) as the very same string, so ``os.fsencode`` gives the exact bytes.
    """
    try:
        text = _plain(value)
    except (_Unusual, RecursionError):
        import json

        text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    if text.isascii() or not has_surrogate(text):
        return text
    return _surrogates().sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def display_text(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\xNN`` (the byte it stands for) or
    ``\\uDxxx``: printable anywhere, and what a plain-text column stores."""
    if text.isascii() or not has_surrogate(text):
        return text
    return _surrogates().sub(_escape_surrogate, text)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def storable(value: Any) -> Any:
    """A column value every driver can encode: text with its surrogates escaped
    (:func:`display_text`), containers as JSON (:func:`to_json`), the rest unchanged."""
    if isinstance(value, str):  # on every value of every row: the common case inline
        return value if value.isascii() else display_text(value)
    if isinstance(value, (dict, list, tuple)):
        return to_json(value)
    return value
