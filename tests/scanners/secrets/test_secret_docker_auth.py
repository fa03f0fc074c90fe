"""Docker registry credentials are reported only when the base64 really holds them: a
docker ``auth`` of ``user:password`` and a ``.dockerconfigjson`` holding an ``auth``,
``password`` or ``identitytoken``; base64 of anything else (binary, no ``user:``, JSON
that is not a config, a config with placeholders) is not a docker credential."""

from __future__ import annotations

import base64
import json

import pytest

from scriptrunner.scanners.secrets.engine import scan_text


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def docker_findings(text: str) -> list[str]:
    return [m.title for m in scan_text(text, "config.json") if "Docker" in m.title]


def config(auths: object) -> str:
    return "  .dockerconfigjson: " + b64(json.dumps({"auths": auths}).encode())


AUTH = "Docker registry credentials"
CONFIG = "Docker config with registry credentials (base64)"


def test_real_credentials_are_reported() -> None:
    assert docker_findings(f'{{"auth": "{b64(b"deploy:Xk9q2pL7mZr4tW1n")}"}}') == [AUTH]
    cfg = config({"ghcr.io": {"identitytoken": "Xk9q2pL7mZr4tW1nBq8s"}})
    assert docker_findings(cfg) == [CONFIG]


@pytest.mark.parametrize(
    "raw",
    [
        bytes(range(200, 230)),  # binary, not text
        b"just-a-long-word-no-colon",  # no user:
        b":Xk9q2pL7mZr4tW1n",  # no user
        b"deploy:\x07Xk9q2pL7mZr4tW1n",  # not printable
        b"deploy:abc",  # too short a password
    ],
    ids=["binary", "no-colon", "no-user", "control-char", "short"],
)
def test_an_auth_that_is_not_user_and_password_is_not_reported(raw: bytes) -> None:
    assert docker_findings(f'{{"auth": "{b64(raw)}"}}') == []


@pytest.mark.parametrize(
    "text",
    [
        "  .dockerconfigjson: eyJ" + b64(b"\xff\xfe" * 30)[3:],  # base64, not JSON
        "  .dockerconfigjson: eyJ!!notbase64!!" + "A" * 20,  # cut at the first non-base64
        config({"ghcr.io": {"auth": ""}}),  # empty
        config({"ghcr.io": {"password": "changeme"}}),  # a placeholder
        config({"ghcr.io": {"email": "a@example.com", "auth": 5}}),  # no string credential
    ],
    ids=["not-json", "not-base64", "empty", "placeholder", "not-a-string"],
)
def test_a_config_without_credentials_is_not_reported(text: str) -> None:
    assert CONFIG not in docker_findings(text)
