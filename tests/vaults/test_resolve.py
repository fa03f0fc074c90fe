"""resolve_secrets: all providers at once, all or nothing, errors without values."""

from __future__ import annotations

import pytest

from fixtures.vaults import AwsSm, AzureKv, Bao, StaticCredential
from scriptrunner.errors import SecretError
from scriptrunner.vaults.azure import AzureKeyVault
from scriptrunner.vaults.resolve import resolve_secrets, short_secrets


def test_every_provider_in_one_call(openbao: Bao, aws_sm: AwsSm, azure_kv: AzureKv) -> None:
    env = openbao.env() | aws_sm.env() | azure_kv.env()
    azure = AzureKeyVault(env, credential=StaticCredential(azure_kv.token))
    values = resolve_secrets(
        {
            "DB_PASSWORD": "vault://secret/app#password",
            "LEGACY": "vault://kv1/legacy#password",
            "AWS_DB": "aws-sm://prod/db#password",
            "AZ": "azure-kv://my-vault/db-password",
            "AGAIN": "vault://secret/app#password",  # fetched once, given to both names
        },
        environ=env,
        backends={"azure-kv": azure},
    )
    assert values == {
        "DB_PASSWORD": openbao.values["app.password"],
        "LEGACY": openbao.values["legacy.password"],
        "AWS_DB": aws_sm.values["db.password"],
        "AZ": azure_kv.values["db-password"],
        "AGAIN": openbao.values["app.password"],
    }


def test_one_failure_fails_all_and_names_each_variable(openbao: Bao, aws_sm: AwsSm) -> None:
    env = openbao.env() | aws_sm.env()
    with pytest.raises(SecretError) as info:
        resolve_secrets(
            {
                "GOOD": "vault://secret/app#password",
                "MISSING": "vault://secret/app#nope",
                "GONE": "aws-sm://prod/none",
            },
            environ=env,
        )
    message = str(info.value)
    assert "secret MISSING could not be resolved: vault://secret/app#nope: " in message
    assert "secret GONE could not be resolved: aws-sm://prod/none: not found" in message
    assert "GOOD" not in message
    assert openbao.values["app.password"] not in message


def test_nothing_to_resolve_needs_no_backend() -> None:
    assert resolve_secrets({}) == {}


def test_short_values_are_reported_for_a_warning() -> None:
    assert short_secrets({"A": "abc", "B": "long-enough", "C": "  x "}) == ["A", "C"]
