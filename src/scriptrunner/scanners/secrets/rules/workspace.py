"""Productivity, CRM, content and data SaaS: Airtable, Asana, Notion, HubSpot, Contentful,
Typeform, Algolia, Mapbox, MaxMind, Dropbox, Box, Salesforce, Zoho, ClickUp, Trello.

Publishable keys (Mapbox ``pk.``, Algolia search-only keys) are not detected.  Sources: the
providers' token documentation where it gives the shape (Airtable ``pat``, Notion ``ntn_``,
HubSpot ``pat-<region>-``, Contentful ``CFPAT-``, Typeform ``tfp_``, Mapbox ``sk.``,
MaxMind ``_mmk``, Dropbox ``sl.``), otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import UUID, keyed, token

WORKSPACE_RULES: tuple[Rule, ...] = (
    Rule(
        # "pat" alone is the start of every "path": the rule is keyed on Airtable's name (in
        # the setting's name or the API host) a few lines around the token instead.
        id="airtable-token",
        title="Airtable personal access token",
        keywords=("airtable",),
        lines_before=3,
        lines_after=3,
        pattern=r"(?<![A-Za-z0-9_-])(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})(?![A-Za-z0-9_-])",
        min_entropy=3.0,
        examples=(
            "AIRTABLE_TOKEN=pat{alnum:14}.{hex:64}",
            'curl https://api.airtable.com/v0/meta/bases -H "Authorization: Bearer pat{alnum:14}.{hex:64}"',
        ),
        counterexamples=("AIRTABLE_TOKEN=pat{alnum:14}.{hex:30}", "TOKEN=pat{alnum:14}.{hex:64}"),
    ),
    keyed(
        "airtable-token",
        "Airtable API key (legacy)",
        ("airtable",),
        "key[A-Za-z0-9]{14}",
        words=False,
        examples=("AIRTABLE_API_KEY=key{alnum:14}",),
        counterexamples=("AIRTABLE_BASE=app{alnum:14}",),
    ),
    keyed(
        "asana-token",
        "Asana personal access token",
        ("asana",),
        r"[012]/\d{4,20}(?:/\d{4,20})?:[a-f0-9]{32}|0/[a-f0-9]{32}",
        words=False,
        chars="A-Za-z0-9_/:-",
        confidence="HIGH",
        examples=(
            "ASANA_PAT=1/{digits:16}:{hex:32}",
            "ASANA_TOKEN=2/{digits:16}/{digits:16}:{hex:32}",
        ),
        counterexamples=("ASANA_PAT=1/{digits:16}:{hex:20}",),
    ),
    token(
        "notion-token",
        "Notion integration token",
        "ntn_",
        "[0-9]{11}[A-Za-z0-9]{35}",
        examples=("NOTION_TOKEN=ntn_{digits:11}{alnum:35}",),
        counterexamples=("ntn_{digits:11}{alnum:10}",),
    ),
    keyed(
        "notion-token",
        "Notion integration token (legacy)",
        ("notion",),
        "secret_[A-Za-z0-9]{43}",
        words=False,
        confidence="HIGH",
        examples=("NOTION_API_KEY=secret_{alnum:43}",),
        counterexamples=("NOTION_API_KEY=secret_{alnum:20}",),
    ),
    token(
        "hubspot-token",
        "HubSpot private app access token",
        ("pat-na1-", "pat-na2-", "pat-eu1-", "pat-ap1-"),
        UUID,
        examples=("HUBSPOT_ACCESS_TOKEN=pat-na1-{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("pat-na1-{hex:8}",),
    ),
    keyed(
        "hubspot-token",
        "HubSpot API key (legacy)",
        ("hubspot", "hapikey"),
        UUID,
        examples=("HUBSPOT_API_KEY={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("HUBSPOT_PORTAL={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
    ),
    token(
        "contentful-token",
        "Contentful personal access token",
        "CFPAT-",
        "[A-Za-z0-9_-]{43}",
        examples=("CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-{url:43}",),
        counterexamples=("CFPAT-{url:20}",),
    ),
    keyed(
        "contentful-token",
        "Contentful delivery or preview token",
        ("contentful",),
        "[A-Za-z0-9_-]{43}",
        severity=Severity.WARNING,
        examples=("CONTENTFUL_DELIVERY_TOKEN={url:43}",),
        counterexamples=("CONTENTFUL_SPACE_ID={url:43}",),
    ),
    token(
        "typeform-token",
        "Typeform personal access token",
        "tfp_",
        "[A-Za-z0-9_.=-]{55,65}",
        examples=("TYPEFORM_TOKEN=tfp_{url:44}_{url:14}",),
        counterexamples=("tfp_{url:20}",),
    ),
    keyed(
        "algolia-admin-key",
        "Algolia admin or write API key",
        (
            "algolia_admin",
            "algoliaadmin",
            "algolia-admin",
            "algolia_write",
            "algolia_api_key",
            "algoliaapikey",
            "algolia_secret",
        ),
        "[a-f0-9]{32}",
        words=False,
        examples=("ALGOLIA_ADMIN_API_KEY={hex:32}", "ALGOLIA_API_KEY={hex:32}"),
        counterexamples=("ALGOLIA_SEARCH_API_KEY={hex:32}", "ALGOLIA_APP_ID={UPPER:10}"),
    ),  # fmt: skip
    token(
        "mapbox-secret-token",
        "Mapbox secret access token",
        "sk.eyJ",
        r"[A-Za-z0-9_-]{50,400}\.[A-Za-z0-9_-]{20,40}",
        chars="A-Za-z0-9_.-",
        examples=("MAPBOX_DOWNLOADS_TOKEN=sk.eyJ{url:80}.{url:22}",),
        counterexamples=("pk.eyJ{url:80}.{url:22}", "sk.eyJ{url:10}"),
    ),
    Rule(
        id="maxmind-license-key",
        title="MaxMind license key",
        keywords=("_mmk",),
        pattern=r"(?<![A-Za-z0-9_])(?P<secret>[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?![A-Za-z0-9_])",
        severity=Severity.HIGH,
        min_entropy=3.5,
        examples=("MAXMIND_LICENSE_KEY={alnum:6}_{alnum:29}_mmk",),
        counterexamples=("{alnum:6}_{alnum:20}_mmk",),
    ),
    keyed(
        "maxmind-license-key",
        "MaxMind license key (legacy)",
        ("maxmind", "geoip", "geolite"),
        "[A-Za-z0-9]{16}",
        severity=Severity.HIGH,
        examples=("MAXMIND_LICENSE_KEY={alnum:16}", "GEOIPUPDATE_LICENSE_KEY={alnum:16}"),
        counterexamples=("MAXMIND_ACCOUNT_ID={alnum:16}",),
    ),
    token(
        "dropbox-token",
        "Dropbox short-lived access token",
        ("sl.u.", "sl.B", "sl.A", "sl.C"),
        "[A-Za-z0-9_-]{130,1400}",
        keyword_boundary=True,
        examples=("DROPBOX_ACCESS_TOKEN=sl.B{url:138}", "sl.u.{url:200}"),
        counterexamples=("sl.B{url:20}",),
    ),
    keyed(
        "dropbox-token",
        "Dropbox long-lived access token",
        # The longer names keep Box's "box_..." keywords visible to the prefilter inside them.
        (
            "dropbox",
            "dropbox_access_token",
            "dropbox_api_key",
            "dropbox_client_secret",
            "dropbox_developer_token",
        ),
        "[A-Za-z0-9_-]{11}AAAAAAAAAA[A-Za-z0-9_=-]{43}|[A-Za-z0-9_-]{64}",
        severity=Severity.CRITICAL,
        examples=("DROPBOX_TOKEN={url:11}AAAAAAAAAA{url:43}",),
        counterexamples=("DROPBOX_APP_KEY={lowalnum:15}",),
    ),
    keyed(
        "box-token",
        "Box developer token or client secret",
        ("box_client_secret", "box_developer_token", "box_access_token", "box_api_key"),
        "[A-Za-z0-9]{32}",
        words=False,
        examples=("BOX_CLIENT_SECRET={alnum:32}",),
        counterexamples=("BOX_CLIENT_ID={alnum:32}",),
    ),
    Rule(
        id="salesforce-token",
        title="Salesforce access token or session ID",
        keywords=("00d",),
        keyword_boundary=True,
        pattern=r"(?<![A-Za-z0-9_!.-])(?P<secret>00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,260})"
        r"(?![A-Za-z0-9._])",
        min_entropy=3.5,
        examples=("SF_ACCESS_TOKEN=00D{alnum:15}!{alnum:100}.{alnum:30}",),
        counterexamples=("00D{alnum:15}!{alnum:20}",),
    ),
    token(
        "zoho-token",
        "Zoho OAuth refresh or access token",
        "1000.",
        r"[a-f0-9]{32}\.[a-f0-9]{32}",
        keyword_boundary=True,
        examples=("ZOHO_REFRESH_TOKEN=1000.{hex:32}.{hex:32}",),
        counterexamples=("1000.{hex:32}",),
    ),
    keyed(
        "clickup-token",
        "ClickUp personal API token",
        ("clickup",),
        r"pk_\d{6,9}_[A-Z0-9]{32}",
        words=False,
        confidence="HIGH",
        examples=("CLICKUP_API_TOKEN=pk_{digits:8}_{UPPER:32}",),
        counterexamples=("CLICKUP_API_TOKEN=pk_{digits:8}_{UPPER:10}",),
    ),
    keyed(
        "trello-token",
        "Trello API token or secret",
        ("trello",),
        "[a-f0-9]{64}|ATTA[A-Za-z0-9]{60,70}",
        examples=("TRELLO_TOKEN={hex:64}", "TRELLO_TOKEN=ATTA{alnum:64}"),
        counterexamples=("TRELLO_BOARD={hex:64}",),
    ),
)

__all__ = ["WORKSPACE_RULES"]
