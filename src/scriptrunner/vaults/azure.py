"""Azure Key Vault secrets, through azure-keyvault-secrets and azure-identity.

The vault URL is ``https://<vault-name>.vault.azure.net``; a name with a dot is taken as
the host itself (``azure-kv://corp.vault.azure.cn/db`` for a sovereign cloud).
``SCRIPTRUNNER_AZURE_KV_URL_<NAME>`` (the vault name upper-cased, ``-`` as ``_``) maps one
vault to another URL: a private endpoint, a proxy or a local stand-in.  Only for such a
mapped URL is the SDK's check that the 401 challenge's resource matches the vault's domain
switched off (``verify_challenge_resource=False``); real vault hosts keep it.

Credentials: ``DefaultAzureCredential`` (environment service principal, workload identity,
managed identity, Azure CLI login, ...).  TLS trust follows ``REQUESTS_CA_BUNDLE``, or
``SCRIPTRUNNER_AZURE_KV_CA_BUNDLE`` when set.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import SecretRef, json_field


def override_variable(vault: str) -> str:
    """The environment variable that maps ``vault`` to another URL."""
    return "SCRIPTRUNNER_AZURE_KV_URL_" + vault.upper().replace("-", "_").replace(".", "_")


class AzureKeyVault:
    """``azure-kv://`` references (see the module docstring for configuration).

    ``credential`` replaces ``DefaultAzureCredential`` (any azure-core ``TokenCredential``).
    """

    scheme = "azure-kv"

    def __init__(self, environ: Mapping[str, str], credential: Any = None) -> None:
        self.environ = environ
        self._credential = credential
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def vault_url(self, vault: str) -> tuple[str, bool]:
        """(URL of ``vault``, whether it was overridden by the environment)."""
        mapped = self.environ.get(override_variable(vault))
        if mapped:
            return mapped.rstrip("/"), True
        host = vault if "." in vault else f"{vault}.vault.azure.net"
        return f"https://{host}", False

    def _client(self, vault: str) -> Any:
        with self._lock:
            client = self._clients.get(vault)
            if client is None:
                from azure.keyvault.secrets import SecretClient

                if self._credential is None:
                    from azure.identity import DefaultAzureCredential

                    self._credential = DefaultAzureCredential()
                url, overridden = self.vault_url(vault)
                kwargs: dict[str, Any] = {"retry_total": 2}
                ca = self.environ.get("SCRIPTRUNNER_AZURE_KV_CA_BUNDLE")
                if ca:
                    kwargs["connection_verify"] = ca
                client = SecretClient(
                    url, self._credential, verify_challenge_resource=not overridden, **kwargs
                )
                self._clients[vault] = client
            return client

    def fetch(self, ref: SecretRef) -> str:
        vault, name, *version = ref.path.split("/")
        try:
            secret = self._client(vault).get_secret(name, version[0] if version else None)
        except SecretError:
            raise
        except Exception as exc:
            raise SecretError(f"{ref}: {self._cause(exc, vault)}") from None
        if secret.value is None:
            raise SecretError(f"{ref}: the secret has no value (disabled?)")
        return json_field(ref, str(secret.value))

    def _cause(self, exc: Exception, vault: str) -> str:
        from azure.core import exceptions as ax

        url = self.vault_url(vault)[0]
        if isinstance(exc, ax.ResourceNotFoundError):
            return f"not found in {url}"
        if isinstance(exc, ax.ClientAuthenticationError):
            return f"authentication to {url} failed: {_short(exc)}"
        if isinstance(exc, ax.ServiceRequestError):
            return f"cannot connect to {url} (is it reachable? {override_variable(vault)})"
        if isinstance(exc, ax.HttpResponseError):
            return f"{url} answered {exc.status_code}: {_short(exc)}"
        # azure-identity's CredentialUnavailableError and friends
        return f"no Azure credential: {type(exc).__name__}: {_short(exc)}"


def _short(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return str(message).splitlines()[0][:300]
