"""Credentials of SaaS and AI providers: chat, payments, messaging, e-mail, AI APIs.

A few of these shapes are not distinctive on their own (a Twilio API key is ``SK`` and 32 hex
digits, a Mailgun key ``key-`` and 32 characters, a Discord bot token three dotted base64
parts): those rules are keyed on the provider's name and look a few lines around it.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import (
    ASSIGN,
    TOKEN_END,
    TOKEN_END_DASH,
    TOKEN_START,
    TOKEN_START_DASH,
    Rule,
)

SAAS_RULES: tuple[Rule, ...] = (
    Rule(
        id="slack-token",
        title="Slack token",
        keywords=("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-", "xoxe-", "xoxo-", "xoxe.", "xapp-"),
        # Configuration refresh tokens (xoxe-1-...) run to 146 characters after the digits.
        pattern=r"(?<![A-Za-z0-9])(?P<secret>xox[abeoprs]-(?:\d{1,13}-){1,3}[A-Za-z0-9-]{8,200}"
        r"|xapp-\d-[A-Z0-9]{9,12}-\d{10,13}-[a-z0-9]{32,80}"
        r"|xoxe\.xox[bp]-\d-[A-Za-z0-9]{100,200})(?![A-Za-z0-9-])",
        min_entropy=3.0,
        examples=(
            "SLACK_BOT_TOKEN=xoxb-{digits:12}-{digits:13}-{alnum:24}",
            'token = "xoxp-{digits:12}-{digits:12}-{digits:13}-{hex:32}"',
        ),
        counterexamples=("xoxb-your-token-here", "xoxb-000000000000-000000000000-xxxxxxxx"),
    ),
    Rule(
        id="slack-webhook",
        title="Slack incoming webhook",
        keywords=("hooks.slack.com/",),
        # services/T.../B.../secret, workflows/T.../A.../<digits>/secret,
        # triggers/T.../<digits>/<hex secret> (Slack's incoming-webhook and Workflow docs).
        pattern=r"hooks\.slack\.com/(?:services|workflows|triggers)/"
        r"(?P<secret>T[A-Z0-9]{6,12}/[A-Z0-9]{6,14}/(?:\d{6,20}/)?[A-Za-z0-9]{20,40})",
        severity=Severity.HIGH,
        min_entropy=3.0,
        examples=(
            "url = https://hooks.slack.com/services/T{UPPER:8}/B{UPPER:8}/{alnum:24}",
            "https://hooks.slack.com/workflows/T{UPPER:8}/A{UPPER:10}/{digits:18}/{alnum:24}",
            "https://hooks.slack.com/triggers/T{UPPER:8}/{digits:13}/{hex:32}",
        ),
        counterexamples=("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXX",),
    ),
    Rule(
        id="stripe-key",
        title="Stripe live secret key",
        keywords=("sk_live_", "rk_live_"),
        pattern=TOKEN_START + r"(?P<secret>[sr]k_live_[A-Za-z0-9]{24,247})" + TOKEN_END,
        min_entropy=3.0,
        examples=("STRIPE_KEY=sk_live_{alnum:24}", "rk_live_{alnum:99}", "sk_live_{alnum:107}"),
        counterexamples=("pk_live_{alnum:24}", "sk_live_{alnum:20}"),
    ),
    Rule(
        id="stripe-key",
        title="Stripe test secret key",
        keywords=("sk_test_", "rk_test_"),
        pattern=TOKEN_START + r"(?P<secret>[sr]k_test_[A-Za-z0-9]{24,247})" + TOKEN_END,
        severity=Severity.HIGH,
        min_entropy=3.0,
        examples=("stripe.api_key = 'sk_test_{alnum:24}'",),
        counterexamples=("stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",),
    ),
    Rule(
        id="google-api-key",
        title="Google API key",
        keywords=("aiza",),
        keyword_boundary=True,
        pattern=TOKEN_START_DASH + r"(?P<secret>AIza[0-9A-Za-z_-]{35})" + TOKEN_END_DASH,
        severity=Severity.HIGH,
        min_entropy=3.5,
        examples=('GOOGLE_API_KEY = "AIza{url:35}"',),
        counterexamples=(
            "AIza{url:30}",
            'apiKey: "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs"',  # a Firebase SDK sample key
        ),
    ),
    Rule(
        id="google-oauth-client-secret",
        title="Google OAuth client secret",
        keywords=("gocspx-",),
        pattern=TOKEN_START_DASH + r"(?P<secret>GOCSPX-[A-Za-z0-9_-]{28})" + TOKEN_END_DASH,
        min_entropy=3.0,
        examples=('"client_secret": "GOCSPX-{url:28}"',),
        counterexamples=("GOCSPX-{url:20}",),
    ),
    Rule(
        id="twilio-api-key",
        title="Twilio API key",
        keywords=("twilio",),
        lines_before=8,
        lines_after=8,
        pattern=r"(?<![A-Za-z0-9])(?P<secret>SK[0-9a-f]{32})(?![A-Za-z0-9])",
        min_entropy=3.0,
        priority=30,
        examples=("TWILIO_API_KEY=SK{hex:32}",),
        counterexamples=("API_KEY=SK{hex:32}", "TWILIO_API_KEY=SK{hex:31}"),
    ),
    Rule(
        id="twilio-api-key",
        title="Twilio auth token",
        keywords=("twilio",),
        lines_before=8,
        lines_after=8,
        pattern=r"(?:(?:auth|account|api)[_.-]?(?:token|secret)|twilio[_.-]?(?:auth[_.-]?)?"
        r"(?:token|secret))" + ASSIGN + r"(?P<secret>[0-9a-zA-Z]{32})(?![A-Za-z0-9])",
        flags=re.IGNORECASE,
        min_entropy=3.0,
        priority=30,
        examples=(
            "TWILIO_ACCOUNT_SID=AC{hex:32}\nTWILIO_AUTH_TOKEN={hex:32}",
            'os.environ.setdefault("TWILIO_AUTH_TOKEN", "{hex:32}")',
            './manage.py sync_remote --twilio-auth-token "{hex:32}"',
            'const twilioAuthToken: string = "{hex:32}";',
            '<add key="TwilioAuthToken" value="{hex:32}" />',
        ),
        counterexamples=("AUTH_TOKEN={hex:32}", 'TWILIO_ACCOUNT_SID = "AC{hex:32}"'),
    ),
    Rule(
        id="twilio-api-key",
        title="Twilio auth token",
        # Client("AC<account SID>", "<auth token>"): the SID alone is an identifier.  The pair
        # is distinctive enough without the word twilio (``from twilio.rest import Client`` may
        # be far away): a call whose first argument is an account SID also triggers the rule.
        keywords=("twilio", '("ac', "('ac", '(\\"ac'),
        lines_before=8,
        lines_after=8,
        pattern=r"AC[0-9a-f]{32}\\{0,2}[\"']\s{0,3},\s{0,3}\\{0,2}[\"'](?P<secret>[0-9a-f]{32})"
        r"\\{0,2}[\"']",
        min_entropy=3.0,
        priority=30,
        examples=(
            'from twilio.rest import Client\nclient = Client("AC{hex:32}", "{hex:32}")',
            'client = Client("AC{hex:32}", "{hex:32}")',
            '    "client = Client(\\"AC{hex:32}\\", \\"{hex:32}\\")\\n",',
        ),
        counterexamples=(
            'client = Client("AC{hex:32}", "{hex:16}")',
            'client = Client("AC{hex:32}", "{hex:32}{hex:8}")',
            'record = Record("AC{hex:32}", "00000000000000000000000000000000")',
        ),
    ),
    Rule(
        id="sendgrid-api-key",
        title="SendGrid API key",
        keywords=("sg.",),
        keyword_boundary=True,
        pattern=TOKEN_START_DASH
        + r"(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"
        + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=("SENDGRID_API_KEY=SG.{url:22}.{url:43}",),
        counterexamples=("msg.{url:22}.{url:43}", "SG.{url:22}.{url:40}"),
    ),
    Rule(
        id="mailgun-api-key",
        title="Mailgun API key",
        keywords=("mailgun",),
        lines_before=8,
        lines_after=8,
        pattern=TOKEN_START_DASH
        + r"(?P<secret>key-[0-9a-z]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})"
        + TOKEN_END_DASH,
        min_entropy=3.0,
        examples=("MAILGUN_API_KEY=key-{lowalnum:32}",),
        counterexamples=(
            "API_KEY=key-{lowalnum:32}",
            "MAILGUN_API_KEY=key-3ax6xnjp29jd6fds4gc373sgvjxteol0",  # Mailgun's docs
        ),
    ),
    Rule(
        id="shopify-token",
        title="Shopify access token",
        keywords=("shpat_", "shpca_", "shppa_", "shpss_"),
        pattern=TOKEN_START + r"(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})" + TOKEN_END,
        min_entropy=3.0,
        examples=("SHOPIFY_TOKEN=shpat_{hex:32}",),
        counterexamples=("shpat_{hex:31}",),
    ),
    Rule(
        id="discord-bot-token",
        title="Discord bot token",
        keywords=("discord", "bot_token", "bot-token", "bottoken"),
        lines_before=5,
        lines_after=5,
        pattern=r"(?<![A-Za-z0-9_.-])(?P<secret>[MNO][A-Za-z0-9]{23,25}\.[A-Za-z0-9_-]{6}"
        r"\.[A-Za-z0-9_-]{27,38})(?![A-Za-z0-9_.-])",
        min_entropy=3.5,
        examples=("DISCORD_BOT_TOKEN={discord}",),
        counterexamples=("TOKEN={discord}",),
    ),
    Rule(
        id="telegram-bot-token",
        title="Telegram bot token",
        keywords=(":aa",),
        # In a Bot API URL the token follows ``/bot`` with no boundary before its digits.
        pattern=r"(?:(?<=/bot)|(?<![A-Za-z0-9_:]))(?P<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})"
        + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=(
            "TELEGRAM_TOKEN={digits:10}:AA{url:33}",
            "NOTIFY_URL=https://api.telegram.org/bot{digits:10}:AA{url:33}/sendMessage",
        ),
        counterexamples=(
            "{digits:10}:AA{url:30}",
            "https://api.telegram.org/bot{digits:10}:AA{url:30}/sendMessage",
            "robot{digits:10}:AA{url:33}",
        ),
    ),
    Rule(
        id="square-token",
        title="Square access token",
        keywords=("eaaa", "sq0atp-", "sq0csp-"),
        keyword_boundary=True,
        pattern=TOKEN_START_DASH
        + r"(?P<secret>EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})"
        + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=("SQUARE_ACCESS_TOKEN=EAAA{url:60}", "sq0csp-{url:43}"),
        counterexamples=("EAAA{url:50}",),
    ),
    Rule(
        id="openai-api-key",
        title="OpenAI API key",
        keywords=("t3blbkfj", "sk-proj-", "sk-svcacct-", "sk-admin-"),
        pattern=TOKEN_START_DASH
        + r"(?P<secret>sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{0,160}T3BlbkFJ"
        r"[A-Za-z0-9_-]{0,160}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{80,250})" + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=("OPENAI_API_KEY=sk-{alnum:20}T3BlbkFJ{alnum:20}", "sk-proj-{url:120}"),
        counterexamples=("sk-proj-{url:40}",),
    ),
    Rule(
        id="openai-api-key",
        title="OpenAI API key",
        keywords=("sk-",),
        keyword_boundary=True,
        pattern=TOKEN_START_DASH + r"(?P<secret>sk-[A-Za-z0-9]{48})" + TOKEN_END_DASH,
        confidence="MEDIUM",
        severity=Severity.HIGH,
        min_entropy=4.0,
        priority=15,
        examples=('openai.api_key = "sk-{alnum:48}"',),
        counterexamples=("task-{alnum:48}", "sk-{alnum:40}"),
    ),
    Rule(
        id="anthropic-api-key",
        title="Anthropic API key",
        keywords=("sk-ant-",),
        pattern=TOKEN_START_DASH
        + r"(?P<secret>sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{80,120})"
        + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=("ANTHROPIC_API_KEY=sk-ant-api03-{url:93}AA",),
        counterexamples=("sk-ant-api03-{url:40}",),
    ),
    Rule(
        id="huggingface-token",
        title="Hugging Face token",
        keywords=("hf_",),
        keyword_boundary=True,
        pattern=TOKEN_START + r"(?P<secret>hf_[A-Za-z]{34})" + TOKEN_END,
        min_entropy=3.5,
        examples=("HF_TOKEN=hf_{alpha:34}",),
        counterexamples=("hf_{alpha:30}", "hf_abcdefghijklmnopqrstuvwxyzabcdefgh"),
    ),
)

__all__ = ["SAAS_RULES"]
