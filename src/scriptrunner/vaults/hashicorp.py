"""HashiCorp Vault and OpenBao KV secrets, through hvac.

Configuration is the CLIs' own environment, so a shell that works with ``vault kv get`` or
``bao kv get`` works here: ``VAULT_ADDR`` (or ``BAO_ADDR``), ``VAULT_NAMESPACE``,
``VAULT_CACERT``, ``VAULT_CLIENT_CERT``/``VAULT_CLIENT_KEY``, ``VAULT_SKIP_VERIFY`` and
``VAULT_CLIENT_TIMEOUT`` (each also as ``BAO_*``; the ``VAULT_*`` name wins when both are
set).  Authentication, first match wins: AppRole when ``VAULT_ROLE_ID`` and
``VAULT_SECRET_ID`` are both set (a deliberate machine identity; mount ``approle`` or
``VAULT_APPROLE_MOUNT``), then ``VAULT_TOKEN``, then the token helper file
``~/.vault-token``.

KV v1 or v2 is detected per path with ``sys/internal/ui/mounts/<path>`` (the preflight
request ``vault kv get`` makes), which also finds mounts nested deeper than one segment.
When that lookup is denied, the first segment is taken as the mount and KV v2 assumed;
``?kv=1`` or ``?kv=2`` in the reference skips the lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import SecretRef, pick_field

DEFAULT_TIMEOUT = 30.0
_TRUE = ("1", "true", "yes", "on")


def _env(environ: Mapping[str, str], name: str) -> str | None:
    """``VAULT_<name>``, else ``BAO_<name>``; empty counts as unset."""
    return environ.get(f"VAULT_{name}") or environ.get(f"BAO_{name}") or None


class HashiCorpVault:
    """``vault://`` references (see the module docstring for configuration)."""

    scheme = "vault"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.address = _env(environ, "ADDR") or "https://127.0.0.1:8200"
        self._client: Any = None
        self._lock = threading.Lock()
        self._mounts: dict[str, tuple[str, str]] = {}

    # -- connection ----------------------------------------------------------------------

    def _timeout(self) -> float:
        text = (_env(self.environ, "CLIENT_TIMEOUT") or "").strip().rstrip("s")
        try:
            return float(text) if text else DEFAULT_TIMEOUT
        except ValueError:
            raise SecretError(f"VAULT_CLIENT_TIMEOUT={text!r} is not a number of seconds") from None

    def client(self) -> Any:
        """The authenticated hvac client, built (and logged in) once."""
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self) -> Any:
        import hvac

        verify: bool | str = True
        if (_env(self.environ, "SKIP_VERIFY") or "").lower() in _TRUE:
            verify = False
        elif _env(self.environ, "CACERT"):
            verify = str(_env(self.environ, "CACERT"))
        cert = None
        if _env(self.environ, "CLIENT_CERT") and _env(self.environ, "CLIENT_KEY"):
            cert = (str(_env(self.environ, "CLIENT_CERT")), str(_env(self.environ, "CLIENT_KEY")))
        # An explicit empty token: hvac would otherwise read os.environ by itself, and the
        # environment given to this backend must be the only source.
        client = hvac.Client(
            url=self.address,
            token="",
            verify=verify,
            cert=cert,
            timeout=self._timeout(),
            namespace=_env(self.environ, "NAMESPACE"),
        )
        role_id, secret_id = _env(self.environ, "ROLE_ID"), _env(self.environ, "SECRET_ID")
        if role_id and secret_id:
            mount = _env(self.environ, "APPROLE_MOUNT") or "approle"
            try:
                client.auth.approle.login(role_id=role_id, secret_id=secret_id, mount_point=mount)
            except Exception as exc:
                raise SecretError(
                    f"AppRole login to Vault at {self.address} (auth/{mount}) failed: "
                    f"{self._cause(exc)}; check VAULT_ROLE_ID and VAULT_SECRET_ID"
                ) from None
            return client
        token = _env(self.environ, "TOKEN") or self._token_file()
        if not token:
            raise SecretError(
                f"no Vault token for {self.address}: set VAULT_TOKEN (or BAO_TOKEN), log in "
                "so that ~/.vault-token exists, or set VAULT_ROLE_ID and VAULT_SECRET_ID "
                "for AppRole"
            )
        client.token = token
        return client

    def _token_file(self) -> str | None:
        home = self.environ.get("HOME")
        path = (Path(home) if home else Path.home()) / ".vault-token"
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    # -- reading -------------------------------------------------------------------------

    def fetch(self, ref: SecretRef) -> str:
        client = self.client()
        try:
            mount, version = self._mount(client, ref)
            sub = ref.path[len(mount) :].strip("/")
            if not sub:
                raise SecretError(f"{ref}: the path names the mount {mount!r}, not a secret")
            if version == "1":
                data = client.secrets.kv.v1.read_secret(path=sub, mount_point=mount)["data"]
            else:
                wanted = ref.params.get("version")
                response = client.secrets.kv.v2.read_secret_version(
                    path=sub,
                    mount_point=mount,
                    version=int(wanted) if wanted else None,
                    raise_on_deleted_version=True,
                )
                data = response["data"]["data"]
        except SecretError:
            raise
        except Exception as exc:
            raise SecretError(f"{ref}: {self._cause(exc)}") from None
        return pick_field(ref, data, "the Vault secret")

    def _mount(self, client: Any, ref: SecretRef) -> tuple[str, str]:
        """(mount path without slashes, KV version "1"/"2") for ``ref``."""
        first = ref.path.split("/", 1)[0]
        if "kv" in ref.params:
            return first, ref.params["kv"]
        cached = self._mounts.get(ref.path)
        if cached is not None:
            return cached
        import hvac.exceptions

        try:
            info = client.adapter.get(f"/v1/sys/internal/ui/mounts/{ref.path}")["data"]
        except hvac.exceptions.Forbidden:
            found = (first, "2")  # the read itself will say whether access is denied
        else:
            if info.get("type") not in ("kv", "generic"):
                raise SecretError(
                    f"{ref}: {info.get('path')!r} is a {info.get('type')} secrets engine, not KV"
                )
            version = str((info.get("options") or {}).get("version") or "1")
            found = (str(info.get("path", first)).strip("/"), version)
        self._mounts[ref.path] = found
        return found

    def _cause(self, exc: Exception) -> str:
        """A short reason for a failed request (hvac messages hold no secret values)."""
        import hvac.exceptions
        import requests

        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"cannot connect to Vault at {self.address} (is it running? VAULT_ADDR)"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"Vault at {self.address} did not answer in time"
        if isinstance(exc, hvac.exceptions.InvalidPath):
            return "not found (no secret at this path, or the version was deleted)"
        if isinstance(exc, hvac.exceptions.Forbidden):
            return f"permission denied ({_first_error(exc)}); check the token's policies"
        if isinstance(exc, hvac.exceptions.VaultDown):
            return f"Vault at {self.address} is sealed or down"
        if isinstance(exc, hvac.exceptions.VaultError):
            return _first_error(exc) or type(exc).__name__
        return f"{type(exc).__name__}: {exc}"


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    return str(exc).split(", on ", 1)[0]
