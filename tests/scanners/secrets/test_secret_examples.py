"""Which JSON Web Tokens count as documentation examples (left out of the findings): an
HMAC token signed with a key documentation uses, or an unsigned one (``alg: none``);
anything malformed or signed otherwise is reported."""

from __future__ import annotations

import base64
import hmac
import json

import pytest

from scriptrunner.scanners.secrets.examples import is_documented_jwt


def part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def token(header: object, key: str | None = None, alg: str = "sha256") -> str:
    head = part(json.dumps(header).encode())
    body = part(json.dumps({"sub": "1234567890", "name": "Jane"}).encode())
    signed = f"{head}.{body}".encode()
    if key is None:
        return f"{head}.{body}.{part(b'x' * 32)}"
    return f"{head}.{body}.{part(hmac.new(key.encode(), signed, alg).digest())}"


def test_an_unsigned_token_is_an_example() -> None:
    assert is_documented_jwt(token({"alg": "none", "typ": "JWT"}))
    assert is_documented_jwt(token({"alg": "None"}))


def test_a_token_signed_with_a_documentation_key_is_an_example_of_each_hmac_size() -> None:
    for alg, digest in (("HS256", "sha256"), ("HS384", "sha384"), ("HS512", "sha512")):
        assert is_documented_jwt(token({"alg": alg}, "secret", digest))
        assert not is_documented_jwt(token({"alg": alg}, "k8Qz-unknown-7Tw", digest))


@pytest.mark.parametrize(
    "value",
    [
        "eyJhbGciOiJIUzI1NiJ9.e30",  # two parts
        "eyJhbGciOiJIUzI1NiJ9.e30.sig.more",  # four parts
        "eyJ!!!.e30.c2ln",  # a header that is not base64
        "eyJhbGciOiJIUzI1NiJ9.e30.c2ln=x",  # a signature that is not base64
        "eyJhbGci.e30.c2ln",  # a header that is not JSON
        token(["alg", "none"]),  # a header that is not an object (not even "eyJ")
        token({"alg": "RS256"}),  # not HMAC: no documentation key can sign it
        token({}),  # no algorithm at all
    ],
    ids=[
        "2-parts",
        "4-parts",
        "bad-header-b64",
        "bad-sig-b64",
        "not-json",
        "list",
        "rs256",
        "no-alg",
    ],
)
def test_anything_else_is_reported(value: str) -> None:
    assert not is_documented_jwt(value)
