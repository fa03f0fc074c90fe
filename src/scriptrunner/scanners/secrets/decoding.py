"""The decoding pass: credentials wrapped in base64 or URL encoding.

A wrapped value is found three ways, all cheap when there is nothing to find:

* the keyword prefilter also looks for the base64 form of the literal prefixes that rules'
  secrets start with (``Z2hwX`` for ``ghp_``, ``ZXlK`` for a JWT's ``eyJ``, ``aHR0cHM6Ly`` for
  ``https://``): a base64 run starting there is a candidate blob;
* the value of a ``name = value`` pair that is base64 of text (a Kubernetes Secret's
  ``data``, ``DB_PASSWORD_B64=...``, ``authHeader = "..."``) is a candidate blob;
* percent escapes (``%2F``, ``%3A``, ``%40``, ``%2B``, ``%3D``, ``%24``) mark a URL-encoded
  token (a query string, a logged form body).

A blob of :data:`MIN_BLOB`..:data:`MAX_BLOB` characters that decodes to printable text is
scanned like a file of its own, at most :data:`MAX_DEPTH` levels deep (base64 of base64);
what is found there is reported at the blob's place under the decoded rule's id, with
``encoding`` saying how it was wrapped.  Decoded text that is exactly ``user:password`` (HTTP
basic credentials, a registry ``auth``) is a password when the password is a real one.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

MIN_BLOB = 16
MAX_BLOB = 4096
#: The shortest value of a ``name = value`` pair tried as base64 (``cGFzc3dvcmQ=``).
MIN_VALUE = 8
MAX_DEPTH = 2
#: The shortest base64 keyword worth a prefilter entry.
_MIN_KEYWORD = 4
#: Structures (not rule prefixes) whose base64 form starts a blob worth decoding.
STRUCTURE_PREFIXES = (
    "https://",
    "http://",
    "postgres",
    "mysql://",
    "mongodb",
    "redis://",
    "rediss://",
    "amqp://",
    "amqps://",
    "smtp://",
    "smtps://",
    "ftp://",
    "sftp://",
    "jdbc:",
    "-----BEGIN ",
    "{\n ",
    '{\n"',
    '{ "',
)
#: Blobs that start like base64 of a JSON object (``{"`` is ``eyJ``/``eyI``...).
JSON_KEYWORDS = ("eyj", "eyi")
PERCENT_KEYWORDS = ("%2f", "%3a", "%40", "%2b", "%3d", "%24")

_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
_B64_RUN = re.compile(rf"[A-Za-z0-9+/_-]{{{MIN_BLOB},{MAX_BLOB + 1}}}={{0,2}}")
_B64_VALUE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
#: An escape of a character URL encoders escape (not a letter or a digit: ``%45`` in a
#: password is text, not an ``E``).
_PERCENT = re.compile(r"%(?:[2][0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])")
_TOKEN_STOP = frozenset(" \t\r\n\"'`<>|;,(){}[]\\")
_USER_PASSWORD = re.compile(r"(?P<user>[\w.@+-]{1,64}):(?P<password>[^\s\"'{}\[\]]{6,128})")


def _b64_prefix(prefix: str) -> str:
    """The start of the base64 of any text starting with ``prefix`` (the part the characters
    after the prefix cannot change)."""
    raw = prefix.encode("utf-8")
    exact = 4 * (len(raw) // 3) + len(raw) % 3
    return base64.b64encode(raw).decode("ascii")[:exact]


def b64_keywords(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Lower-case prefilter keywords for blobs that are base64 of text starting with one of
    ``prefixes``, or base64 of that base64 (:data:`MAX_DEPTH` is 2)."""
    out: dict[str, None] = {}
    for prefix in prefixes:
        once = _b64_prefix(prefix)
        for keyword in (once, _b64_prefix(once)):
            if len(keyword) >= _MIN_KEYWORD and "+" not in keyword and "/" not in keyword:
                out[keyword.lower()] = None
    return tuple(out)


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 6 or not all(c.isprintable() or c in "\n\r\t" for c in text):
        return None
    return text


def b64_text(value: str, minimum: int = MIN_BLOB) -> str | None:
    """The text ``value`` is the base64 (standard or URL-safe) of, or None (not base64, or
    binary: a random key, an image).  ``minimum``: the shortest value tried."""
    if not minimum <= len(value) <= MAX_BLOB + 2 or not _B64_VALUE.fullmatch(value):
        return None
    body = value.rstrip("=")
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(
            body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        return None
    return _printable(raw)


def blob_at(text: str, pos: int) -> tuple[int, int] | None:
    """The base64 run that starts at ``pos`` (not inside a longer run), if short enough."""
    if pos > 0 and text[pos - 1] in _B64_CHARS:
        return None
    m = _B64_RUN.match(text, pos)
    if m is None or m.end() - m.start() > MAX_BLOB + 2:
        return None
    return m.start(), m.end()


def token_around(text: str, pos: int) -> tuple[int, int]:
    """The run of URL characters (no space, quote or bracket) around ``pos``."""
    a, b, n = pos, pos, len(text)
    while a > 0 and pos - a < MAX_BLOB and text[a - 1] not in _TOKEN_STOP:
        a -= 1
    while b < n and b - pos < MAX_BLOB and text[b] not in _TOKEN_STOP:
        b += 1
    return a, b


_ANY_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def url_decoded(token: str) -> tuple[str, list[int]] | None:
    """``token`` with its percent escapes of punctuation decoded, and for each decoded
    character the offset in ``token`` it came from; None when nothing was escaped or when a
    letter or digit is (then ``%`` is text: ``Marble%4550``)."""
    if not _PERCENT.search(token):
        return None
    if any(chr(int(m.group()[1:], 16)).isalnum() for m in _ANY_ESCAPE.finditer(token)):
        return None
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(token)
    while i < n:
        if token[i] == "%" and i + 2 < n + 1 and _PERCENT.match(token, i):
            out.append(chr(int(token[i + 1 : i + 3], 16)))
            where.append(i)
            i += 3
            continue
        out.append(token[i])
        where.append(i)
        i += 1
    where.append(n)
    return "".join(out), where


def user_password(text: str) -> str | None:
    """The password of decoded text that is exactly ``user:password``."""
    m = _USER_PASSWORD.fullmatch(text.strip())
    return m.group("password") if m else None


__all__ = [
    "MAX_BLOB",
    "MAX_DEPTH",
    "MIN_BLOB",
    "PERCENT_KEYWORDS",
    "JSON_KEYWORDS",
    "STRUCTURE_PREFIXES",
    "b64_keywords",
    "b64_text",
    "blob_at",
    "token_around",
    "url_decoded",
    "user_password",
]
