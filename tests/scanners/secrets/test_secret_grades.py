"""How sure the scanner is of a password it found encoded or in a URL: the grades at their
edges (what is no password at all, what is a weak or a test value)."""

from __future__ import annotations

import base64

import pytest

from scriptrunner.scanners.secrets.rules.crypto_keys import (
    grade_b64_password,
    grade_basic_credentials,
)
from scriptrunner.scanners.secrets.rules.structural import grade_url_password, jwt_header_ok


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("deploy:Xk9q2pL7mZr4tW1n", "HIGH"),
        ("deploy:", None),  # no password
        (":Xk9q2pL7mZr4tW1n", None),  # no user
        ("just-a-word", None),  # no colon
        ("tester:səcrət-pässwörd", "LOW"),  # encoding test data
    ],
    ids=["real", "no-password", "no-user", "no-colon", "non-ascii"],
)
def test_basic_credentials(text: str, grade: str | None) -> None:
    assert grade_basic_credentials(b64(text)) == grade


def test_basic_credentials_that_are_not_base64_text_are_none() -> None:
    assert grade_basic_credentials("!!!not-base64!!!") is None
    assert grade_basic_credentials(base64.b64encode(bytes(range(240, 256))).decode()) is None


def test_a_base64_password_alone() -> None:
    assert grade_b64_password(b64("Xk9q2pL7mZr4tW1n")) == "HIGH"
    assert grade_b64_password(b64("changeme")) is None  # a placeholder
    assert grade_b64_password("%%%") is None


@pytest.mark.parametrize(
    ("password", "grade"),
    [
        ("Xk9q2pL7mZr4tW1n", "HIGH"),
        ("${DB_PASSWORD}", None),  # a variable
        ("8080", None),  # host:port, not a password
        ("abc", "LOW"),
    ],
)
def test_url_password(password: str, grade: str | None) -> None:
    assert grade_url_password(password) == grade


def test_a_jwt_header_must_be_a_json_object_with_alg() -> None:
    def head(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=") + ".e30.sig"

    assert jwt_header_ok(head('{"alg": "HS256"}'))
    assert not jwt_header_ok(head('{"typ": "JWT"}'))  # no alg
    assert not jwt_header_ok(head('["alg"]'))  # not an object
    assert not jwt_header_ok(head("not json"))
    assert not jwt_header_ok("eyJ\xff.e30.sig")  # not base64 at all
