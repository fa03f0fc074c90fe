"""The checksum and structure checks that tell a real token from a look-alike, on damaged
input: a PyPI token's v2 macaroon cut, padded or with a field out of place is not a
token; GitHub and Grafana tokens whose check digits do not add up are not either."""

from __future__ import annotations

import base64
import zlib

import pytest

from scriptrunner.scanners.secrets.rules.checksums import (
    base62,
    crc32_base62_ok,
    grade_crc32_base62,
    grade_grafana_sa,
    grade_pypi,
    grafana_sa_ok,
    macaroon_v2_ok,
)

CAVEAT = b'{"version": 1, "permissions": "user"}'
SIGNATURE = b"\x06\x20" + bytes(range(32))


def field(tag: int, data: bytes) -> bytes:
    assert len(data) < 128  # one varint byte
    return bytes([tag, len(data)]) + data


def blob(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def macaroon(
    header: bytes = field(1, b"pypi.org") + field(2, b"identifier-0123456789") + b"\x00",
    caveats: bytes = field(2, CAVEAT) + b"\x00",
    end: bytes = b"\x00",
    signature: bytes = SIGNATURE,
) -> bytes:
    return b"\x02" + header + caveats + end + signature


def test_a_well_formed_macaroon_passes_with_or_without_padding() -> None:
    raw = macaroon()
    assert macaroon_v2_ok(blob(raw))
    assert macaroon_v2_ok(base64.urlsafe_b64encode(raw).decode())
    assert macaroon_v2_ok(blob(macaroon(caveats=b"")))  # no caveats at all


@pytest.mark.parametrize(
    "raw",
    [
        macaroon()[:39],  # too short for a signature
        b"\x01" + macaroon()[1:],  # version 1
        macaroon(header=field(1, b"pypi.org") + b"\x00"),  # no identifier
        macaroon(header=field(1, b"pypi.org") + field(3, b"x") + b"\x00"),  # unknown field
        macaroon(header=field(2, b"id") + b"\x01\xff\xff\xff\xff\xff"),  # endless varint
        macaroon(header=field(2, b"id") + b"\x00", caveats=field(4, b"v") + b"\x00"),  # no cid
        macaroon(caveats=field(2, CAVEAT) * 3),  # a section never ends (runs into the rest)
        macaroon(caveats=(field(2, b"c") + b"\x00") * 65),  # more sections than allowed
        macaroon(signature=b"\x06\x10" + bytes(32)),  # the signature's size field is wrong
        macaroon() + b"\x00",  # trailing bytes
        macaroon(end=b"", signature=b""),  # it stops inside the caveats
        b"\x02" + field(2, b"id") + b"\x01\x7f" + bytes(40),  # a field longer than the rest
        b"\x02" + field(2, b"i" * 50),  # the header section never ends
    ],
    ids=[
        "short", "v1", "no-identifier", "unknown-tag", "endless-varint", "caveat-without-id",
        "unended-section", "too-many-caveats", "signature-size", "trailing", "cut",
        "field-past-end", "unended-header",
    ],
)  # fmt: skip
def test_a_damaged_macaroon_is_not_a_token(raw: bytes) -> None:
    assert not macaroon_v2_ok(blob(raw))


def test_text_that_is_not_base64_is_not_a_macaroon() -> None:
    assert not macaroon_v2_ok("AgEI%%%%")
    assert not macaroon_v2_ok("A")  # one character: no whole byte


def test_github_style_check_digits() -> None:
    body = "a" * 30
    good = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)
    assert crc32_base62_ok(good)
    assert not crc32_base62_ok(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert not crc32_base62_ok("ghp" + good[3:].replace("_", ""))  # no separator
    assert not crc32_base62_ok(good + "x")  # 37 characters
    assert not crc32_base62_ok("ghp_" + "é" * 36)  # not ASCII


def test_grafana_service_account_check_digits() -> None:
    head = "glsa_" + "b" * 32
    good = f"{head}_{zlib.crc32(head.encode()).to_bytes(4, 'little').hex()}"
    assert grafana_sa_ok(good) and grafana_sa_ok(good.upper()[:5].lower() + good[5:])
    assert not grafana_sa_ok(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert not grafana_sa_ok(head + "_1234567")  # seven check digits
    assert not grafana_sa_ok("glsa" + "b" * 32 + "12345678")  # no separator
    assert not grafana_sa_ok("glsa_" + "é" * 32 + "_00000000")  # not ASCII


def test_the_confidence_each_check_gives() -> None:
    body = "c" * 30
    good = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert (grade_crc32_base62(good), grade_crc32_base62(bad)) == ("HIGH", "LOW")
    assert grade_crc32_base62("ghp_" + "d" * 40) == "HIGH"  # a generation with no check
    head = "glsa_" + "e" * 32
    check = zlib.crc32(head.encode()).to_bytes(4, "little").hex()
    assert grade_grafana_sa(f"{head}_{check}") == "HIGH"
    assert grade_grafana_sa(head + "_00000000") == "LOW"
    assert grade_pypi("pypi-" + blob(macaroon())) == "HIGH"
    assert grade_pypi("pypi-" + blob(macaroon())[:-10]) == "MEDIUM"  # cut: still worth a look
    assert grade_pypi("pipy-" + blob(macaroon())) == "MEDIUM"
