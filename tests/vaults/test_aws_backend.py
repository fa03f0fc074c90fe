"""aws-sm:// against a real moto server: JSON fields, regions, binary secrets, failures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fixtures.price_apis import moto_server
from fixtures.vaults import AwsSm, closed_port_url
from scriptrunner.errors import SecretError
from scriptrunner.vaults.aws import AwsSecretsManager
from scriptrunner.vaults.base import parse_ref


def fetch(env: dict[str, str], ref: str) -> str:
    return AwsSecretsManager(env).fetch(parse_ref(ref))


def failure(env: dict[str, str], ref: str, aws: AwsSm) -> str:
    with pytest.raises(SecretError) as info:
        fetch(env, ref)
    message = str(info.value)
    assert ref in message
    for value in aws.values.values():
        if len(value) > 4:
            assert value not in message
    return message


def test_json_field(aws_sm: AwsSm) -> None:
    assert fetch(aws_sm.env(), "aws-sm://prod/db#password") == aws_sm.values["db.password"]
    assert fetch(aws_sm.env(), "aws-sm://prod/db#port") == "5432"


def test_whole_secret_string(aws_sm: AwsSm) -> None:
    assert fetch(aws_sm.env(), "aws-sm://plain") == aws_sm.values["plain"]


def test_region_from_the_reference_wins(aws_sm: AwsSm) -> None:
    assert fetch(aws_sm.env(), "aws-sm://regional?region=eu-west-1") == aws_sm.values["eu"]
    env = aws_sm.env()
    del env["AWS_REGION"]
    env["AWS_DEFAULT_REGION"] = "eu-west-1"
    assert fetch(env, "aws-sm://regional") == aws_sm.values["eu"]


def test_generic_endpoint_variable(aws_sm: AwsSm) -> None:
    env = aws_sm.env()
    env["AWS_ENDPOINT_URL"] = env.pop("AWS_ENDPOINT_URL_SECRETS_MANAGER")
    assert fetch(env, "aws-sm://plain") == aws_sm.values["plain"]


def test_missing_secret(aws_sm: AwsSm) -> None:
    assert "not found in" in failure(aws_sm.env(), "aws-sm://prod/nothing#x", aws_sm)


def test_missing_field(aws_sm: AwsSm) -> None:
    message = failure(aws_sm.env(), "aws-sm://prod/db#pasword", aws_sm)
    assert "has no field 'pasword' (fields: password, port)" in message


def test_field_of_a_plain_string_secret(aws_sm: AwsSm) -> None:
    message = failure(aws_sm.env(), "aws-sm://plain#x", aws_sm)
    assert "the secret is not JSON" in message


def test_binary_secret_is_an_error(aws_sm: AwsSm) -> None:
    assert "SecretBinary" in failure(aws_sm.env(), "aws-sm://blob", aws_sm)


def test_server_down(aws_sm: AwsSm) -> None:
    url = closed_port_url()
    env = aws_sm.env(AWS_ENDPOINT_URL_SECRETS_MANAGER=url)
    assert f"cannot connect to {url}" in failure(env, "aws-sm://plain", aws_sm)


@pytest.fixture(scope="module")
def moto_with_auth() -> Iterator[str]:
    """A second moto server that checks credentials (moto's INITIAL_NO_AUTH_ACTION_COUNT)."""
    old = os.environ.get("INITIAL_NO_AUTH_ACTION_COUNT")
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    try:
        server = moto_server()
        endpoint = server.__enter__()
    finally:
        if old is None:
            del os.environ["INITIAL_NO_AUTH_ACTION_COUNT"]
        else:
            os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = old
    try:
        yield endpoint
    finally:
        server.__exit__(None, None, None)


def test_unknown_credentials_are_an_auth_failure(moto_with_auth: str, aws_sm: AwsSm) -> None:
    env = aws_sm.env(AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_with_auth)
    message = failure(env, "aws-sm://prod/db#password", aws_sm)
    assert "access denied by" in message and "check the AWS credentials" in message
