"""E-mail, SMS and push messaging (SendGrid, Mailgun and Twilio are in ``saas.py``):
Mailchimp, Mandrill, Postmark, Brevo (Sendinblue), MailerSend, Resend, Mailjet, SparkPost,
Vonage (Nexmo), MessageBird, Plivo, Telnyx, OneSignal, Customer.io.

Sources: the providers' API documentation (Mailchimp's ``<key>-us<N>`` data-centre suffix,
Brevo's ``xkeysib-``/``xsmtpsib-``, Telnyx's ``KEY`` v2 keys, OneSignal's ``os_v2_``
keys), otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import UUID, keyed, token

COMMS_RULES: tuple[Rule, ...] = (
    Rule(
        id="mailchimp-api-key",
        title="Mailchimp API key",
        keywords=("-us",),
        pattern=r"(?<![A-Za-z0-9_-])(?P<secret>[a-f0-9]{32}-us\d{1,2})(?![A-Za-z0-9_-])",
        severity=Severity.HIGH,
        min_entropy=3.0,
        allow=(r"^0{32}",),
        examples=(
            "MAILCHIMP_API_KEY={hex:32}-us21",
            "mailchimp.setConfig({ apiKey: '{hex:32}-us6' })",
        ),
        counterexamples=("{hex:30}-us21", "{hex:32}-use"),
    ),
    keyed(
        "mandrill-api-key",
        "Mandrill (Mailchimp Transactional) API key",
        ("mandrill", "mailchimp_transactional"),
        "[A-Za-z0-9_-]{22}",
        examples=("MANDRILL_API_KEY={url:22}",),
        counterexamples=("MANDRILL_SUBACCOUNT={url:22}",),
    ),
    keyed(
        "postmark-token",
        "Postmark server or account token",
        ("postmark", "x-postmark-server-token", "x-postmark-account-token"),
        UUID,
        examples=(
            "POSTMARK_SERVER_TOKEN={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",
            '-H "X-Postmark-Server-Token: {hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"',
        ),
        counterexamples=("POSTMARK_MESSAGE_ID={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
    ),
    token(
        "brevo-api-key",
        "Brevo (Sendinblue) API or SMTP key",
        ("xkeysib-", "xsmtpsib-"),
        "[a-f0-9]{64}-[A-Za-z0-9]{16}",
        examples=("BREVO_API_KEY=xkeysib-{hex:64}-{alnum:16}", "xsmtpsib-{hex:64}-{alnum:16}"),
        counterexamples=("xkeysib-{hex:64}",),
    ),
    token(
        "mailersend-api-token",
        "MailerSend API token",
        "mlsn.",
        "[A-Za-z0-9]{30,100}",
        keyword_boundary=True,
        examples=("MAILERSEND_API_KEY=mlsn.{hex:64}",),
        counterexamples=("mlsn.{hex:12}",),
    ),
    keyed(
        "resend-api-key",
        "Resend API key",
        ("resend",),
        "re_[A-Za-z0-9_]{20,50}",
        words=False,
        confidence="HIGH",
        examples=(
            "RESEND_API_KEY=re_{alnum:8}_{alnum:24}",
            "new Resend('re_{alnum:8}_{alnum:24}')",
        ),
        counterexamples=("RESEND_API_KEY=re_{alnum:8}", "API_KEY=re_{alnum:8}_{alnum:24}"),
    ),
    keyed(
        "mailjet-api-secret",
        "Mailjet API secret key",
        ("mailjet", "mj_apikey_priv", "mj_api_secret"),
        "[a-f0-9]{32}",
        examples=("MAILJET_API_SECRET={hex:32}", "MJ_APIKEY_PRIVATE={hex:32}"),
        counterexamples=("MAILJET_CAMPAIGN={hex:32}",),
    ),
    keyed(
        "sparkpost-api-key",
        "SparkPost API key",
        ("sparkpost",),
        "[a-f0-9]{40}",
        examples=("SPARKPOST_API_KEY={hex:40}",),
        counterexamples=("SPARKPOST_TEMPLATE={hex:40}",),
    ),
    keyed(
        "vonage-api-secret",
        "Vonage (Nexmo) API secret",
        ("vonage", "nexmo"),
        "[A-Za-z0-9]{16}",
        examples=("VONAGE_API_SECRET={alnum:16}", "NEXMO_API_SECRET={alnum:16}"),
        counterexamples=("VONAGE_APPLICATION={alnum:16}",),
    ),
    keyed(
        "messagebird-api-key",
        "MessageBird (Bird) API key",
        ("messagebird", "message_bird", "message-bird"),
        "[A-Za-z0-9_-]{25}",
        examples=("MESSAGEBIRD_API_KEY={url:25}",),
        counterexamples=("MESSAGEBIRD_ORIGINATOR={url:25}",),
    ),
    keyed(
        "plivo-auth-token",
        "Plivo auth token",
        ("plivo",),
        "[A-Za-z0-9_-]{40}",
        examples=("PLIVO_AUTH_TOKEN={url:40}",),
        counterexamples=("PLIVO_AUTH_ID=MA{UPPER:18}",),
    ),
    keyed(
        "telnyx-api-key",
        "Telnyx API v2 key",
        ("telnyx",),
        "KEY[0-9A-Za-z_-]{55}",
        words=False,
        confidence="HIGH",
        examples=("TELNYX_API_KEY=KEY{url:55}",),
        counterexamples=("TELNYX_API_KEY=KEY{url:20}",),
    ),
    token(
        "onesignal-api-key",
        "OneSignal REST API key",
        ("os_v2_app_", "os_v2_org_"),
        "[a-z2-7]{103}",
        examples=("ONESIGNAL_REST_API_KEY=os_v2_app_{b32:103}",),
        counterexamples=("os_v2_app_{b32:40}",),
    ),
    keyed(
        "onesignal-api-key",
        "OneSignal REST API key (legacy)",
        ("onesignal",),
        "[A-Za-z0-9]{48}",
        examples=("ONESIGNAL_REST_API_KEY={alnum:48}",),
        counterexamples=("ONESIGNAL_APP_ID={alnum:48}",),
    ),
    keyed(
        "customerio-api-key",
        "Customer.io API key",
        ("customerio", "customer_io", "customer.io"),
        "[a-f0-9]{32}|[a-z0-9]{20}",
        examples=("CUSTOMERIO_APP_API_KEY={hex:32}",),
        counterexamples=("CUSTOMERIO_SITE_ID={lowalnum:20}",),
    ),
)

__all__ = ["COMMS_RULES"]
