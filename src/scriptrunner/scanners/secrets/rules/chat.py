"""Chat, social and collaboration platforms: Slack session tokens, Discord and Microsoft
Teams webhooks (incoming and Power Automate workflows), Zapier hooks, Mattermost, Twitch,
X/Twitter, Facebook, LinkedIn, Intercom, Zendesk, Lark, Pusher, Sendbird, Zoom, Gitter.

Webhook URLs are credentials: anyone holding one can post as the integration.  Sources:
Slack's token-types page, Discord's and Microsoft's webhook documentation, Power Automate's
"workflows" trigger URLs, otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import UUID, keyed, token

_ALNUM = "A-Za-z0-9"
_UUID_ANY = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TEAMS_HOOK = (
    "https://{lowalnum:8}.webhook.office.com/webhookb2/{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"
    "@{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}/IncomingWebhook/{hex:32}/"
    "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"
)

CHAT_RULES: tuple[Rule, ...] = (
    token(
        "slack-token",
        "Slack session token",
        "xoxc-",
        r"\d{9,15}-\d{9,15}-\d{9,15}-[a-f0-9]{64}",
        examples=("SLACK_XOXC=xoxc-{digits:12}-{digits:12}-{digits:13}-{hex:64}",),
        counterexamples=("xoxc-{digits:12}-{hex:64}",),
    ),
    token(
        "slack-token",
        "Slack session cookie",
        "xoxd-",
        "[A-Za-z0-9%/+=_-]{100,600}",
        chars=_ALNUM + "%/+=_-",
        examples=("Cookie: d=xoxd-{url:180}",),
        counterexamples=("xoxd-{url:40}",),
    ),
    Rule(
        id="discord-webhook",
        title="Discord webhook URL",
        keywords=("/api/webhooks/",),
        pattern=r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/"
        r"(?P<secret>\d{17,20}/[A-Za-z0-9_-]{60,68})(?![A-Za-z0-9_-])",
        severity=Severity.HIGH,
        min_entropy=3.5,
        examples=("DISCORD_WEBHOOK=https://discord.com/api/webhooks/{digits:19}/{url:68}",),
        counterexamples=("https://discord.com/api/webhooks/{digits:19}/{url:20}",),
    ),
    Rule(
        id="teams-webhook",
        title="Microsoft Teams incoming webhook URL",
        keywords=("webhook.office.com", "outlook.office.com/webhook"),
        pattern=r"https://[A-Za-z0-9-]+\.(?:webhook\.office|outlook\.office)\.com/webhook(?:b2)?/"
        rf"(?P<secret>{_UUID_ANY}@{_UUID_ANY}/IncomingWebhook/[a-fA-F0-9]{{32}}/{_UUID_ANY}"
        r"(?:/[A-Za-z0-9_-]{20,80})?)",
        severity=Severity.HIGH,
        min_entropy=3.0,
        examples=(f"TEAMS_WEBHOOK_URL={_TEAMS_HOOK}", f'"url": "{_TEAMS_HOOK}/V2{{url:40}}"'),
        counterexamples=(
            "https://x.webhook.office.com/webhookb2/{hex:8}@{hex:8}/IncomingWebhook/{hex:32}/x",
        ),
    ),
    Rule(
        id="teams-workflow-webhook",
        title="Power Automate / Logic Apps workflow trigger URL (Teams workflows)",
        keywords=("/paths/invoke",),
        pattern=r"/workflows/[a-f0-9]{32}/triggers/[\w.-]{1,64}/paths/invoke\?[^\s\"'<>]{0,200}?"
        r"\bsig=(?P<secret>[A-Za-z0-9_%-]{40,90})(?![A-Za-z0-9_%-])",
        severity=Severity.HIGH,
        min_entropy=3.5,
        priority=22,  # the signature is also a SAS signature
        examples=(
            "WEBHOOK=https://prod-12.westus.logic.azure.com:443/workflows/{hex:32}/triggers/manual"
            "/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
            "&sig={url:43}",
        ),
        counterexamples=(
            "https://prod-12.westus.logic.azure.com/workflows/{hex:32}/triggers/manual"
            "/paths/invoke?api-version=2016-06-01&sig=<signature>",
        ),
    ),
    Rule(
        id="zapier-webhook",
        title="Zapier catch hook URL",
        keywords=("hooks.zapier.com/hooks/catch/",),
        pattern=r"hooks\.zapier\.com/hooks/catch/(?P<secret>\d{4,12}/[a-z0-9]{5,12})(?![a-z0-9])",
        severity=Severity.HIGH,
        examples=("ZAPIER_HOOK=https://hooks.zapier.com/hooks/catch/{digits:8}/{lowalnum:7}/",),
        counterexamples=("https://hooks.zapier.com/hooks/catch/123/",),
    ),
    keyed(
        "mattermost-token",
        "Mattermost access token",
        ("mattermost",),
        "[a-z0-9]{26}",
        examples=("MATTERMOST_TOKEN={lowalnum:26}",),
        counterexamples=("MATTERMOST_TEAM_ID={lowalnum:26}",),
    ),
    keyed(
        "twitch-token",
        "Twitch client secret or OAuth token",
        ("twitch",),
        "(?:oauth:)?[a-z0-9]{30}",
        examples=("TWITCH_CLIENT_SECRET={lowalnum:30}", "twitch_token: oauth:{lowalnum:30}"),
        counterexamples=("TWITCH_CLIENT_ID={lowalnum:30}",),
    ),
    token(
        "twitter-bearer-token",
        "X (Twitter) app bearer token",
        "AAAAAAAAAAAAAAAAAAAAA",
        "[A-Za-z0-9%]{30,140}",
        chars=_ALNUM + "%",
        keywords=("aaaaaaaaaaaaaaaaaaaaa",),
        examples=("TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAA{alnum:20}%3D{alnum:50}",),
        counterexamples=("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",),
    ),
    keyed(
        "twitter-api-secret",
        "X (Twitter) API key secret or access token secret",
        ("twitter", "consumer_secret", "access_token_secret"),
        "[A-Za-z0-9]{45}|[A-Za-z0-9]{50}",
        examples=("TWITTER_API_SECRET={alnum:50}", "TWITTER_ACCESS_TOKEN_SECRET={alnum:45}"),
        counterexamples=("TWITTER_HANDLE_HASH={alnum:50}",),
    ),
    keyed(
        "twitter-api-secret",
        "X (Twitter) access token",
        ("twitter",),
        r"\d{15,25}-[A-Za-z0-9]{20,40}",
        examples=("TWITTER_ACCESS_TOKEN={digits:19}-{alnum:31}",),
        counterexamples=("TWITTER_USER={digits:19}",),
    ),
    token(
        "facebook-access-token",
        "Facebook / Meta access token",
        tuple(f"EAA{c}" for c in "BCDGIJMQRUVZ"),
        "[A-Za-z0-9]{90,400}",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("FB_PAGE_TOKEN=EAAB{alnum:180}", "access_token=EAAG{alnum:120}"),
        counterexamples=("EAAB{alnum:40}",),
    ),
    keyed(
        "facebook-app-secret",
        "Facebook / Meta app secret",
        ("facebook", "fb_app_secret", "fb_secret", "meta_app_secret"),
        "[a-f0-9]{32}",
        examples=("FACEBOOK_APP_SECRET={hex:32}", "fb_app_secret: {hex:32}"),
        counterexamples=("FACEBOOK_PIXEL_ID={hex:32}",),
    ),
    keyed(
        "facebook-app-secret",
        "Facebook / Meta app access token",
        ("facebook", "fb_"),
        r"\d{15,16}(?:\||%7[Cc])[A-Za-z0-9_-]{27,40}",
        examples=("FB_APP_TOKEN={digits:15}|{url:32}",),
        counterexamples=("FB_APP_TOKEN={digits:15}",),
    ),
    keyed(
        "linkedin-client-secret",
        "LinkedIn client secret",
        ("linkedin", "linked_in"),
        "[A-Za-z0-9]{16}",
        examples=("LINKEDIN_CLIENT_SECRET={alnum:16}",),
        counterexamples=("LINKEDIN_CLIENT_ID={alnum:14}", "LINKEDIN_COMPANY={alnum:16}"),
    ),
    keyed(
        "intercom-token",
        "Intercom access token",
        ("intercom",),
        "[A-Za-z0-9_=-]{60}",
        examples=("INTERCOM_ACCESS_TOKEN={url:59}=",),
        counterexamples=("INTERCOM_APP_ID={url:60}",),
    ),
    keyed(
        "zendesk-token",
        "Zendesk API token",
        ("zendesk",),
        "[A-Za-z0-9]{40}",
        examples=("ZENDESK_API_TOKEN={alnum:40}",),
        counterexamples=("ZENDESK_SUBDOMAIN={alnum:40}",),
    ),
    keyed(
        "lark-app-secret",
        "Lark / Feishu app secret",
        ("lark", "feishu"),
        "[A-Za-z0-9]{32}",
        examples=("FEISHU_APP_SECRET={alnum:32}",),
        counterexamples=("FEISHU_APP_ID={alnum:32}",),
        nested=False,  # a common word: no section-header matches
    ),
    keyed(
        "pusher-secret",
        "Pusher Channels app secret",
        ("pusher",),
        "[a-f0-9]{20}",
        examples=("PUSHER_APP_SECRET={hex:20}",),
        counterexamples=("PUSHER_APP_KEY_ID={hex:16}",),
    ),
    keyed(
        "sendbird-token",
        "Sendbird API token",
        ("sendbird",),
        "[a-f0-9]{40}",
        examples=("SENDBIRD_API_TOKEN={hex:40}",),
        counterexamples=("SENDBIRD_APP_ID={hex:40}",),
    ),
    keyed(
        "zoom-secret",
        "Zoom app client secret",
        ("zoom",),
        "[A-Za-z0-9]{32}",
        examples=("ZOOM_CLIENT_SECRET={alnum:32}",),
        counterexamples=("ZOOM_MEETING_ID={alnum:32}",),
        nested=False,  # a common word: no section-header matches
    ),
    keyed(
        "gitter-token",
        "Gitter access token",
        ("gitter",),
        "[a-f0-9]{40}",
        examples=("GITTER_TOKEN={hex:40}",),
        counterexamples=("GITTER_ROOM={hex:40}",),
    ),
    keyed(
        "discord-client-secret",
        "Discord OAuth client secret",
        ("discord",),
        "[A-Za-z0-9_-]{32}",
        examples=("DISCORD_CLIENT_SECRET={url:32}",),
        counterexamples=("DISCORD_GUILD={url:32}",),
    ),
    keyed(
        "webex-token",
        "Webex bot or integration token",
        ("webex",),
        r"[A-Za-z0-9]{64}_[A-Za-z0-9]{4}_" + UUID,
        examples=("WEBEX_BOT_TOKEN={alnum:64}_PF84_{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("WEBEX_BOT_TOKEN={alnum:64}",),
    ),
)

__all__ = ["CHAT_RULES"]
