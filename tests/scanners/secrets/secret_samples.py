"""Filling rule sample templates: ``{hex:32}`` -> 32 random hex digits (seeded, so tests are
repeatable).  Rule tables hold templates, not secret-shaped literals.

Kinds with a structure: ``{gh:36}`` a GitHub/npm token body whose last 6 characters are the
base62 CRC32 of the 30 before them; ``{glsa:32}`` a whole Grafana service-account token with
its CRC32; ``{pypi:N}`` a whole PyPI token (a v2 macaroon with an N-byte identifier);
``{basic:N}`` base64 of ``user:<N-character password>``; ``{b64pw:N}`` base64 of a password."""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib

CHARSETS = {
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "digits": string.digits,
    "alpha": string.ascii_letters,
    "UPPER": string.ascii_uppercase + string.digits,
    "alnum": string.ascii_letters + string.digits,
    "lowalnum": string.ascii_lowercase + string.digits,
    "aws": string.ascii_uppercase + "234567",
    "b64": string.ascii_letters + string.digits + "+/",
    "url": string.ascii_letters + string.digits + "_-",
    "bech": "qpzry9x8gf2tvdw0s3jn54khce6mua7l".upper(),
    "django": string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)",
    "pw": string.ascii_letters + string.digits + "!#%&*-_+=?",
    "lower": string.ascii_lowercase,
    "b32": string.ascii_lowercase + "234567",
}
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIELD = re.compile(r"\{(?:([A-Za-z][A-Za-z0-9]*):(\d+)|(jwt|discord))\}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _base62(number: int, width: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = _B62[digit] + out
    return out.rjust(width, "0")


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _macaroon(rng: random.Random, id_bytes: int) -> str:
    """A v2 binary macaroon (location pypi.org, one caveat), base64url without padding."""
    ident = bytes(rng.randrange(256) for _ in range(id_bytes))
    caveat = b'{"version": 1, "permissions": "user"}'
    raw = bytearray([2])
    for tag, data in ((1, b"pypi.org"), (2, ident)):
        raw += bytes([tag]) + _varint(len(data)) + data
    raw += b"\x00" + b"\x02" + _varint(len(caveat)) + caveat + b"\x00" + b"\x00"
    raw += b"\x06\x20" + bytes(rng.randrange(256) for _ in range(32))
    return _b64url(bytes(raw))


def random_value(rng: random.Random, kind: str, n: int = 0) -> str:
    """One random value of ``kind`` (a charset name, ``jwt`` or ``discord``)."""
    if kind == "gh":
        body = random_value(rng, "alnum", n - 6)
        return body + _base62(zlib.crc32(body.encode()), 6)
    if kind == "glsa":
        head = "glsa_" + random_value(rng, "alnum", n)
        return f"{head}_{zlib.crc32(head.encode()).to_bytes(4, 'little').hex()}"
    if kind == "pypi":
        return "pypi-" + _macaroon(rng, n)
    if kind == "basic":
        return base64.b64encode(f"deploy:{random_value(rng, 'pw', n)}".encode()).decode()
    if kind == "b64pw":
        return base64.b64encode(random_value(rng, "pw", n).encode()).decode()
    if kind == "jwt":
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64url(json.dumps({"sub": str(rng.randrange(10**9)), "iat": 1700000000}).encode())
        return f"{head}.{body}.{random_value(rng, 'url', 43)}"
    if kind == "discord":
        first = "M" + random_value(rng, "alnum", 23)
        return f"{first}.{random_value(rng, 'url', 6)}.{random_value(rng, 'url', 27)}"
    chars = CHARSETS[kind]
    while True:
        value = "".join(rng.choice(chars) for _ in range(n))
        if kind in ("pw", "django") and not (
            any(c.isdigit() for c in value)
            and any(c.isalpha() for c in value)
            and any(not c.isalnum() for c in value)
        ):
            continue
        if kind == "pw" and not value[0].isalnum():
            continue
        return value


def expand(template: str, seed: int = 7) -> str:
    """``template`` with every ``{kind:n}``, ``{jwt}`` and ``{discord}`` field filled."""
    rng = random.Random(seed)
    return _FIELD.sub(
        lambda m: random_value(rng, m.group(1) or m.group(3), int(m.group(2) or 0)), template
    )
