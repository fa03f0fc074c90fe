"""CDNs and application hosting platforms: Cloudflare, Fastly, Fly.io, Vercel, Netlify,
Render.  Sources: each provider's token documentation where it publishes the format
(Vercel's and Netlify's token prefixes, Cloudflare's Origin CA keys), otherwise gitleaks /
betterleaks / TruffleHog rules; docs/secrets.md lists the source per rule id.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed, token

_ALNUM = "A-Za-z0-9"

HOSTING_RULES: tuple[Rule, ...] = (
    keyed(
        "cloudflare-api-token",
        "Cloudflare API token",
        ("cloudflare", "cf_api_token", "cf_api_key", "cf-api-token", "cf_token"),
        "[A-Za-z0-9_-]{40}",
        severity=Severity.CRITICAL,
        examples=("CLOUDFLARE_API_TOKEN={url:40}", "cf_api_token: {url:40}"),
        counterexamples=("CLOUDFLARE_ZONE_ID={hex:32}", "CLOUDFLARE_API_TOKEN={url:30}"),
    ),
    keyed(
        "cloudflare-global-api-key",
        "Cloudflare global API key",
        ("cloudflare", "cf_api_key", "cf_key", "x-auth-key"),
        "[a-f0-9]{37}",
        severity=Severity.CRITICAL,
        examples=("CLOUDFLARE_API_KEY={hex:37}", '-H "X-Auth-Key: {hex:37}"'),
        counterexamples=("CLOUDFLARE_ACCOUNT={hex:37}",),
    ),
    token(
        "cloudflare-origin-ca-key",
        "Cloudflare Origin CA key",
        "v1.0-",
        "[a-f0-9]{24}-[a-f0-9]{146}",
        examples=("CF_ORIGIN_CA_KEY=v1.0-{hex:24}-{hex:146}",),
        counterexamples=("v1.0-{hex:24}-{hex:40}",),
    ),
    keyed(
        "fastly-api-token",
        "Fastly API token",
        ("fastly",),
        "[A-Za-z0-9_-]{32}",
        severity=Severity.CRITICAL,
        examples=("FASTLY_API_TOKEN={url:32}",),
        counterexamples=("FASTLY_SERVICE_ID={url:22}",),
    ),
    token(
        "flyio-token",
        "Fly.io access token",
        ("fo1_",),
        "[A-Za-z0-9_-]{43}",
        examples=("FLY_API_TOKEN=fo1_{url:43}",),
        counterexamples=("fo1_{url:20}",),
    ),
    token(
        "flyio-token",
        "Fly.io macaroon token",
        ("fm1r_", "fm1a_", "fm2_"),
        r"[A-Za-z0-9+/]{100,4000}={0,3}(?:,fm\w{1,3}_[A-Za-z0-9+/]{20,4000}={0,3}){0,8}",
        chars=_ALNUM + "+/=_",
        examples=("FLY_API_TOKEN=FlyV1 fm2_{b64:300}", "fm1r_{b64:140}"),
        counterexamples=("fm2_{b64:40}",),
    ),
    token(
        "vercel-token",
        "Vercel access token",
        ("vcp_", "vci_", "vca_", "vcr_", "vck_"),
        "[A-Za-z0-9_-]{56}",
        examples=("VERCEL_TOKEN=vcp_{url:56}", "AI_GATEWAY_API_KEY=vck_{url:56}"),
        counterexamples=("vcp_{url:40}",),
    ),
    keyed(
        "vercel-token",
        "Vercel access token (legacy)",
        ("vercel",),
        "[A-Za-z0-9]{24}",
        severity=Severity.CRITICAL,
        examples=("VERCEL_TOKEN={alnum:24}",),
        counterexamples=("VERCEL_ORG_ID={alnum:24}", "VERCEL_TOKEN={alnum:20}"),
    ),
    token(
        "netlify-token",
        "Netlify access token",
        ("nfp_", "nfc_", "nfo_"),
        "[A-Za-z0-9]{36}",
        examples=("NETLIFY_AUTH_TOKEN=nfp_{alnum:36}",),
        counterexamples=("nfp_{alnum:20}",),
    ),
    keyed(
        "netlify-token",
        "Netlify access token (legacy)",
        ("netlify",),
        "[A-Za-z0-9_-]{40,46}",
        severity=Severity.CRITICAL,
        examples=("NETLIFY_AUTH_TOKEN={url:43}",),
        counterexamples=("NETLIFY_SITE_ID={url:43}",),
    ),
    token(
        "render-api-key",
        "Render API key",
        "rnd_",
        "[A-Za-z0-9]{28,32}",
        examples=("RENDER_API_KEY=rnd_{alnum:28}",),
        counterexamples=("rnd_{alnum:12}",),
    ),
)

__all__ = ["HOSTING_RULES"]
