"""vault:// against a real OpenBao dev server: KV v1 and v2, tokens and AppRole, failures."""

from __future__ import annotations

import pytest

from fixtures.vaults import Bao, closed_port_url
from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import parse_ref
from scriptrunner.vaults.hashicorp import HashiCorpVault


def fetch(env: dict[str, str], ref: str) -> str:
    return HashiCorpVault(env).fetch(parse_ref(ref))


def failure(env: dict[str, str], ref: str, bao: Bao) -> str:
    with pytest.raises(SecretError) as info:
        fetch(env, ref)
    message = str(info.value)
    assert ref in message  # names the reference...
    for value in bao.values.values():  # ...and never a value
        assert value not in message
    assert bao.root_token not in message and bao.secret_id not in message
    return message


def test_kv2_field(openbao: Bao) -> None:
    assert fetch(openbao.env(), "vault://secret/app#password") == openbao.values["app.password"]
    assert fetch(openbao.env(), "vault://secret/app#user") == openbao.values["app.user"]


def test_kv2_secret_with_one_field_needs_no_fragment(openbao: Bao) -> None:
    assert fetch(openbao.env(), "vault://secret/single") == openbao.values["single.token"]


def test_kv1_is_detected_from_the_mount(openbao: Bao) -> None:
    value = openbao.values["legacy.password"]
    assert fetch(openbao.env(), "vault://kv1/legacy#password") == value
    assert fetch(openbao.env(), "vault://kv1/legacy?kv=1#password") == value


def test_kv2_versions(openbao: Bao) -> None:
    import hvac

    client = hvac.Client(url=openbao.url, token=openbao.root_token)
    client.secrets.kv.v2.create_or_update_secret("versioned", {"v": "first-value"})
    client.secrets.kv.v2.create_or_update_secret("versioned", {"v": "second-value"})
    assert fetch(openbao.env(), "vault://secret/versioned#v") == "second-value"
    assert fetch(openbao.env(), "vault://secret/versioned?version=1#v") == "first-value"


def test_multi_line_values_come_back_whole(openbao: Bao) -> None:
    assert fetch(openbao.env(), "vault://secret/pem#key") == openbao.values["pem"]


def test_bao_variables_work_like_vault_ones(openbao: Bao) -> None:
    env = {"BAO_ADDR": openbao.url, "BAO_TOKEN": openbao.root_token, "HOME": "/nonexistent"}
    assert fetch(env, "vault://secret/app#password") == openbao.values["app.password"]


def test_token_file_is_used_when_no_token_variable(openbao: Bao, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".vault-token").write_text(openbao.reader_token + "\n")
    env = {"VAULT_ADDR": openbao.url, "HOME": str(tmp_path)}
    assert fetch(env, "vault://secret/app#password") == openbao.values["app.password"]


def test_approle_login(openbao: Bao) -> None:
    env = {
        "VAULT_ADDR": openbao.url,
        "VAULT_ROLE_ID": openbao.role_id,
        "VAULT_SECRET_ID": openbao.secret_id,
        "HOME": "/nonexistent",
    }
    backend = HashiCorpVault(env)
    assert backend.fetch(parse_ref("vault://secret/app#password")) == openbao.values["app.password"]
    assert (
        backend.fetch(parse_ref("vault://kv1/legacy#password")) == openbao.values["legacy.password"]
    )
    # The AppRole's policy reads only those two: anything else is denied.
    with pytest.raises(SecretError, match="permission denied"):
        backend.fetch(parse_ref("vault://secret/single"))


def test_approle_with_a_wrong_secret_id(openbao: Bao) -> None:
    env = {
        "VAULT_ADDR": openbao.url,
        "VAULT_ROLE_ID": openbao.role_id,
        "VAULT_SECRET_ID": "00000000-0000-0000-0000-000000000000",
    }
    with pytest.raises(SecretError) as info:
        fetch(env, "vault://secret/app#password")
    assert "AppRole login to Vault at " in str(info.value)
    assert "check VAULT_ROLE_ID and VAULT_SECRET_ID" in str(info.value)


def test_missing_secret(openbao: Bao) -> None:
    message = failure(openbao.env(), "vault://secret/nothing-here#x", openbao)
    assert "not found" in message


def test_missing_field_lists_the_fields(openbao: Bao) -> None:
    message = failure(openbao.env(), "vault://secret/app#pasword", openbao)
    assert "has no field 'pasword' (fields: password, user)" in message


def test_several_fields_without_a_fragment(openbao: Bao) -> None:
    message = failure(openbao.env(), "vault://secret/app", openbao)
    assert "pick one with #FIELD (password, user)" in message


@pytest.mark.parametrize("token", ["not-a-token", "nobody"])
def test_bad_or_unprivileged_token_is_permission_denied(openbao: Bao, token: str) -> None:
    env = openbao.env(VAULT_TOKEN=openbao.nobody_token if token == "nobody" else token)
    message = failure(env, "vault://secret/app#password", openbao)
    assert "permission denied" in message


def test_no_token_at_all(openbao: Bao) -> None:
    with pytest.raises(SecretError, match="no Vault token for .*set VAULT_TOKEN"):
        fetch({"VAULT_ADDR": openbao.url, "HOME": "/nonexistent"}, "vault://secret/app#password")


def test_server_down(openbao: Bao) -> None:
    url = closed_port_url()
    message = failure(openbao.env(VAULT_ADDR=url), "vault://secret/app#password", openbao)
    assert f"cannot connect to Vault at {url}" in message


def test_a_non_kv_mount_is_refused(openbao: Bao) -> None:
    message = failure(openbao.env(), "vault://sys/policy#x", openbao)
    assert "not KV" in message or "permission denied" in message or "not found" in message
