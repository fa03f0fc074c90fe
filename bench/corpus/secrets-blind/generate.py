#!/usr/bin/env python3
"""Generate the blind secret-scanner corpus.

Reads formats.yaml (provider credential formats), negatives.yaml (look-alike
non-secrets) and templates/ (files in the syntaxes people write credentials
in, with slots), fills every slot with a fresh value drawn from a seeded RNG,
writes the tree into a target directory and writes labels.json: one record per
labelled line::

    {"path": "app/settings_01.py", "line": 12, "label": "secret",
     "format": "github-pat-classic", "syntax": "python"}
    {"path": "docs/api.md", "line": 40, "label": "negative",
     "kind": "placeholder", "syntax": "markdown"}

Optional keys: "encoding" ("base64" / "url") when the value was wrapped before
it was written, "end_line" when a secret spans lines (PEM and friends are
labelled on their BEGIN line; end_line is the END line).

Usage::

    python3 generate.py OUT_DIR [--seed N] [--labels PATH]
    python3 generate.py --check            # self-test of formats, checksums, crypto
    python3 generate.py --coverage         # which syntaxes each format lands in

Only the Python standard library is needed (PyYAML is used when present; a
small loader for the subset of YAML these files use is the fallback).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import math
import random
import re
import string
import sys
import urllib.parse
import zlib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS_FILE = HERE / "formats.yaml"
NEGATIVES_FILE = HERE / "negatives.yaml"
TEMPLATES_DIR = HERE / "templates"

# ---------------------------------------------------------------------------
# alphabets

DIGITS = string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
BASE62 = DIGITS + UPPER + LOWER  # GitHub / npm checksum alphabet (0-9A-Za-z)
ALPHABETS = {
    "hex": DIGITS + "abcdef",
    "HEX": DIGITS + "ABCDEF",
    "digit": DIGITS,
    "lower": LOWER,
    "upper": UPPER,
    "alpha": UPPER + LOWER,
    "b62": BASE62,
    "lalnum": LOWER + DIGITS,
    "ualnum": UPPER + DIGITS,
    "b64": UPPER + LOWER + DIGITS + "+/",
    "b64url": UPPER + LOWER + DIGITS + "-_",
    "b32": UPPER + "234567",
    "b32l": LOWER + "234567",
    "word": UPPER + LOWER + DIGITS + "_",
    # generic passwords: characters that survive every syntax in the corpus
    # unquoted or quoted and are legal in URL userinfo
    "pw": UPPER + LOWER + DIGITS + "!*-_.~+=",
    "pwurl": UPPER + LOWER + DIGITS + "-_.~",
    "bech32": "qpzry9x8gf2tvdw0s3jn54khce6mua7l",
}


def char_class(spec: str) -> str:
    """Expand a [...] class such as [a-p] or [A-Za-z0-9_.]."""
    assert spec.startswith("[") and spec.endswith("]"), spec
    body = spec[1:-1]
    out = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            a, b = body[i], body[i + 2]
            out.extend(chr(c) for c in range(ord(a), ord(b) + 1))
            i += 3
        else:
            out.append(body[i])
            i += 1
    return "".join(dict.fromkeys(out))


# ---------------------------------------------------------------------------
# minimal YAML subset loader (fallback when PyYAML is missing)


def _scalar(text: str):
    text = text.strip()
    if text == "":
        return None
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        assert text.endswith("'"), text
        return text[1:-1].replace("''", "'")
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        if not inner:
            return []
        items, cur, q = [], "", None
        for ch in inner:
            if q:
                cur += ch
                if ch == q:
                    q = None
            elif ch in "\"'":
                q = ch
                cur += ch
            elif ch == ",":
                items.append(_scalar(cur))
                cur = ""
            else:
                cur += ch
        items.append(_scalar(cur))
        return items
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    return text


def load_yaml_subset(text: str):
    """Load a list of flat mappings written as

    - key: scalar
      key: [flow, list]
    """
    items = []
    cur = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("- "):
            cur = {}
            items.append(cur)
            line = "  " + line[2:]
        if cur is None or not line.startswith("  "):
            raise ValueError(f"unsupported YAML line: {raw!r}")
        key, sep, value = line.strip().partition(":")
        if not sep:
            raise ValueError(f"unsupported YAML line: {raw!r}")
        cur[key.strip()] = _scalar(value)
    return items


def load_yaml(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        import yaml  # type: ignore
    except ImportError:  # pragma: no cover - exercised where PyYAML is absent
        return load_yaml_subset(text)
    return yaml.safe_load(text)


# ---------------------------------------------------------------------------
# checksums and encodings


def b62_encode(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def b62_decode(s: str) -> int:
    n = 0
    for ch in s:
        n = n * 62 + BASE62.index(ch)
    return n


def github_checksum(random_part: str) -> str:
    """GitHub/npm token checksum: CRC32 of the random part, base62, 6 chars."""
    return b62_encode(zlib.crc32(random_part.encode()) & 0xFFFFFFFF, 6)


def grafana_checksum(key: str) -> str:
    """Grafana service-account token: CRC32-IEEE of "glsa_<secret>", LE hex."""
    return (zlib.crc32(key.encode()) & 0xFFFFFFFF).to_bytes(4, "little").hex()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# Marvin32 (Microsoft identifiable keys), ported from
# microsoft/security-utilities src/security_utilities_rust/.../marvin.rs
M32 = 0xFFFFFFFF


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def _marvin_block(p0, p1):
    p1 ^= p0
    p0 = _rotl(p0, 20)
    p0 = (p0 + p1) & M32
    p1 = _rotl(p1, 9)
    p1 ^= p0
    p0 = _rotl(p0, 27)
    p0 = (p0 + p1) & M32
    p1 = _rotl(p1, 19)
    return p0, p1


def marvin64(data: bytes, seed: int) -> int:
    p0 = seed & M32
    p1 = (seed >> 32) & M32
    n = len(data) - len(data) % 4
    for i in range(0, n, 4):
        p0 = (p0 + int.from_bytes(data[i : i + 4], "little")) & M32
        p0, p1 = _marvin_block(p0, p1)
    rem = data[n:]
    if len(rem) == 0:
        p0 = (p0 + 0x80) & M32
    elif len(rem) == 1:
        p0 = (p0 + (0x8000 | rem[0])) & M32
    elif len(rem) == 2:
        p0 = (p0 + (0x800000 | (rem[1] << 8) | rem[0])) & M32
    else:
        p0 = (p0 + (0x80000000 | (rem[2] << 16) | (rem[1] << 8) | rem[0])) & M32
    p0, p1 = _marvin_block(p0, p1)
    p0, p1 = _marvin_block(p0, p1)
    return (p1 << 32) | p0


def marvin32(data: bytes, seed: int) -> int:
    h = marvin64(data, seed)
    return ((h >> 32) ^ h) & M32


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


# bech32 (BIP-173), used by age keys
def _bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _bech32_hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def _convertbits(data, frombits, tobits):
    acc = bits = 0
    ret = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if bits:
        ret.append((acc << (tobits - bits)) & maxv)
    return ret


def bech32_encode(hrp: str, data: bytes) -> str:
    d5 = _convertbits(data, 8, 5)
    values = _bech32_hrp_expand(hrp) + d5
    polymod = _bech32_polymod(values + [0] * 6) ^ 1
    chk = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(ALPHABETS["bech32"][d] for d in d5 + chk)


def bech32_verify(s: str) -> bool:
    s = s.lower()
    hrp, _, data = s.rpartition("1")
    values = [ALPHABETS["bech32"].index(c) for c in data]
    return _bech32_polymod(_bech32_hrp_expand(hrp) + values) == 1


# ---------------------------------------------------------------------------
# DER / PEM


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + der_len(len(body)) + body


def der_int(n: int) -> bytes:
    b = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return der(0x02, b)


def der_seq(*parts: bytes) -> bytes:
    return der(0x30, b"".join(parts))


def der_oid(dotted: str) -> bytes:
    nums = [int(x) for x in dotted.split(".")]
    body = bytes([40 * nums[0] + nums[1]])
    for n in nums[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        body += bytes(reversed(chunk))
    return der(0x06, body)


DER_NULL = b"\x05\x00"


def pem(label: str, data: bytes, width: int = 64) -> str:
    body = b64(data)
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "-----BEGIN {}-----\n{}\n-----END {}-----".format(label, "\n".join(lines), label)


# ---------------------------------------------------------------------------
# key material (pure Python, seeded)

SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def _primorial(limit: int) -> int:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    prod = 1
    for i in range(3, limit):
        if sieve[i]:
            prod *= i
    return prod


PRIMORIAL = _primorial(30000)


def is_probable_prime(n: int, rng: random.Random, rounds: int = 12) -> bool:
    if n < 2:
        return False
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def gen_prime(rng: random.Random, bits: int) -> int:
    """Random prime with the two top bits set (seeded, so reproducible):
    a cheap gcd against a primorial and a base-2 Fermat test before
    Miller-Rabin."""
    while True:
        n = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (n - 1) % 65537 == 0 or math.gcd(n, PRIMORIAL) != 1:
            continue
        if pow(2, n - 1, n) != 1:
            continue
        if is_probable_prime(n, rng):
            return n


def rsa_key(rng: random.Random, bits: int = 2048):
    e = 65537
    while True:
        p = gen_prime(rng, bits // 2)
        q = gen_prime(rng, bits // 2)
        if p == q:
            continue
        if p < q:
            p, q = q, p
        n = p * q
        if n.bit_length() != bits:
            continue
        phi = (p - 1) * (q - 1)
        d = pow(e, -1, phi)
        return n, e, d, p, q


def rsa_pkcs1_der(rng: random.Random) -> bytes:
    n, e, d, p, q = rsa_key(rng)
    return der_seq(
        der_int(0),
        der_int(n),
        der_int(e),
        der_int(d),
        der_int(p),
        der_int(q),
        der_int(d % (p - 1)),
        der_int(d % (q - 1)),
        der_int(pow(q, -1, p)),
    )


def rsa_pkcs8_der(rng: random.Random) -> bytes:
    return der_seq(
        der_int(0),
        der_seq(der_oid("1.2.840.113549.1.1.1"), DER_NULL),
        der(0x04, rsa_pkcs1_der(rng)),
    )


# Ed25519 public key derivation (RFC 8032 reference arithmetic)
ED_P = 2**255 - 19
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_I = pow(2, (ED_P - 1) // 4, ED_P)


def _ed_xrecover(y):
    xx = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P)
    x = pow(xx, (ED_P + 3) // 8, ED_P)
    if (x * x - xx) % ED_P != 0:
        x = (x * ED_I) % ED_P
    if x % 2 != 0:
        x = ED_P - x
    return x


_ED_BY = 4 * pow(5, ED_P - 2, ED_P) % ED_P
_ED_BX = _ed_xrecover(_ED_BY)
ED_B = (_ED_BX, _ED_BY, 1, _ED_BX * _ED_BY % ED_P)


def _ed_add(P, Q):
    x1, y1, z1, t1 = P
    x2, y2, z2, t2 = Q
    a = (y1 - x1) * (y2 - x2) % ED_P
    b = (y1 + x1) * (y2 + x2) % ED_P
    c = t1 * 2 * ED_D * t2 % ED_P
    dd = z1 * 2 * z2 % ED_P
    e, f, g, h = b - a, dd - c, dd + c, b + a
    return (e * f % ED_P, g * h % ED_P, f * g % ED_P, e * h % ED_P)


def _ed_mul(P, n):
    Q = (0, 1, 1, 0)
    while n:
        if n & 1:
            Q = _ed_add(Q, P)
        P = _ed_add(P, P)
        n >>= 1
    return Q


def ed25519_public(seed: bytes) -> bytes:
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    x, y, z, _ = _ed_mul(ED_B, a)
    zi = pow(z, ED_P - 2, ED_P)
    x, y = x * zi % ED_P, y * zi % ED_P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


# NIST P-256
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_A = P256_P - 3
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def _ec_add(P, Q):
    if P is None:
        return Q
    if Q is None:
        return P
    if P[0] == Q[0] and (P[1] + Q[1]) % P256_P == 0:
        return None
    if P == Q:
        lam = (3 * P[0] * P[0] + P256_A) * pow(2 * P[1], P256_P - 2, P256_P) % P256_P
    else:
        lam = (Q[1] - P[1]) * pow(Q[0] - P[0], P256_P - 2, P256_P) % P256_P
    x = (lam * lam - P[0] - Q[0]) % P256_P
    return (x, (lam * (P[0] - x) - P[1]) % P256_P)


def _ec_mul(P, n):
    R = None
    while n:
        if n & 1:
            R = _ec_add(R, P)
        P = _ec_add(P, P)
        n >>= 1
    return R


def ec_p256_sec1_der(rng: random.Random) -> bytes:
    d = rng.randrange(1, P256_N)
    x, y = _ec_mul(P256_G, d)
    point = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
    return der_seq(
        der_int(1),
        der(0x04, d.to_bytes(32, "big")),
        der(0xA0, der_oid("1.2.840.10045.3.1.7")),
        der(0xA1, der(0x03, b"\x00" + point)),
    )


def ssh_string(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def openssh_ed25519(rng: random.Random, comment: str) -> str:
    seed = rng.randbytes(32)
    pub = ed25519_public(seed)
    pubblob = ssh_string(b"ssh-ed25519") + ssh_string(pub)
    check = rng.randbytes(4)
    priv = (
        check
        + check
        + ssh_string(b"ssh-ed25519")
        + ssh_string(pub)
        + ssh_string(seed + pub)
        + ssh_string(comment.encode())
    )
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = (
        b"openssh-key-v1\x00"
        + ssh_string(b"none")
        + ssh_string(b"none")
        + ssh_string(b"")
        + (1).to_bytes(4, "big")
        + ssh_string(pubblob)
        + ssh_string(priv)
    )
    return pem("OPENSSH PRIVATE KEY", blob, width=70)


def ssh_ed25519_public_line(rng: random.Random, comment: str) -> str:
    pub = ed25519_public(rng.randbytes(32))
    return "ssh-ed25519 " + b64(ssh_string(b"ssh-ed25519") + ssh_string(pub)) + " " + comment


def ssh_rsa_public_line(rng: random.Random, comment: str) -> str:
    # structurally valid blob; the modulus is random odd (public material anyway)
    n = rng.getrandbits(2048) | (1 << 2047) | 1
    nb = b"\x00" + n.to_bytes(256, "big")
    blob = ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(nb)
    return "ssh-rsa " + b64(blob) + " " + comment


def putty_ppk_v3(rng: random.Random, comment: str) -> str:
    seed = rng.randbytes(32)
    pub = ed25519_public(seed)
    pubblob = ssh_string(b"ssh-ed25519") + ssh_string(pub)
    privblob = ssh_string(seed)
    mac_data = (
        ssh_string(b"ssh-ed25519")
        + ssh_string(b"none")
        + ssh_string(comment.encode())
        + ssh_string(pubblob)
        + ssh_string(privblob)
    )
    mac = hmac.new(b"", mac_data, hashlib.sha256).hexdigest()

    def lines(data):
        t = b64(data)
        return [t[i : i + 64] for i in range(0, len(t), 64)]

    pl, sl = lines(pubblob), lines(privblob)
    out = (
        [
            "PuTTY-User-Key-File-3: ssh-ed25519",
            "Encryption: none",
            "Comment: " + comment,
            "Public-Lines: %d" % len(pl),
        ]
        + pl
        + ["Private-Lines: %d" % len(sl)]
        + sl
    )
    out.append("Private-MAC: " + mac)
    return "\n".join(out)


def _pgp_mpi(b: bytes) -> bytes:
    n = int.from_bytes(b, "big")
    return n.bit_length().to_bytes(2, "big") + b.lstrip(b"\x00")


def pgp_private_block(rng: random.Random, uid: str) -> str:
    seed = rng.randbytes(32)
    pub = b"\x40" + ed25519_public(seed)
    created = rng.randrange(1_600_000_000, 1_750_000_000).to_bytes(4, "big")
    oid = bytes.fromhex("2b06010401da470f01")
    public_part = b"\x04" + created + bytes([22, len(oid)]) + oid + _pgp_mpi(pub)
    secret_mpi = _pgp_mpi(seed)
    body = public_part + b"\x00" + secret_mpi + (sum(secret_mpi) % 65536).to_bytes(2, "big")
    packets = bytes([0xC5, len(body)]) + body
    uidb = uid.encode()
    packets += bytes([0xCD, len(uidb)]) + uidb
    t = b64(packets)
    lines = [t[i : i + 64] for i in range(0, len(t), 64)]
    crc = b64(crc24(packets).to_bytes(3, "big"))
    return (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
        + "\n".join(lines)
        + "\n="
        + crc
        + "\n-----END PGP PRIVATE KEY BLOCK-----"
    )


def pem_public_ed25519(rng: random.Random) -> str:
    pub = ed25519_public(rng.randbytes(32))
    return pem("PUBLIC KEY", bytes.fromhex("302a300506032b6570032100") + pub)


def pem_certificate(rng: random.Random) -> str:
    tbs = der_seq(
        der(0xA0, der_int(2)),
        der_int(rng.getrandbits(120)),
        der_seq(der_oid("1.2.840.113549.1.1.11"), DER_NULL),
        rng.randbytes(rng.randrange(560, 760)),
    )
    return pem(
        "CERTIFICATE",
        der_seq(
            tbs,
            der_seq(der_oid("1.2.840.113549.1.1.11"), DER_NULL),
            der(0x03, b"\x00" + rng.randbytes(256)),
        ),
    )


def pgp_public_block(rng: random.Random) -> str:
    pub = b"\x40" + ed25519_public(rng.randbytes(32))
    created = rng.randrange(1_600_000_000, 1_750_000_000).to_bytes(4, "big")
    oid = bytes.fromhex("2b06010401da470f01")
    body = b"\x04" + created + bytes([22, len(oid)]) + oid + _pgp_mpi(pub)
    uid = b"Release Signing <release@acme-corp.io>"
    packets = bytes([0xC6, len(body)]) + body + bytes([0xCD, len(uid)]) + uid
    t = b64(packets)
    lines = [t[i : i + 64] for i in range(0, len(t), 64)]
    return (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
        + "\n".join(lines)
        + "\n="
        + b64(crc24(packets).to_bytes(3, "big"))
        + "\n-----END PGP PUBLIC KEY BLOCK-----"
    )


def encrypted_pkcs8(rng: random.Random) -> str:
    salt, iv = rng.randbytes(16), rng.randbytes(16)
    alg = der_seq(
        der_oid("1.2.840.113549.1.5.13"),
        der_seq(
            der_seq(
                der_oid("1.2.840.113549.1.5.12"),
                der_seq(
                    der(0x04, salt), der_int(2048), der_seq(der_oid("1.2.840.113549.2.9"), DER_NULL)
                ),
            ),
            der_seq(der_oid("2.16.840.1.101.3.4.1.42"), der(0x04, iv)),
        ),
    )
    return pem("ENCRYPTED PRIVATE KEY", der_seq(alg, der(0x04, rng.randbytes(16 * 76))))


# ---------------------------------------------------------------------------
# Microsoft identifiable keys (microsoft/security-utilities IdentifiableSecrets.cs)


def ms_identifiable_key(
    rng: random.Random,
    signature: str,
    seed: int,
    nbytes: int,
    urlsafe: bool = False,
    base62_only: bool = False,
) -> str:
    """Random bytes with a base64-rendered 4-char signature and a Marvin32
    checksum in the last 4 bytes (GenerateKeyWithAppendedSignatureAndChecksum)."""
    sig_bytes = base64.b64decode(signature.replace("-", "+").replace("_", "/"))
    for _ in range(1000):
        key = bytearray(rng.randbytes(nbytes))
        checksum_off = nbytes - 4
        sig_off = checksum_off - 4
        padding = ((nbytes - 7) * 8) % 6
        mask = {2: 0xFCFFFFFF, 4: 0xF0FFFFFF}.get(padding, 0xFFFFFFFF)
        val = (key[sig_off] << 24) & mask
        val |= sig_bytes[0] << (16 + padding)
        val |= sig_bytes[1] << (8 + padding)
        val |= sig_bytes[2] << padding
        key[sig_off : sig_off + 4] = val.to_bytes(4, "big")
        chk = marvin32(bytes(key[:checksum_off]), seed)
        key[checksum_off:] = chk.to_bytes(4, "little")
        text = base64.urlsafe_b64encode(bytes(key)).decode() if urlsafe else b64(bytes(key))
        if base62_only and re.search(r"[^A-Za-z0-9=]", text):
            continue
        if signature not in text:
            raise AssertionError(f"signature did not render: {text}")
        return text
    raise RuntimeError("could not generate base62-only identifiable key")


def ms_identifiable_verify(text: str, seed: int) -> bool:
    raw = base64.b64decode(text.replace("-", "+").replace("_", "/"))
    return int.from_bytes(raw[-4:], "little") == marvin32(raw[:-4], seed)


CASK_SEED = int.from_bytes(b"Default0"[::-1], "little")  # VersionTwoChecksumSeed


def cask_key(rng: random.Random, provider_reserved: str, signature: str) -> str:
    """84-char 'legacy common annotated security key' (JQQJ99...), e.g. the
    Azure DevOps PAT with AZDO at offset 76. The 4-char checksum is base64 of
    the first 3 bytes of Marvin32(bytes of chars 0..79, seed "Default0"), which
    TryValidateCommonAnnotatedKey accepts for the 84-char form."""
    for _ in range(1000):
        body = "".join(rng.choice(BASE62) for _ in range(52))
        year = "B"  # allocation year 2025
        month = rng.choice("ABCDEFGHIJKL")
        platform = "".join(rng.choice(BASE62) for _ in range(12))
        head = body + "JQQJ" + "99" + year + month + platform + provider_reserved + signature
        assert len(head) == 80
        chk = marvin32(base64.b64decode(head), CASK_SEED).to_bytes(4, "little")
        tail = b64(chk[:3])
        if re.fullmatch(r"[A-Za-z0-9]{4}", tail):
            return head + tail
    raise RuntimeError("cask generation failed")


def cask_verify(text: str) -> bool:
    chk = marvin32(base64.b64decode(text[:80]), CASK_SEED).to_bytes(4, "little")
    return b64(chk[:3]) == text[80:84]


# ---------------------------------------------------------------------------
# structured builders


def rand_str(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def jwt_hs256(rng: random.Random) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    iat = rng.randrange(1_700_000_000, 1_760_000_000)
    payload = {
        "sub": str(rng.randrange(10**7, 10**9)),
        "name": rng.choice(["svc-billing", "deploy-bot", "ana.ruiz", "ops-runner", "kwame.o"]),
        "scope": rng.choice(["read:orders write:orders", "admin", "api:full", "ingest"]),
        "iss": "https://auth.{}".format(
            rng.choice(["acme-corp.io", "northwind.dev", "contoso-apps.net"])
        ),
        "iat": iat,
        "exp": iat + rng.choice([3600, 86400, 31536000]),
        "jti": rand_str(rng, ALPHABETS["lalnum"], 16),
    }
    h = b64url_nopad(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_nopad(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(rng.randbytes(32), (h + "." + p).encode(), hashlib.sha256).digest()
    return h + "." + p + "." + b64url_nopad(sig)


def _varint(n: int) -> bytes:
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def pypi_macaroon(rng: random.Random) -> str:
    """PyPI API token: "pypi-" + base64url(macaroon v2 binary), location
    pypi.org, identifier = a UUID string, one first-party caveat, HMAC-SHA256
    signature chain (pymacaroons)."""
    ident = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-{0x8000 | rng.getrandbits(14):04x}-{rng.getrandbits(48):012x}"
    caveat = json.dumps({"version": 1, "permissions": "user"}).encode()
    key = hmac.new(b"macaroons-key-generator", rng.randbytes(32), hashlib.sha256).digest()
    sig = hmac.new(key, ident.encode(), hashlib.sha256).digest()
    sig = hmac.new(sig, caveat, hashlib.sha256).digest()

    def fld(t, data):
        return bytes([t]) + _varint(len(data)) + data

    raw = (
        b"\x02"
        + fld(1, b"pypi.org")
        + fld(2, ident.encode())
        + b"\x00"
        + fld(2, caveat)
        + b"\x00"
        + b"\x00"
        + fld(6, sig)
    )
    return "pypi-" + b64url_nopad(raw)


def age_secret_key(rng: random.Random) -> str:
    return bech32_encode("age-secret-key-", rng.randbytes(32)).upper()


def age_public_key(rng: random.Random) -> str:
    return bech32_encode("age", rng.randbytes(32))


def discord_bot_token(rng: random.Random) -> str:
    snowflake = str(rng.randrange(1_000_000_000_000_000_000, 1_400_000_000_000_000_000))
    return (
        b64url_nopad(snowflake.encode())
        + "."
        + rand_str(rng, ALPHABETS["b64url"], 6)
        + "."
        + rand_str(rng, ALPHABETS["b64url"], 38)
    )


def onepassword_sat(rng: random.Random) -> str:
    doc = {
        "email": "{}@1passwordserviceaccounts.com".format(rand_str(rng, ALPHABETS["lalnum"], 13)),
        "muk": {
            "alg": "A256GCM",
            "ext": True,
            "k": rand_str(rng, ALPHABETS["b64url"], 43),
            "key_ops": ["encrypt", "decrypt"],
            "kty": "oct",
            "kid": "mp",
        },
        "secretKey": "A3-{}-{}-{}-{}-{}".format(
            *tuple(rand_str(rng, ALPHABETS["ualnum"], n) for n in (6, 11, 5, 5, 5))
        ),
        "srpX": rng.randbytes(32).hex(),
        "signInAddress": "my.1password.com",
        "userAuth": {
            "method": "SRPg-4096",
            "alg": "PBES2g-HS256",
            "iterations": 650000,
            "salt": rand_str(rng, ALPHABETS["b64url"], 22),
        },
    }
    return "ops_" + b64(json.dumps(doc, separators=(",", ":")).encode())


def jfrog_reference_token(rng: random.Random) -> str:
    for _ in range(1000):
        raw = (
            "reftkn:01:%d:%s"
            % (rng.randrange(1_800_000_000, 2_100_000_000), rand_str(rng, BASE62, 27))
        ).encode()
        t = b64(raw)
        if re.fullmatch(r"[A-Za-z0-9]{64}", t):
            return t
    raise RuntimeError("jfrog reference token")


def grafana_cloud_token(rng: random.Random) -> str:
    doc = {
        "o": str(rng.randrange(100000, 999999)),
        "n": rng.choice(["stack-%d-hm-write", "ci-deploy-%d", "alloy-%d"])
        % rng.randrange(100000, 999999),
        "k": rand_str(rng, BASE62, 32),
        "m": {"r": rng.choice(["prod-us-east-0", "prod-eu-west-2", "prod-ap-southeast-1"])},
    }
    return "glc_" + b64(json.dumps(doc, separators=(",", ":")).encode())


def grafana_legacy_api_key(rng: random.Random) -> str:
    for _ in range(1000):
        doc = {
            "k": rand_str(rng, BASE62, 32),
            "n": rng.choice(["ci-readonly", "deploy-pipeline", "grafana-admin-key"]),
            "id": rng.randrange(1, 99),
        }
        t = b64(json.dumps(doc, separators=(",", ":")).encode())
        if re.fullmatch(r"[A-Za-z0-9]+=*", t):
            return t
    raise RuntimeError("grafana legacy key")


def sentry_org_token(rng: random.Random) -> str:
    org = rng.choice(["acme", "northwind", "contoso-labs", "globex"])
    doc = {
        "iat": round(rng.uniform(1.70e9, 1.76e9), 6),
        "url": "https://sentry.io",
        "region_url": "https://us.sentry.io",
        "org": org,
    }
    return (
        "sntrys_"
        + b64(json.dumps(doc, separators=(",", ":")).encode())
        + "_"
        + rand_str(rng, ALPHABETS["b64"], 43)
    )


def mapbox_secret_token(rng: random.Random) -> str:
    for _ in range(1000):
        doc = {
            "u": rng.choice(["acme-maps", "fleetops", "geo-team"]),
            "a": rand_str(rng, LOWER + DIGITS, 25),
        }
        mid = b64url_nopad(json.dumps(doc, separators=(",", ":")).encode())
        if "_" not in mid:
            return "sk." + mid + "." + rand_str(rng, BASE62 + "-", 22)
    raise RuntimeError("mapbox")


def gcp_service_account_json(rng: random.Random) -> Val:
    project = (
        rng.choice(["acme-prod", "billing-svc-prod", "data-lake-419"])
        + "-"
        + str(rng.randrange(100, 999))
    )
    acct = rng.choice(["deployer", "ci-runner", "bq-loader", "terraform"])
    key_pem = pem("PRIVATE KEY", rsa_pkcs8_der(rng)) + "\n"
    doc = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": rng.randbytes(20).hex(),
        "private_key": key_pem,
        "client_email": f"{acct}@{project}.iam.gserviceaccount.com",
        "client_id": str(rng.randrange(10**20, 10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{acct}%40{project}.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    text = json.dumps(doc, indent=2)
    lines = text.split("\n")
    at = next(i for i, l in enumerate(lines) if l.lstrip().startswith('"private_key"'))
    return Val(text, label_offset=at, end_offset=at)


def b64_userpass(rng: random.Random, kind: str = "pw") -> str:
    user = rng.choice(["deploy", "ci-bot", "svc_registry", "jenkins", "admin", "release"])
    pw = rng.choice(ALPHABETS["alpha"]) + rand_str(rng, ALPHABETS[kind], rng.randrange(15, 24))
    return b64((f"{user}:{pw}").encode())


PEMCHARS = ALPHABETS["b64"] + "=- \n:_.,<>()@"

BUILDERS = {
    # name: (function(rng, *args) -> str | Val, possible characters)
    "jwt": (jwt_hs256, ALPHABETS["b64url"] + "."),
    "pypi": (pypi_macaroon, ALPHABETS["b64url"]),
    "age": (age_secret_key, UPPER + DIGITS + "-"),
    "discord": (discord_bot_token, ALPHABETS["b64url"] + "."),
    "ops": (onepassword_sat, ALPHABETS["b64"] + "=_"),
    "jfrogref": (jfrog_reference_token, BASE62),
    "glc": (grafana_cloud_token, ALPHABETS["b64"] + "=_"),
    "grafanalegacy": (grafana_legacy_api_key, BASE62 + "="),
    "sentryorg": (sentry_org_token, ALPHABETS["b64"] + "=_"),
    "mapboxsk": (mapbox_secret_token, ALPHABETS["b64url"] + "."),
    "gcpsa": (gcp_service_account_json, string.printable),
    "rsa": (lambda rng: pem("RSA PRIVATE KEY", rsa_pkcs1_der(rng)), PEMCHARS),
    "pkcs8ed": (
        lambda rng: pem(
            "PRIVATE KEY", bytes.fromhex("302e020100300506032b657004220420") + rng.randbytes(32)
        ),
        PEMCHARS,
    ),
    "pkcs8rsa": (lambda rng: pem("PRIVATE KEY", rsa_pkcs8_der(rng)), PEMCHARS),
    "ec": (lambda rng: pem("EC PRIVATE KEY", ec_p256_sec1_der(rng)), PEMCHARS),
    "openssh": (
        lambda rng: openssh_ed25519(
            rng, rng.choice(["deploy@ci-runner-03", "ubuntu@bastion", "git@build"])
        ),
        PEMCHARS,
    ),
    "encpkcs8": (encrypted_pkcs8, PEMCHARS),
    "ppk": (
        lambda rng: putty_ppk_v3(
            rng, "ed25519-key-2024%02d%02d" % (rng.randrange(1, 13), rng.randrange(1, 29))
        ),
        PEMCHARS,
    ),
    "pgp": (
        lambda rng: pgp_private_block(
            rng,
            rng.choice(["Release Signing <release@acme-corp.io>", "Ops Team <ops@northwind.dev>"]),
        ),
        PEMCHARS,
    ),
    "b64bytes": (lambda rng, n: b64(rng.randbytes(int(n))), ALPHABETS["b64"] + "="),
    "urlb64bytes": (
        lambda rng, n: urllib.parse.quote(b64(rng.randbytes(int(n))), safe=""),
        ALPHABETS["b64url"] + "%",
    ),
    "userpass": (b64_userpass, ALPHABETS["b64"] + "="),
    "msid": (
        lambda rng, sig, seed, n: ms_identifiable_key(rng, sig, int(seed, 16), int(n)),
        ALPHABETS["b64"] + "=",
    ),
    "msidurl": (
        lambda rng, sig, seed, n: ms_identifiable_key(
            rng, sig, int(seed, 16), int(n), urlsafe=True
        ),
        ALPHABETS["b64url"] + "=",
    ),
    "msid62": (
        lambda rng, sig, seed, n: ms_identifiable_key(
            rng, sig, int(seed, 16), int(n), base62_only=True
        ),
        BASE62,
    ),
    "cask": (lambda rng, reserved, sig: cask_key(rng, reserved, sig), BASE62),
    # public material, used by negatives
    "sshpub": (
        lambda rng: ssh_ed25519_public_line(
            rng, rng.choice(["deploy@ci", "ana@laptop", "backup@nas"])
        ),
        PEMCHARS + "@",
    ),
    "sshrsapub": (
        lambda rng: ssh_rsa_public_line(rng, rng.choice(["jenkins@build-01", "root@bastion"])),
        PEMCHARS + "@",
    ),
    "pempub": (pem_public_ed25519, PEMCHARS),
    "pemcert": (pem_certificate, PEMCHARS),
    "agepub": (age_public_key, LOWER + DIGITS),
    "pgppub": (pgp_public_block, PEMCHARS),
}


# ---------------------------------------------------------------------------
# patterns

TOKEN_RE = re.compile(r"\{([^{}]*)\}")


@dataclass
class Val:
    text: str
    label_offset: int = 0  # line (within text) that carries the label
    end_offset: int | None = None  # last line of the secret span

    def __post_init__(self):
        if self.end_offset is None:
            self.end_offset = self.text.count("\n") if self.label_offset == 0 else self.label_offset


def _len_spec(spec: str):
    if "-" in spec:
        a, b = spec.split("-")
        return int(a), int(b)
    return int(spec), int(spec)


def expand_pattern(pattern: str, rng: random.Random, ctx=None) -> Val:
    out = []
    rand_acc = []
    special = None
    pos = 0
    for m in TOKEN_RE.finditer(pattern):
        out.append(pattern[pos : m.start()])
        pos = m.end()
        tok = m.group(1)
        head, _, rest = tok.partition(":")
        if tok in ("uuid", "UUID"):
            u = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-{0x8000 | rng.getrandbits(14):04x}-{rng.getrandbits(48):012x}"
            out.append(u.upper() if tok == "UUID" else u)
        elif head == "pick":
            out.append(rng.choice(rest.split("|")))
        elif head == "int":
            a, b = _len_spec(rest)
            out.append(str(rng.randint(a, b)))
        elif head == "chk":
            if rest == "github":
                out.append(github_checksum("".join(rand_acc)))
            elif rest == "grafana":
                so_far = "".join(out)
                assert so_far.endswith("_")
                out.append(grafana_checksum(so_far[:-1]))
            else:
                raise ValueError(f"unknown checksum {rest}")
        elif head == "build":
            args = rest.split(":") if rest else []
            name, args = args[0], args[1:]
            res = BUILDERS[name][0](rng, *args)
            if isinstance(res, Val):
                if len(out) > 1 or pos != len(pattern) or out[0]:
                    raise ValueError("structured builder must be the whole pattern")
                special = res
            out.append(res.text if isinstance(res, Val) else res)
        elif head == "ref":
            out.append(ctx.fresh(rest, rng).text)
        else:
            alpha = char_class(head) if head.startswith("[") else ALPHABETS[head]
            a, b = _len_spec(rest)
            s = rand_str(rng, alpha, rng.randint(a, b))
            rand_acc.append(s)
            out.append(s)
    out.append(pattern[pos:])
    if special is not None:
        return special
    return Val("".join(out))


def pattern_chars(pattern: str, ctx=None) -> set:
    chars = set()
    pos = 0
    for m in TOKEN_RE.finditer(pattern):
        chars |= set(pattern[pos : m.start()])
        pos = m.end()
        tok = m.group(1)
        head, _, rest = tok.partition(":")
        if tok in ("uuid", "UUID"):
            chars |= set("0123456789abcdefABCDEF-")
        elif head == "pick":
            chars |= set(rest.replace("|", ""))
        elif head == "int":
            chars |= set(DIGITS)
        elif head == "chk":
            chars |= set(BASE62)
        elif head == "build":
            chars |= set(BUILDERS[rest.split(":")[0]][1])
        elif head == "ref":
            chars |= ctx.formats[rest].chars(ctx)
        else:
            chars |= set(char_class(head) if head.startswith("[") else ALPHABETS[head])
    chars |= set(pattern[pos:])
    return chars


# ---------------------------------------------------------------------------
# formats and negatives

SHAPES = {"token", "password", "url", "webhook", "multiline", "document"}


@dataclass
class Format:
    id: str
    provider: str
    category: str
    shape: str
    names: list
    pattern: str
    prefixes: list
    length: object
    checksum: str
    source: str
    header: str
    host: str
    curl_user: str | None
    filename: str | None
    raw: dict
    _chars: set | None = None

    def chars(self, ctx) -> set:
        if self._chars is None:
            self._chars = pattern_chars(self.pattern, ctx)
        return self._chars


@dataclass
class Negative:
    id: str
    kind: str
    shape: str
    names: list
    value: str | None
    pattern: str | None
    source: str
    copies: int
    header: str
    host: str
    raw: dict

    def chars(self, ctx) -> set:
        if self.value is not None:
            return set(self.value)
        return pattern_chars(self.pattern, ctx)


def _names(d):
    n = d.get("name")
    if isinstance(n, list):
        return n
    return [n or d["id"].upper().replace("-", "_")]


class Catalog:
    def __init__(self):
        self.formats = {}
        for d in load_yaml(FORMATS_FILE):
            f = Format(
                id=d["id"],
                provider=d["provider"],
                category=d.get("category", "other"),
                shape=d.get("shape", "token"),
                names=_names(d),
                pattern=d["pattern"],
                prefixes=d.get("prefixes") or [],
                length=d.get("length"),
                checksum=d.get("checksum", "none"),
                source=d["source"],
                header=d.get("header") or "Authorization: Bearer {value}",
                host=d.get("host")
                or "api.{}.com".format(re.sub(r"[^a-z0-9]", "", d["provider"].lower())),
                curl_user=d.get("curl_user"),
                filename=d.get("filename"),
                raw=d,
            )
            if f.id in self.formats:
                raise ValueError(f"duplicate format {f.id}")
            if f.shape not in SHAPES:
                raise ValueError(f"{f.id}: bad shape {f.shape}")
            self.formats[f.id] = f
        self.negatives = {}
        for d in load_yaml(NEGATIVES_FILE):
            n = Negative(
                id=d["id"],
                kind=d["kind"],
                shape=d.get("shape", "token"),
                names=_names(d),
                value=d.get("value"),
                pattern=d.get("pattern"),
                source=d.get("source", ""),
                copies=int(d.get("copies", 1)),
                header=d.get("header") or "Authorization: Bearer {value}",
                host=d.get("host") or "api.example.com",
                raw=d,
            )
            if (n.value is None) == (n.pattern is None):
                raise ValueError(f"negative {n.id} needs exactly one of value/pattern")
            if n.id in self.negatives or n.id in self.formats:
                raise ValueError(f"duplicate negative {n.id}")
            self.negatives[n.id] = n

    def fresh(self, fid: str, rng: random.Random) -> Val:
        return expand_pattern(self.formats[fid].pattern, rng, self)

    def negative_value(self, nid: str, rng: random.Random) -> Val:
        n = self.negatives[nid]
        if n.value is not None:
            return Val(n.value)
        return expand_pattern(n.pattern, rng, self)


# ---------------------------------------------------------------------------
# templates


def stable_hash(s: str) -> int:
    return int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "big")


def name_forms(base: str) -> dict:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", base) if p]
    low = [p.lower() for p in parts]
    return {
        "NAME": "_".join(p.upper() for p in parts),
        "name": "_".join(low),
        "camel": low[0] + "".join(p.capitalize() for p in low[1:]),
        "Pascal": "".join(p.capitalize() for p in low),
        "kebab": "-".join(low),
        "dot": ".".join(low),
    }


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def apply_filters(val: Val, filters: list, col_indent: str) -> tuple:
    """Return (Val, encoding)."""
    encoding = None
    text = val.text
    multiline = "\n" in text
    for f in filters:
        if not f:
            continue
        if f == "b64":
            text, encoding, multiline = b64(text.encode()), "base64", False
        elif f == "b64url":
            text, encoding, multiline = b64url_nopad(text.encode()), "base64", False
        elif f == "url":
            new = urllib.parse.quote(text, safe="")
            if new != text:
                encoding = "url"
            text, multiline = new, False
        elif f == "json":
            text, multiline = json.dumps(text)[1:-1], False
        elif f == "compact":
            text, multiline = json.dumps(json.loads(text), separators=(",", ":")), False
        elif f == "xml":
            text = xml_escape(text)
        elif f == "indent":
            text = text.replace("\n", "\n" + col_indent)
        elif f.startswith("indent"):
            text = text.replace("\n", "\n" + " " * int(f[6:]))
        elif f == "sq":  # single-quoted shell/SQL/YAML: double the quote
            text = text.replace("'", "''")
        else:
            raise ValueError(f"unknown filter {f}")
    if not multiline and "\n" not in text:
        return Val(text, 0, 0), encoding
    return Val(text, val.label_offset, val.end_offset), encoding


SLOT_START = "{{"


def find_slots(line: str):
    """Yield (start, end, inner) for {{...}} slots with balanced inner braces."""
    i = 0
    while True:
        s = line.find(SLOT_START, i)
        if s < 0:
            return
        depth, j = 0, s + 2
        while j < len(line):
            if line.startswith("}}", j) and depth == 0:
                break
            if line[j] == "{":
                depth += 1
            elif line[j] == "}":
                depth -= 1
            j += 1
        else:
            raise ValueError(f"unterminated slot in {line!r}")
        yield s, j + 2, line[s + 2 : j]
        i = j + 2


@dataclass
class Label:
    rel_line: int
    rec: dict
    rel_end: int | None = None


class FileRenderer:
    """Renders lines of one output file, collecting labels."""

    def __init__(self, cat: Catalog, rng: random.Random, syntax: str):
        self.cat, self.rng, self.syntax = cat, rng, syntax
        self.aliases = {}
        self.lines = []
        self.labels = []  # (line_no 1-based, rec, end_line)
        self.secret_texts = set()

    def check_no_unlabelled_secret(self, path: str):
        """A generated secret must never sit on a line that carries no secret label."""
        covered = set()
        for ln, rec, end in self.labels:
            if rec["label"] == "secret":
                covered.update(range(ln, end + 1))
        for i, line in enumerate(self.lines, 1):
            if i in covered:
                continue
            for t in self.secret_texts:
                if t in line:
                    raise ValueError("%s:%d holds a secret but has no secret label" % (path, i))

    def _value_for(self, inner: str, entry):
        """Return (Val, label-record or None, encoding) for a slot body."""
        body, *filters = inner.split("|")
        kind, _, ref = body.partition(":")
        if kind == "e":  # current matrix entry
            val, rec = entry.val, dict(entry.rec)
        elif kind == "s":
            fid, _, alias = ref.partition("#")
            if fid not in self.cat.formats:
                raise ValueError(f"unknown format {fid}")
            if alias:
                key = (fid, alias)
                if key not in self.aliases:
                    self.aliases[key] = self.cat.fresh(fid, self.rng)
                val = self.aliases[key]
            else:
                val = self.cat.fresh(fid, self.rng)
            rec = {"label": "secret", "format": fid}
        elif kind == "n":
            nid, _, alias = ref.partition("#")
            if nid not in self.cat.negatives:
                raise ValueError(f"unknown negative {nid}")
            if alias:
                key = (nid, alias)
                if key not in self.aliases:
                    self.aliases[key] = self.cat.negative_value(nid, self.rng)
                val = self.aliases[key]
            else:
                val = self.cat.negative_value(nid, self.rng)
            rec = {"label": "negative", "kind": self.cat.negatives[nid].kind}
        elif kind == "v":  # unlabelled filler
            val, rec = expand_pattern(ref, self.rng, self.cat), None
        else:
            raise ValueError(f"unknown slot {inner!r}")
        return val, rec, filters

    def add_line(self, line: str, entry=None):
        marks = []
        out = ""
        pending = []  # (start line within out, Val, rec)
        pos = 0
        for s, e, inner in list(find_slots(line)):
            out += line[pos:s]
            pos = e
            if inner in ("lb", "rb"):
                out += "{{" if inner == "lb" else "}}"
                continue
            if inner.startswith("@"):
                k, _, v = inner[1:].partition(":")
                if k == "neg":
                    marks.append((out.count("\n"), {"label": "negative", "kind": v}))
                elif k == "sec":
                    raise ValueError("literal secrets are not allowed in templates")
                else:
                    raise ValueError(f"unknown marker {inner!r}")
                continue
            val, rec, filters = self._value_for(inner, entry)
            col = re.match(r"\s*", out.rsplit("\n", 1)[-1]).group(0)
            fval, enc = apply_filters(val, filters, col)
            start = out.count("\n")
            out += fval.text
            if rec is not None and rec["label"] == "secret":
                span_lines = fval.text.split("\n")[fval.label_offset : fval.end_offset + 1]
                self.secret_texts.update(
                    t.strip()
                    for t in span_lines
                    if len(t.strip()) >= 12 and not t.strip().startswith("-----")
                )
            if rec is not None:
                rec = dict(rec)
                if enc:
                    rec["encoding"] = enc
                pending.append((start + fval.label_offset, start + fval.end_offset, rec))
        out += line[pos:]
        out_lines = out.split("\n")
        if marks:  # drop whitespace left behind by removed end-of-line markers
            out_lines = [l.rstrip() for l in out_lines]
        base = len(self.lines)
        self.lines.extend(out_lines)
        for rel, rec in marks:
            pending.append((rel, rel, rec))
        for rel, rel_end, rec in pending:
            self._label(base + rel + 1, rec, base + rel_end + 1)

    def _label(self, line_no: int, rec: dict, end_no: int):
        rec = dict(rec)
        rec["syntax"] = self.syntax
        if end_no > line_no:
            rec["end_line"] = end_no
        for _i, (ln, old, _) in enumerate(self.labels):
            if ln == line_no:
                same = (
                    old["label"] == rec["label"]
                    and old.get("format") == rec.get("format")
                    and old.get("kind") == rec.get("kind")
                )
                if not same:
                    raise ValueError(
                        "conflicting labels on line %d: %s vs %s" % (line_no, old, rec)
                    )
                return
        self.labels.append((line_no, rec, end_no))


@dataclass
class Template:
    path: Path
    rel: str
    directives: dict
    header: list
    variants: list  # list of (shapes:set|None, lines)
    footer: list
    is_matrix: bool
    body: list

    @property
    def syntax(self):
        return self.directives.get("syntax", "text")

    def accepts(self) -> set:
        return set(self.directives.get("accepts", "token url password webhook").split())


DEFAULT_VARIANT_SHAPES = {"token", "url", "password", "webhook"}


def parse_template(path: Path) -> Template:
    rel = path.relative_to(TEMPLATES_DIR).as_posix()
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    directives = {}
    while lines and lines[0].startswith("##!"):
        k, _, v = lines.pop(0)[3:].strip().partition(":")
        directives[k.strip()] = v.strip()
    if "{{#entries}}" in lines:
        a = lines.index("{{#entries}}")
        b = lines.index("{{/entries}}")
        block = lines[a + 1 : b]
        variants, cur, shapes = [], [], None
        for l in block:
            m = re.fullmatch(r"\{\{\|(.*)\}\}", l.strip())
            if m:
                variants.append((shapes, cur))
                cur, shapes = [], set(m.group(1).split()) or None
            else:
                cur.append(l)
        variants.append((shapes, cur))
        variants = [(sh, ls) for sh, ls in variants if ls]
        return Template(path, rel, directives, lines[:a], variants, lines[b + 1 :], True, [])
    return Template(path, rel, directives, [], [], [], False, lines)


def load_templates():
    out = []
    for p in sorted(TEMPLATES_DIR.rglob("*.tmpl")):
        out.append(parse_template(p))
    return out


@dataclass
class Entry:
    item_id: str
    is_secret: bool
    shape: str
    names: dict
    provider: str
    header: str
    host: str
    curl_user: str | None
    filename: str | None
    val: Val = None
    rec: dict = None


def template_eligible(t: Template, shape: str, chars: set, kind: str | None, item_id: str) -> bool:
    if shape not in t.accepts():
        return False
    if shape not in ("multiline", "document"):
        spec = t.directives.get("forbid" if kind is None else "neg-forbid", "")
        forbid = set(spec.replace("SPACE", "")) | ({" "} if "SPACE" in spec else set())
        if chars & forbid:
            return False
    if kind is not None:
        neg_only = t.directives.get("neg-kinds")
        if neg_only and kind not in neg_only.split():
            return False
        if kind in t.directives.get("neg-exclude", "").split():
            return False
        if t.directives.get("negatives", "yes") == "no":
            return False
    else:
        if t.directives.get("secrets", "yes") == "no":
            return False
    only = t.directives.get("only")
    if only and item_id not in only.split():
        return False
    if item_id in t.directives.get("exclude", "").split():
        return False
    return True


def assign(cat: Catalog, templates: list):
    """Deterministic (seed-independent) assignment of formats and negatives to
    matrix templates: every format lands in >=3 distinct syntaxes where
    possible (4 for every fourth format), spread over the least-loaded
    templates."""
    matrix = [t for t in templates if t.is_matrix]
    load = {t.rel: 0 for t in matrix}
    plan = {t.rel: [] for t in matrix}
    for i, f in enumerate(cat.formats.values()):
        want = int(f.raw.get("copies", 4 if i % 4 == 3 else 3))
        elig = [t for t in matrix if template_eligible(t, f.shape, f.chars(cat), None, f.id)]
        elig.sort(key=lambda t: (load[t.rel], stable_hash(f.id + "|" + t.rel)))
        chosen, syntaxes = [], set()
        for t in elig:
            if len(chosen) >= want:
                break
            if t.syntax in syntaxes:
                continue
            chosen.append(t)
            syntaxes.add(t.syntax)
        for t in chosen:
            load[t.rel] += 1
            plan[t.rel].append(("f", f.id))
    for n in cat.negatives.values():
        elig = [t for t in matrix if template_eligible(t, n.shape, n.chars(cat), n.kind, n.id)]
        elig.sort(key=lambda t: (load[t.rel], stable_hash(n.id + "|" + t.rel)))
        chosen, syntaxes = [], set()
        for t in elig:
            if len(chosen) >= n.copies:
                break
            if t.syntax in syntaxes:
                continue
            chosen.append(t)
            syntaxes.add(t.syntax)
        if not chosen:
            raise ValueError(f"negative {n.id} fits no matrix template")
        for t in chosen:
            load[t.rel] += 1
            plan[t.rel].append(("n", n.id))
    for rel in plan:
        plan[rel].sort(key=lambda x: stable_hash(rel + "|" + x[1]))
    return plan


def make_entry(cat: Catalog, kind: str, item_id: str, idx: int, rng: random.Random) -> Entry:
    if kind == "f":
        f = cat.formats[item_id]
        e = Entry(
            item_id,
            True,
            f.shape,
            name_forms(f.names[idx % len(f.names)]),
            f.provider,
            f.header,
            f.host,
            f.curl_user,
            f.filename,
        )
        e.val = cat.fresh(item_id, rng)
        e.rec = {"label": "secret", "format": item_id}
    else:
        n = cat.negatives[item_id]
        e = Entry(
            item_id,
            False,
            n.shape,
            name_forms(n.names[idx % len(n.names)]),
            "Example",
            n.header,
            n.host,
            None,
            n.raw.get("filename"),
        )
        e.val = cat.negative_value(item_id, rng)
        e.rec = {"label": "negative", "kind": n.kind}
    return e


def substitute_entry(line: str, e: Entry, last: bool, default_filter: str) -> str:
    hname, _, hval = e.header.partition(": ")
    reps = dict(e.names)
    reps.update(
        {
            "provider": e.provider,
            "Provider": re.sub(r"[^A-Za-z0-9]", "", e.provider),
            "host": e.host,
            "sep": "" if last else ",",
            "header": e.header.replace("{value}", "{{value}}"),
            "hname": hname,
            "hval": hval.replace("{value}", "{{value}}"),
            "curluser": (e.curl_user or "{value}:").replace("{value}", "{{value}}"),
            "filename": e.filename or "secret.txt",
        }
    )
    out = line
    # header-like placeholders first (they introduce {{value}})
    for k in ("header", "hval", "curluser"):
        out = out.replace(f"{{{{{k}}}}}", reps[k])
    for k, v in reps.items():
        if k in ("header", "hval", "curluser"):
            continue
        out = out.replace(f"{{{{{k}}}}}", v)

    def repl(m):
        filters = m.group(1) or ""
        if default_filter:
            filters += "|" + default_filter
        return "{{e:" + filters + "}}"

    return re.sub(r"\{\{value((?:\|[A-Za-z0-9]+)*)\}\}", repl, out)


def render_matrix(cat: Catalog, t: Template, items: list, rng: random.Random):
    per = int(t.directives.get("per-file", "8"))
    files = []
    out_pat = t.directives["out"]
    default_filter = t.directives.get("filter", "")
    for fi in range(0, len(items), per):
        chunk = items[fi : fi + per]
        n = fi // per + 1
        fr = FileRenderer(cat, rng, t.syntax)
        entries = [make_entry(cat, k, iid, fi + j, rng) for j, (k, iid) in enumerate(chunk)]
        out_path = out_pat.replace("{n}", "%02d" % n)
        if "{filename}" in out_path:
            out_path = out_path.replace("{filename}", entries[0].filename or "secret.txt")
        for l in t.header:
            fr.add_line(l.replace("{{n}}", "%02d" % n))
        counters = {}
        for j, e in enumerate(entries):
            options = [
                lines
                for shapes, lines in t.variants
                if e.shape in (shapes or DEFAULT_VARIANT_SHAPES)
            ]
            if not options:
                raise ValueError(f"{t.rel}: no variant for shape {e.shape} ({e.item_id})")
            c = counters.get(e.shape, stable_hash(t.rel + e.shape) % len(options))
            counters[e.shape] = c + 1
            variant = options[c % len(options)]
            before = len(fr.labels)
            for l in variant:
                fr.add_line(substitute_entry(l, e, j == len(entries) - 1, default_filter), e)
            if len(fr.labels) == before:
                raise ValueError(f"{t.rel}: variant produced no label for {e.item_id}")
        for l in t.footer:
            fr.add_line(l.replace("{{n}}", "%02d" % n))
        files.append((out_path, fr))
    return files


def render_fixed(cat: Catalog, t: Template, rng: random.Random):
    fr = FileRenderer(cat, rng, t.syntax)
    for l in t.body:
        fr.add_line(l)
    out = t.directives.get("out") or t.rel[: -len(".tmpl")]
    if out.startswith("fixed/"):
        out = out[len("fixed/") :]
    return [(out, fr)]


def generate(out_dir: Path, seed: int, labels_path: Path, quiet: bool = False):
    cat = Catalog()
    templates = load_templates()
    plan = assign(cat, templates)
    rng = random.Random(seed)
    outputs = []
    for t in templates:
        if t.is_matrix:
            outputs.extend(render_matrix(cat, t, plan[t.rel], rng))
        else:
            outputs.extend(render_fixed(cat, t, rng))
    seen = set()
    records = []
    out_dir.mkdir(parents=True, exist_ok=True)
    total_bytes = 0
    for path, fr in outputs:
        if path in seen:
            raise ValueError(f"two templates write {path}")
        fr.check_no_unlabelled_secret(path)
        seen.add(path)
        p = out_dir / path
        p.parent.mkdir(parents=True, exist_ok=True)
        data = "\n".join(fr.lines) + "\n"
        p.write_text(data, encoding="utf-8")
        total_bytes += len(data.encode())
        for line_no, rec, _end in fr.labels:
            r = {"path": path, "line": line_no}
            r.update(rec)
            records.append(r)
    records.sort(key=lambda r: (r["path"], r["line"]))
    labels_path.parent.mkdir(parents=True, exist_ok=True)
    labels_path.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    if not quiet:
        sec = sum(1 for r in records if r["label"] == "secret")
        neg = len(records) - sec
        print(
            "wrote %d files (%d bytes), %d secret lines, %d negative lines, %d formats, seed %d"
            % (
                len(outputs),
                total_bytes,
                sec,
                neg,
                len({r["format"] for r in records if r["label"] == "secret"}),
                seed,
            )
        )
    return records


# ---------------------------------------------------------------------------
# self-checks


def _length_ok(spec, n: int) -> bool:
    if spec is None or spec == "variable":
        return True
    if isinstance(spec, int):
        return n == spec
    a, b = str(spec).split("-")
    return int(a) <= n <= int(b)


CHECKSUM_VERIFIERS = {
    "github-crc32": lambda v: github_checksum(re.sub(r"^[a-z]+_", "", v)[:-6]) == v[-6:],
    "grafana-crc32": lambda v: grafana_checksum(v[:-9]) == v[-8:],
    "bech32": bech32_verify,
    "cask-marvin32": cask_verify,
}


def self_check(n_samples: int = 5) -> int:
    errors = 0
    # Marvin32 vectors from microsoft/security-utilities marvin_tests.rs
    assert marvin64(b"abc", 0xD53CD9CECD0893B7) == 0x22C74339492769BF
    assert marvin64(b"abcdefghijklmnopqrstuvwxyz", 0x0DDDDEEEEFFFF000) == 0xA128EB7E7260ACA2
    # placeholder Azure Function key from SecretMaskerTests.cs must verify
    assert any(
        ms_identifiable_verify("ddddddddddddddddddddddddddddddddddddddddddddAzFu182vhA==", s)
        for s in (0x4D61737465723030, 0x53797374656D3030, 0x46756E6374693030)
    )
    # RFC 8032 test 1
    assert (
        ed25519_public(
            bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        ).hex()
        == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    # GitHub checksum on a token the gist documents as the format's example shape
    assert github_checksum("a" * 30) == b62_encode(zlib.crc32(b"a" * 30), 6)
    cat = Catalog()
    rng = random.Random(1234)
    for f in cat.formats.values():
        for _ in range(n_samples if f.shape not in ("multiline", "document") else 1):
            v = cat.fresh(f.id, rng).text
            probs = []
            if f.prefixes and not any(v.startswith(p) for p in f.prefixes):
                probs.append("prefix")
            if f.shape not in ("multiline", "document") and not _length_ok(f.length, len(v)):
                probs.append("length %d not %s" % (len(v), f.length))
            if not set(v) <= f.chars(cat):
                probs.append("chars outside declared alphabet: %r" % (set(v) - f.chars(cat)))
            cv = f.raw.get("checksum_verify")
            if cv and not CHECKSUM_VERIFIERS[cv](v):
                probs.append("checksum")
            mr = f.raw.get("match")
            if mr and not re.search(mr, v):
                probs.append(f"does not match {mr}")
            if probs:
                errors += 1
                print("FAIL {}: {}: {}".format(f.id, ", ".join(probs), v[:120]))
    for nid, neg in cat.negatives.items():
        v = cat.negative_value(nid, rng).text
        mr = neg.raw.get("match")
        if mr and not re.search(mr, v):
            errors += 1
            print(f"FAIL negative {nid} does not match {mr}: {v}")
    # identifiable keys re-verify
    for fid, f in cat.formats.items():
        m = re.fullmatch(r"\{build:msid(?:url|62)?:([^:]+):([0-9a-fx]+):(\d+)\}", f.pattern)
        if m:
            v = cat.fresh(fid, rng).text
            if not ms_identifiable_verify(v, int(m.group(2), 16)):
                errors += 1
                print(f"FAIL {fid}: Marvin checksum")
    # YAML fallback loader agrees with PyYAML
    try:
        import yaml  # type: ignore

        for p in (FORMATS_FILE, NEGATIVES_FILE):
            text = p.read_text(encoding="utf-8")
            if yaml.safe_load(text) != load_yaml_subset(text):
                errors += 1
                print(f"FAIL fallback YAML loader disagrees on {p.name}")
    except ImportError:
        pass
    # optional: parse generated key material with `cryptography` when present
    try:
        from cryptography.hazmat.primitives import serialization  # type: ignore

        for b in ("rsa", "pkcs8ed", "pkcs8rsa", "ec", "openssh"):
            text = BUILDERS[b][0](rng)
            if b == "openssh":
                serialization.load_ssh_private_key(text.encode(), None)
            else:
                serialization.load_pem_private_key(text.encode(), None)
        sa = json.loads(gcp_service_account_json(rng).text)
        serialization.load_pem_private_key(sa["private_key"].encode(), None)
        print("key material parses with cryptography")
    except ImportError:
        print("cryptography not installed: key parsing not checked")
    print("%d formats, %d negatives, %d problems" % (len(cat.formats), len(cat.negatives), errors))
    return errors


def coverage_report():
    cat = Catalog()
    templates = load_templates()
    plan = assign(cat, templates)
    by_fmt = {fid: set() for fid in cat.formats}
    for t in templates:
        if t.is_matrix:
            for k, iid in plan[t.rel]:
                if k == "f":
                    by_fmt[iid].add(t.syntax)
        else:
            for l in t.body:
                for _s, _e, inner in find_slots(l):
                    if inner.startswith("s:"):
                        fid = inner[2:].split("|")[0].split("#")[0]
                        by_fmt[fid].add(t.syntax)
    return by_fmt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path, help="target directory for the corpus tree")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument(
        "--labels", type=Path, help="where to write labels.json (default OUT/labels.json)"
    )
    ap.add_argument(
        "--check", action="store_true", help="self-test formats, checksums and key material"
    )
    ap.add_argument(
        "--coverage", action="store_true", help="print the syntaxes each format appears in"
    )
    a = ap.parse_args(argv)
    if a.check:
        return 1 if self_check() else 0
    if a.coverage:
        cov = coverage_report()
        few = 0
        for fid, syn in cov.items():
            print("%-40s %d  %s" % (fid, len(syn), " ".join(sorted(syn))))
            few += len(syn) < 2
        counts = [len(s) for s in cov.values()]
        print(
            "formats: %d, syntaxes: %d, formats in >=3 syntaxes: %d, in <2: %d"
            % (
                len(cov),
                len({x for s in cov.values() for x in s}),
                sum(c >= 3 for c in counts),
                few,
            )
        )
        return 1 if few else 0
    if a.out is None:
        ap.error("OUT directory required")
    generate(a.out, a.seed, a.labels or (a.out / "labels.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
