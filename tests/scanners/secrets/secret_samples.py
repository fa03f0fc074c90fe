"""Filling rule sample templates: ``{hex:32}`` -> 32 random hex digits (seeded, so tests are
repeatable).  Rule tables hold templates, not secret-shaped literals."""

from __future__ import annotations

import base64
import json
import random
import re
import string

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
}
_FIELD = re.compile(r"\{(?:([A-Za-z][A-Za-z0-9]*):(\d+)|(jwt|discord))\}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def random_value(rng: random.Random, kind: str, n: int = 0) -> str:
    """One random value of ``kind`` (a charset name, ``jwt`` or ``discord``)."""
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
