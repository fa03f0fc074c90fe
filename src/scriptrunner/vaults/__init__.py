"""Secrets from vaults: references, backends, resolution and masking.

``vault://`` (HashiCorp Vault / OpenBao), ``aws-sm://`` (AWS Secrets Manager) and
``azure-kv://`` (Azure Key Vault) references are resolved at the start of a run, injected
into the child's environment only, and masked in everything scriptrunner shows or keeps.
See ``docs/secrets.md``.

Importing this package imports no vault library: each backend is loaded when a reference
of its scheme is first resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptrunner.vaults.base import BACKENDS, SecretRef, VaultBackend, parse_ref
    from scriptrunner.vaults.masked_sinks import MaskingBus, MaskingStore, mask_logging
    from scriptrunner.vaults.masking import MASK, Masker, StreamMasker
    from scriptrunner.vaults.resolve import parse_refs, resolve_secrets, short_secrets

__all__ = [
    "BACKENDS",
    "MASK",
    "Masker",
    "MaskingBus",
    "MaskingStore",
    "SecretRef",
    "StreamMasker",
    "VaultBackend",
    "mask_logging",
    "parse_ref",
    "parse_refs",
    "resolve_secrets",
    "short_secrets",
]

_WHERE = {
    "BACKENDS": "base",
    "SecretRef": "base",
    "VaultBackend": "base",
    "parse_ref": "base",
    "MASK": "masking",
    "Masker": "masking",
    "StreamMasker": "masking",
    "MaskingBus": "redaction",
    "MaskingStore": "redaction",
    "mask_logging": "redaction",
    "parse_refs": "resolve",
    "resolve_secrets": "resolve",
    "short_secrets": "resolve",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"scriptrunner.vaults.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'scriptrunner.vaults' has no attribute {name!r}")
