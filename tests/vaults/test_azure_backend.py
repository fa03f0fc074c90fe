"""azure-kv:// against a local HTTPS stand-in of the Key Vault secrets REST API.

No Azure Key Vault emulator exists; this is a stand-in of the documented REST API (see
tests/fixtures/vaults.py), served over TLS with a certificate made by the test, and the SDK's
credential is a static token (azure-identity cannot get a real token here).  The SDK itself
is real: its challenge flow, retries and error mapping run unchanged.
"""

from __future__ import annotations

import pytest

from fixtures.vaults import AzureKv, StaticCredential, closed_port_url
from scriptrunner.errors import SecretError
from scriptrunner.vaults.azure import AzureKeyVault, override_variable
from scriptrunner.vaults.base import parse_ref

TENANT = "00000000-0000-0000-0000-00000000feed"


def backend(kv: AzureKv, token: str | None = None, **env: str) -> AzureKeyVault:
    return AzureKeyVault(kv.env(**env), credential=StaticCredential(token or kv.token))


def failure(b: AzureKeyVault, ref: str, kv: AzureKv) -> str:
    with pytest.raises(SecretError) as info:
        b.fetch(parse_ref(ref))
    message = str(info.value)
    assert ref in message
    for value in kv.values.values():
        assert value not in message
    return message


def test_secret_through_the_challenge_flow(azure_kv: AzureKv) -> None:
    credential = StaticCredential(azure_kv.token)
    b = AzureKeyVault(azure_kv.env(vault="flow-vault"), credential=credential)
    before = len(azure_kv.server.requests)
    assert b.fetch(parse_ref("azure-kv://flow-vault/db-password")) == azure_kv.values["db-password"]
    first, second = azure_kv.server.requests[before : before + 2]
    # The SDK's documented protocol: an unauthenticated probe, the 401 challenge, then a
    # token for the challenge's resource and tenant.
    assert first["auth"] is None and second["auth"] == f"Bearer {azure_kv.token}"
    assert "api-version" in second["query"]
    assert credential.requests == [(("https://vault.azure.net/.default",), TENANT)]


def test_version_and_json_field(azure_kv: AzureKv) -> None:
    b = backend(azure_kv)
    old = b.fetch(parse_ref("azure-kv://my-vault/db-password/v1"))
    assert old == azure_kv.values["db-password@v1"]
    assert b.fetch(parse_ref("azure-kv://my-vault/config#api_key")) == azure_kv.values["config"]
    assert b.fetch(parse_ref("azure-kv://my-vault/config#n")) == "3"


def test_missing_secret(azure_kv: AzureKv) -> None:
    assert "not found in " + azure_kv.url in failure(
        backend(azure_kv), "azure-kv://my-vault/nope", azure_kv
    )


def test_missing_field(azure_kv: AzureKv) -> None:
    message = failure(backend(azure_kv), "azure-kv://my-vault/config#apikey", azure_kv)
    assert "has no field 'apikey' (fields: api_key, n)" in message


def test_rejected_token_is_an_authentication_failure(azure_kv: AzureKv) -> None:
    message = failure(backend(azure_kv, token="wrong"), "azure-kv://my-vault/db-password", azure_kv)
    assert f"{azure_kv.url}" in message
    assert "401" in message or "authentication" in message


def test_server_down(azure_kv: AzureKv) -> None:
    url = closed_port_url("https")
    b = AzureKeyVault(
        {
            override_variable("down"): url,
            "SCRIPTRUNNER_AZURE_KV_CA_BUNDLE": str(azure_kv.ca_bundle),
        },
        credential=StaticCredential(azure_kv.token),
    )
    message = failure(b, "azure-kv://down/db-password", azure_kv)
    assert f"cannot connect to {url}" in message and "SCRIPTRUNNER_AZURE_KV_URL_DOWN" in message


def test_untrusted_certificate_is_refused(azure_kv: AzureKv) -> None:
    b = AzureKeyVault(
        {override_variable("my-vault"): azure_kv.url}, credential=StaticCredential(azure_kv.token)
    )
    with pytest.raises(SecretError, match="cannot connect|SSL|certificate"):
        b.fetch(parse_ref("azure-kv://my-vault/db-password"))


def test_vault_urls() -> None:
    b = AzureKeyVault({override_variable("mapped-one"): "https://127.0.0.1:8443/"})
    assert b.vault_url("my-vault") == ("https://my-vault.vault.azure.net", False)
    assert b.vault_url("corp.vault.azure.cn") == ("https://corp.vault.azure.cn", False)
    assert b.vault_url("mapped-one") == ("https://127.0.0.1:8443", True)
    assert override_variable("mapped-one") == "SCRIPTRUNNER_AZURE_KV_URL_MAPPED_ONE"
