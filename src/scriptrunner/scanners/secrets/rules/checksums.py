"""Checks for credential formats that carry their own checksum or structure.

A provider that embeds a checksum lets a scanner tell a real token from a look-alike without
asking the provider.  The schemes checked here, with where they are published:

* **GitHub** (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_`` + 36 characters): the last 6
  characters are the CRC32 of the 30 random characters before them, written in base62
  (alphabet ``0-9A-Za-z``, left-padded with ``0``).  GitHub blog, "Behind GitHub's new
  authentication token formats" (2021-04-05).
* **npm** (``npm_`` + 36 characters): the same scheme.  GitHub blog, "Announcing npm's new
  access token format" (2021-09-23).
* **Grafana service-account tokens** (``glsa_<32 alphanumerics>_<8 hex>``): the hex part is
  the CRC32 (IEEE) of ``glsa_<32 alphanumerics>``, its 4 bytes little-endian.  grafana/grafana,
  ``pkg/components/satokengen/tokengen.go``.
* **PyPI API tokens** (``pypi-`` + base64url): a macaroon in the libmacaroons "v2" binary
  format: version byte 2, a location field (tag 1) ``pypi.org``/``test.pypi.org``, an
  identifier field (tag 2), end-of-section (0), caveat sections, end-of-section, then the
  signature field (tag 6) of 32 bytes.  PyPI's "API tokens" help page and the libmacaroons
  serialization format (field tags 0 EOS, 1 location, 2 identifier, 4 vid, 6 signature).

Graders return ``HIGH`` for a token whose checksum or structure holds and ``LOW`` for one
that only has the right shape (a test value, a typo, a made-up sample).
"""

from __future__ import annotations

import base64
import binascii
import zlib

from scriptrunner.findings.model import Confidence

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    """``number`` in base62 (``0-9A-Za-z``), left-padded with ``0`` to ``width``."""
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = BASE62[digit] + out
    return out.rjust(width, "0")


def crc32_base62_ok(token: str) -> bool:
    """GitHub / npm: the last 6 characters are base62(CRC32(the 30 before them))."""
    _, sep, body = token.partition("_")
    if not sep or len(body) != 36 or not body.isascii() or not body.isalnum():
        return False
    return base62(zlib.crc32(body[:30].encode("ascii")), 6) == body[30:]


def grafana_sa_ok(token: str) -> bool:
    """Grafana ``glsa_<secret>_<crc>``: little-endian hex CRC32 of ``glsa_<secret>``."""
    head, sep, check = token.rpartition("_")
    if not sep or len(check) != 8 or not head.isascii():
        return False
    crc = zlib.crc32(head.encode("ascii")) & 0xFFFFFFFF
    return crc.to_bytes(4, "little").hex() == check.lower()


def _varint(raw: bytes, at: int) -> tuple[int, int] | None:
    value, shift = 0, 0
    while at < len(raw) and shift <= 28:
        byte = raw[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
    return None


def _fields(raw: bytes, at: int) -> tuple[list[int], int] | None:
    """The field tags of one v2 section up to its end-of-section byte, and where it ends."""
    tags: list[int] = []
    while at < len(raw):
        tag = raw[at]
        at += 1
        if tag == 0:
            return tags, at
        size = _varint(raw, at)
        if size is None or tag not in (1, 2, 4):
            return None
        length, at = size
        at += length
        if at > len(raw):
            return None
        tags.append(tag)
    return None


def macaroon_v2_ok(blob: str) -> bool:
    """``blob`` (base64url, padding optional) is a v2 binary macaroon with a location, an
    identifier, well-formed caveat sections and a 32-byte signature at the end."""
    try:
        raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        return False
    if len(raw) < 40 or raw[0] != 2:
        return False
    header = _fields(raw, 1)
    if header is None or 2 not in header[0]:
        return False
    at = header[1]
    for _ in range(64):  # caveat sections, then an empty section
        if at >= len(raw):
            return False
        if raw[at] == 0:
            at += 1
            break
        section = _fields(raw, at)
        if section is None or 2 not in section[0]:
            return False
        at = section[1]
    else:
        return False
    return raw[at : at + 2] == b"\x06\x20" and len(raw) == at + 34


def pypi_token_ok(token: str) -> bool:
    """``pypi-`` followed by a v2 macaroon (see :func:`macaroon_v2_ok`)."""
    return token.startswith("pypi-") and macaroon_v2_ok(token[5:])


def grade_crc32_base62(token: str) -> Confidence:
    """HIGH when a 36-character GitHub/npm body checksums, LOW when it cannot be real; other
    lengths (GitHub's longer token generations) have no published check: HIGH."""
    body = token.partition("_")[2]
    if len(body) != 36:
        return "HIGH"
    return "HIGH" if crc32_base62_ok(token) else "LOW"


def grade_grafana_sa(token: str) -> Confidence:
    return "HIGH" if grafana_sa_ok(token) else "LOW"


def grade_pypi(token: str) -> Confidence:
    """HIGH for a well-formed macaroon; MEDIUM for the PyPI prefix with a body that does not
    parse (truncated or re-wrapped tokens still deserve a look)."""
    return "HIGH" if pypi_token_ok(token) else "MEDIUM"


__all__ = [
    "BASE62",
    "base62",
    "crc32_base62_ok",
    "grade_crc32_base62",
    "grade_grafana_sa",
    "grade_pypi",
    "grafana_sa_ok",
    "macaroon_v2_ok",
    "pypi_token_ok",
]
