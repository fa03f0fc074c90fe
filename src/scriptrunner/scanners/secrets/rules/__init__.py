"""The detector table: every rule, by module -- provider formats (``providers.py``, ``azure*.py``,
``cloud.py`` ... ``services.py``, built with ``shapes.py`` and checked by ``checksums.py``),
structural formats and key material, generic ``name = value`` rules, tool formats, and the
near-miss rule; published example credentials (``published.py``) are added to each rule's
allowlist."""

from __future__ import annotations

from scriptrunner.scanners.secrets.rules.ai import AI_RULES
from scriptrunner.scanners.secrets.rules.ai_tools import AI_TOOL_RULES
from scriptrunner.scanners.secrets.rules.azure import AZURE_RULES
from scriptrunner.scanners.secrets.rules.azure_named import AZURE_NAMED_RULES
from scriptrunner.scanners.secrets.rules.chat import CHAT_RULES
from scriptrunner.scanners.secrets.rules.cloud import CLOUD_RULES
from scriptrunner.scanners.secrets.rules.comms import COMMS_RULES
from scriptrunner.scanners.secrets.rules.crypto_keys import CRYPTO_KEY_RULES
from scriptrunner.scanners.secrets.rules.devtools import DEVTOOLS_RULES
from scriptrunner.scanners.secrets.rules.formats import FORMAT_RULES
from scriptrunner.scanners.secrets.rules.generic import GENERIC_RULES
from scriptrunner.scanners.secrets.rules.hosting import HOSTING_RULES
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.nearmiss import LISTED_PREFIXES, malformed_token_rule
from scriptrunner.scanners.secrets.rules.observability import OBSERVABILITY_RULES
from scriptrunner.scanners.secrets.rules.payments import PAYMENT_RULES
from scriptrunner.scanners.secrets.rules.platform import PLATFORM_RULES
from scriptrunner.scanners.secrets.rules.providers import PROVIDER_RULES
from scriptrunner.scanners.secrets.rules.published import with_published_examples
from scriptrunner.scanners.secrets.rules.registries import REGISTRY_RULES
from scriptrunner.scanners.secrets.rules.saas import SAAS_RULES
from scriptrunner.scanners.secrets.rules.services import SERVICE_RULES
from scriptrunner.scanners.secrets.rules.structural import STRUCTURAL_RULES
from scriptrunner.scanners.secrets.rules.workspace import WORKSPACE_RULES

RULES: tuple[Rule, ...] = with_published_examples(
    (
        *PROVIDER_RULES,
        *AZURE_RULES,
        *AZURE_NAMED_RULES,
        *CLOUD_RULES,
        *HOSTING_RULES,
        *PLATFORM_RULES,
        *DEVTOOLS_RULES,
        *REGISTRY_RULES,
        *SAAS_RULES,
        *CHAT_RULES,
        *PAYMENT_RULES,
        *COMMS_RULES,
        *AI_RULES,
        *AI_TOOL_RULES,
        *OBSERVABILITY_RULES,
        *WORKSPACE_RULES,
        *SERVICE_RULES,
        *STRUCTURAL_RULES,
        *CRYPTO_KEY_RULES,
        *GENERIC_RULES,
        *FORMAT_RULES,
        malformed_token_rule(LISTED_PREFIXES),
    )
)
#: Every rule id once, in table order (several rules may share an id).
RULE_IDS: tuple[str, ...] = tuple(dict.fromkeys(r.id for r in RULES))


def first_rule(rule_id: str) -> Rule:
    """The first rule with ``rule_id`` (its title and severity stand for the id)."""
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


__all__ = ["RULES", "RULE_IDS", "Rule", "first_rule"]
