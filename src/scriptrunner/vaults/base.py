"""Secret references, the vault backend interface, and the registry of backends.

A reference names a secret without holding it, so it can sit in a command line, a workflow
file or an error message; only the value it resolves to is secret.  Forms:

``vault://<path>[#<field>][?kv=1|2&version=N]``
    HashiCorp Vault / OpenBao KV.  The mount is found like ``vault kv get`` does (the
    ``sys/internal/ui/mounts/<path>`` endpoint, which also says KV v1 or v2); ``?kv=`` skips
    the lookup and takes the first path segment as the mount.
``aws-sm://<secret-id>[#<json-field>][?region=R&version-stage=S&version-id=V]``
    AWS Secrets Manager; the id may be a name with slashes or a full ARN.
``azure-kv://<vault-name>/<secret-name>[/<version>][#<json-field>]``
    Azure Key Vault; ``<vault-name>`` may also be a full host (``name.vault.azure.cn``).

A ``#field`` picks one key of a secret holding several (a KV secret's data, or a JSON
object stored as the secret's string).  Parsing needs no third-party import: workflow files
are checked at load time, and ``scriptrunner run`` without ``--secret`` pays nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from scriptrunner.errors import SecretError
from scriptrunner.registry import Registry

__all__ = [
    "BACKENDS",
    "SecretRef",
    "VaultBackend",
    "load_backend",
    "parse_ref",
    "pick_field",
]

#: Query parameters each scheme accepts (anything else is a typo and an error).
PARAMS: dict[str, tuple[str, ...]] = {
    "vault": ("kv", "version"),
    "aws-sm": ("region", "version-stage", "version-id"),
    "azure-kv": (),
}

#: Scheme -> backend class ("module:class", imported only when a reference uses it).
BACKENDS: Registry[Callable[[Mapping[str, str]], VaultBackend]] = Registry(
    "secret scheme",
    {
        "vault": "scriptrunner.vaults.hashicorp:HashiCorpVault",
        "aws-sm": "scriptrunner.vaults.aws:AwsSecretsManager",
        "azure-kv": "scriptrunner.vaults.azure:AzureKeyVault",
    },
    error=SecretError,
)


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A parsed secret reference; ``str()`` gives it back as written (it is not secret)."""

    scheme: str
    path: str
    field: str | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    text: str = ""

    def __str__(self) -> str:
        return self.text


class VaultBackend(Protocol):
    """One secret store.  Built once per resolution with the environment to read its
    address and credentials from; ``fetch`` may be called from several threads."""

    scheme: str

    def fetch(self, ref: SecretRef) -> str:
        """The secret's value; :class:`SecretError` (without any value) on failure."""
        ...


def parse_ref(text: str) -> SecretRef:
    """Parse ``text`` (see the module docstring); :class:`SecretError` names what is wrong."""
    from urllib.parse import parse_qsl

    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme not in BACKENDS:
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise SecretError(f"secret reference {text!r}: expected one of {known}")
    # "?kv=1#field" and "#field?kv=1" are both natural to write: accept either order.
    rest, hashed, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    fragment, _, after = fragment.partition("?")
    query = "&".join(q for q in (query, after) if q)
    if hashed and not fragment:
        raise SecretError(f"secret reference {text!r}: empty #field")
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise SecretError(f"secret reference {text!r}: bad query {query!r}") from None
    unknown = sorted(set(params) - set(PARAMS[scheme]))
    if unknown:
        allowed = ", ".join(PARAMS[scheme]) or "none"
        raise SecretError(
            f"secret reference {text!r}: unknown parameter {unknown[0]!r} (allowed: {allowed})"
        )
    path = rest.strip("/")
    ref = SecretRef(scheme, path, fragment or None, params, raw)
    _check(ref)
    return ref


def _check(ref: SecretRef) -> None:
    parts = ref.path.split("/") if ref.path else []
    if ref.scheme == "vault":
        if len(parts) < 2 or not all(parts):
            raise SecretError(f"secret reference {ref}: expected vault://<mount>/<path>[#field]")
        if ref.params.get("kv", "2") not in ("1", "2"):
            raise SecretError(f"secret reference {ref}: kv must be 1 or 2")
        version = ref.params.get("version")
        if version is not None and not version.isdigit():
            raise SecretError(f"secret reference {ref}: version must be a number")
        if version is not None and ref.params.get("kv") == "1":
            raise SecretError(f"secret reference {ref}: KV v1 secrets have no versions")
    elif ref.scheme == "aws-sm":
        if not ref.path:
            raise SecretError(f"secret reference {ref}: expected aws-sm://<secret-id>[#field]")
    elif len(parts) not in (2, 3) or not all(parts):
        raise SecretError(
            f"secret reference {ref}: expected azure-kv://<vault-name>/<secret-name>[/<version>]"
        )


def pick_field(ref: SecretRef, data: Any, what: str = "the secret") -> str:
    """``data[ref.field]`` as text (non-strings as JSON), or the only value when ``ref``
    has no field.  Errors name the available fields, never their values."""
    if not isinstance(data, Mapping):
        raise SecretError(f"{ref}: {what} is not a JSON object, so it has no field {ref.field!r}")
    if ref.field is None:
        if len(data) == 1:
            return _text(next(iter(data.values())))
        names = ", ".join(sorted(map(str, data))) or "none"
        raise SecretError(f"{ref}: {what} has several fields; pick one with #FIELD ({names})")
    if ref.field not in data:
        names = ", ".join(sorted(map(str, data))) or "none"
        raise SecretError(f"{ref}: {what} has no field {ref.field!r} (fields: {names})")
    return _text(data[ref.field])


def json_field(ref: SecretRef, text: str) -> str:
    """For a secret stored as a string: all of it, or ``#field`` of it parsed as JSON."""
    if ref.field is None:
        return text
    try:
        data = json.loads(text)
    except ValueError:
        # Never echo the parser's message: it may quote part of the value.
        raise SecretError(
            f"{ref}: the secret is not JSON, so it has no field {ref.field!r}; "
            "remove #field to get the whole value"
        ) from None
    return pick_field(ref, data)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def load_backend(scheme: str, environ: Mapping[str, str]) -> VaultBackend:
    """Import and build the backend for ``scheme`` (an unknown one lists the valid ones)."""
    backend: VaultBackend = BACKENDS.get(scheme)(environ)
    return backend
