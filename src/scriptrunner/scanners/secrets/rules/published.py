"""Example credentials that providers publish in their documentation and SDKs.

They have the exact shape of real credentials, appear in countless READMEs, tutorials and
tests, and grant nothing: a finding on one is noise.  Each rule id lists its published
values (exact strings; the general ``EXAMPLE``-suffix and placeholder rules live in
``allowlist.py``); :func:`with_published_examples` adds them to the rules' ``allow``.

Sources:

* Google API keys: the sample keys in firebase/firebase-android-sdk (test and sample
  ``google-services.json`` files), as gitleaks also allow-lists them (``gcp-api-key``);
* Azure: the Azure Cosmos DB emulator's fixed key (Microsoft Learn, "Azure Cosmos DB
  emulator", "Authenticate requests") and Azurite's ``devstoreaccount1`` key (Azurite
  README, "Default storage account");
* Mailgun: the API key of the ``samples.mailgun.org`` domain in Mailgun's API reference;
* Hetzner Cloud: the token in the ``hetzner.hcloud`` Ansible collection's authentication
  guide;
* Stripe: the test-mode keys printed in Stripe's API reference;
* Slack: the fake token of Slack's SDK documentation;
* jwt.io: the token its debugger opens with;
* HTTP Basic: the ``Aladdin:open sesame`` and ``test:123£`` examples of RFC 7617 (sections 2
  and 2.1).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from scriptrunner.scanners.secrets.rules.model import Rule

_FIREBASE_SAMPLES = (
    "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
    "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
    "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
    "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
    "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
    "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
    "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
)
_COSMOS_EMULATOR = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
_AZURITE = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

#: rule id -> the published example values of that credential type.
PUBLISHED_EXAMPLES: dict[str, tuple[str, ...]] = {
    "google-api-key": _FIREBASE_SAMPLES,
    "azure-cosmosdb-key": (_COSMOS_EMULATOR, _AZURITE),
    "azure-storage-key": (_COSMOS_EMULATOR, _AZURITE),
    "mailgun-api-key": ("key-3ax6xnjp29jd6fds4gc373sgvjxteol0",),
    "hetzner-api-token": ("LRK9DAWQ1ZAEFSrCNEEzLCUwhYX1U3g7wMg4dTlkkDC96fyDuyJ39nVbVjCKSDfj",),
    "stripe-key": (
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "sk_test_26PHem9AhJZvU623DfE1x4sd",
        "rk_test_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    "slack-token": ("xoxb-not-a-real-token-this-will-not-work",),
    "http-basic-auth": ("QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "dGVzdDoxMjPCow=="),
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ),
}

#: Every published value, for rules that read a value under any name (generic rules).
PUBLISHED_VALUES = frozenset(v for values in PUBLISHED_EXAMPLES.values() for v in values)


def with_published_examples(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """``rules`` with each rule's published example values added to its ``allow`` (all of
    them for the near-miss rule, which sees every provider's prefixes)."""
    out = []
    for rule in rules:
        values = PUBLISHED_EXAMPLES.get(rule.id, ())
        if rule.id == "malformed-provider-token":
            values = tuple(sorted(PUBLISHED_VALUES))
        if values and rule.family == "pattern":
            exact = tuple(f"^{re.escape(v)}$" for v in values)
            rule = dataclasses.replace(rule, allow=rule.allow + exact)
        out.append(rule)
    return tuple(out)


__all__ = ["PUBLISHED_EXAMPLES", "PUBLISHED_VALUES", "with_published_examples"]
