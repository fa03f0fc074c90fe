"""Near misses: a provider's token prefix followed by a body the provider never issues
(wrong length or alphabet), reported at LOW confidence.

A value such as ``ghp_`` + 30 characters or ``dckr_pat_`` + 12 is a truncated, made-up or
placeholder token, not a credential the provider accepts.  Without this rule the generic
``name = value`` rules would report it at MEDIUM (``GITHUB_TOKEN = "ghp_..."``); this rule
claims the span first (its priority is above the generic rules', below every provider
rule's), so the value is reported only at LOW and hidden at the default
``--min-confidence medium``.  A well-formed token is still reported by its provider rule.

Only distinctive prefixes count: at least 4 characters ending in ``_``, ``-`` or ``.``
(``ghp_``, ``xoxb-``, ``hvs.``), and a few well-known shorter ones (``AKIA``, ``AIza``,
``SG.``, ``hf_``), so a password that happens to start like a token (``exo...``,
``sk_...``) is not affected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule

#: Prefixes of providers whose token format is fully published (length and alphabet), so a
#: different body really is a near miss (``providers.py``, ``saas.py``).  Formats known
#: only from other scanners' rules are left out: a real token of a length those rules did
#: not foresee must not be demoted.
LISTED_PREFIXES = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-",
    "glptt-", "glsoat-", "glcbt-", "glimt-", "gloas-", "glft-", "glffct-", "glagent-",
    "npm_", "dop_v1_", "doo_v1_", "dor_v1_", "HRKU-", "xoxb-", "xoxa-", "xoxp-", "xoxr-",
    "xoxs-", "xoxe-", "xapp-", "sk_live_", "rk_live_", "sk_test_", "rk_test_", "GOCSPX-",
    "shpat_", "shpca_", "shppa_", "shpss_", "sk-ant-", "sk-proj-", "sk-svcacct-",
    "sk-admin-", "sq0atp-", "sq0csp-",
)  # fmt: skip


#: Short prefixes that are distinctive all the same.
KNOWN_SHORT = ("AKIA", "ASIA", "AIza", "SG.", "hf_")


def _distinctive(prefix: str) -> bool:
    return (len(prefix) >= 4 and prefix[-1] in "_-.") or prefix in KNOWN_SHORT


def _token_like(value: str) -> bool:
    """Long enough and with a digit: ``npm_config_registry`` is a name, not a token."""
    return len(value) >= 12 and any(c.isdigit() for c in value)


def malformed_token_rule(prefixes: Iterable[str]) -> Rule:
    """The near-miss rule over ``prefixes`` (with their case: ``npm_``, not ``NPM_``)."""
    heads = sorted({p for p in (*prefixes, *KNOWN_SHORT) if _distinctive(p)}, key=len, reverse=True)
    alternation = "|".join(re.escape(h) for h in heads)
    return Rule(
        id="malformed-provider-token",
        title="Provider token prefix with a malformed body",
        keywords=tuple(dict.fromkeys(h.lower() for h in heads)),
        pattern=rf"(?<![A-Za-z0-9_.+/-])(?P<secret>(?:{alternation})[A-Za-z0-9_.+/-]{{1,300}}"
        r"={0,2})(?![A-Za-z0-9_.+/=-])",
        validator=_token_like,
        confidence="LOW",
        severity=Severity.WARNING,
        priority=15,
        examples=(
            "GITHUB_TOKEN = 'ghp_{alnum:30}'",
            "NPM_TOKEN=npm_{alnum:30}",
            "aws_access_key_id = AKIA{aws:12}",
        ),
        counterexamples=(
            "GITHUB_TOKEN = 'ghp_{gh:36}'",
            "password = 'exo{alnum:20}'",
            'token = os.environ["NPM_AUTH_TOKEN"]',
            "npm_config_registry=https://registry.npmjs.org/",
        ),
    )


__all__ = ["KNOWN_SHORT", "LISTED_PREFIXES", "malformed_token_rule"]
