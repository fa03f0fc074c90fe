"""Secret references: the syntax of each provider, and errors that say what is wrong."""

from __future__ import annotations

import pytest

from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import parse_ref, pick_field
from scriptrunner.vaults.resolve import parse_refs, resolve_secrets


@pytest.mark.parametrize(
    ("text", "scheme", "path", "field", "params"),
    [
        ("vault://secret/app#password", "vault", "secret/app", "password", {}),
        ("vault://secret/team/app", "vault", "secret/team/app", None, {}),
        ("vault://kv1/legacy#pw?kv=1", "vault", "kv1/legacy", "pw", {"kv": "1"}),
        ("vault://secret/app?version=3#pw", "vault", "secret/app", "pw", {"version": "3"}),
        ("aws-sm://prod/db#password", "aws-sm", "prod/db", "password", {}),
        ("aws-sm://plain?region=eu-west-1", "aws-sm", "plain", None, {"region": "eu-west-1"}),
        (
            "aws-sm://arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf#pw",
            "aws-sm",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            "pw",
            {},
        ),
        ("azure-kv://my-vault/db-password", "azure-kv", "my-vault/db-password", None, {}),
        (
            "azure-kv://my-vault/db-password/0a1b2c",
            "azure-kv",
            "my-vault/db-password/0a1b2c",
            None,
            {},
        ),
        (
            "azure-kv://corp.vault.azure.cn/cfg#key",
            "azure-kv",
            "corp.vault.azure.cn/cfg",
            "key",
            {},
        ),
    ],
)
def test_references_parse_into_their_parts(
    text: str, scheme: str, path: str, field: str | None, params: dict[str, str]
) -> None:
    ref = parse_ref(text)
    assert (ref.scheme, ref.path, ref.field, dict(ref.params)) == (scheme, path, field, params)
    assert str(ref) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("secret/app#pw", "expected one of vault://, aws-sm://, azure-kv://"),
        ("gcp-sm://x/y", "expected one of"),
        ("vault://secret", "expected vault://<mount>/<path>"),
        ("vault://secret/app#", "empty #field"),
        ("vault://secret/app?kv=3", "kv must be 1 or 2"),
        ("vault://secret/app?version=latest", "version must be a number"),
        ("vault://kv1/app?kv=1&version=2", "KV v1 secrets have no versions"),
        ("vault://secret/app?mount=x", "unknown parameter 'mount' (allowed: kv, version)"),
        ("aws-sm://", "expected aws-sm://<secret-id>"),
        ("azure-kv://my-vault", "expected azure-kv://<vault-name>/<secret-name>"),
        ("azure-kv://v/a/b/c", "expected azure-kv://"),
        ("azure-kv://v/name?region=x", "unknown parameter 'region' (allowed: none)"),
    ],
)
def test_bad_references_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(SecretError, match="secret reference") as info:
        parse_ref(text)
    assert message in str(info.value)


def test_names_must_be_environment_variable_names() -> None:
    with pytest.raises(SecretError) as info:
        parse_refs({"1BAD": "vault://secret/app#pw", "OK": "nope://x"})
    assert "'1BAD' is not an environment variable name" in str(info.value)
    assert "OK: secret reference 'nope://x'" in str(info.value)


def test_a_bad_reference_fails_before_any_backend_is_contacted() -> None:
    # No server anywhere: a syntax error must be reported without trying the network.
    with pytest.raises(SecretError, match="DB: secret reference"):
        resolve_secrets(
            {"A": "vault://secret/app#pw", "DB": "vault://only-a-mount"},
            environ={"VAULT_ADDR": "http://127.0.0.1:9", "VAULT_TOKEN": "t"},
        )


def test_pick_field_names_fields_but_never_values() -> None:
    ref = parse_ref("vault://secret/app#nope")
    with pytest.raises(SecretError) as info:
        pick_field(ref, {"password": "hunter2-value", "user": "bob-value"})
    assert "fields: password, user" in str(info.value)
    assert "hunter2" not in str(info.value) and "bob-value" not in str(info.value)
    bare = parse_ref("vault://secret/app")
    assert pick_field(bare, {"only": "v4lue"}) == "v4lue"
    with pytest.raises(SecretError, match=r"several fields; pick one with #FIELD \(a, b\)"):
        pick_field(bare, {"a": "1", "b": "2"})
    assert pick_field(parse_ref("vault://s/a#n"), {"n": 5432}) == "5432"
