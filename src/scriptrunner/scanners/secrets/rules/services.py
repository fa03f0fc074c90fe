"""Developer and web services: Webflow, Sanity, Canva, Cloudinary, Apify, BrowserStack,
Shodan, VirusTotal, Adobe, Adafruit IO, Scalingo, SettleMint, Sidekiq, Intra 42, Defined
Networking, RapidAPI, OpenWeather.  Sources: the providers' API documentation where it gives
the shape (Cloudinary URLs, Apify ``apify_api_``, Adobe ``p8e-``, Adafruit ``aio_``),
otherwise gitleaks / betterleaks / TruffleHog rules.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed, token

SERVICE_RULES: tuple[Rule, ...] = (
    keyed(
        "webflow-token",
        "Webflow API token",
        ("webflow",),
        "[a-f0-9]{64}",
        examples=("WEBFLOW_API_TOKEN={hex:64}",),
        counterexamples=("WEBFLOW_SITE={hex:64}",),
    ),
    keyed(
        "sanity-token",
        "Sanity API token",
        ("sanity",),
        "sk[A-Za-z0-9]{70,190}",
        words=False,
        confidence="HIGH",
        examples=("SANITY_API_TOKEN=sk{alnum:180}",),
        counterexamples=("SANITY_API_TOKEN=sk{alnum:20}",),
    ),
    token(
        "canva-client-secret",
        "Canva Connect client secret",
        "cnvca",
        "[A-Za-z0-9_-]{51}",
        examples=("CANVA_CLIENT_SECRET=cnvca{url:51}",),
        counterexamples=("cnvca{url:20}",),
    ),
    Rule(
        id="cloudinary-url",
        title="Cloudinary URL with API secret",
        keywords=("cloudinary://",),
        pattern=r"cloudinary://\d{6,20}:(?P<secret>[A-Za-z0-9_-]{20,40})@[a-z0-9_-]+",
        min_entropy=3.0,
        examples=("CLOUDINARY_URL=cloudinary://{digits:15}:{url:27}@demo-cloud",),
        counterexamples=("CLOUDINARY_URL=cloudinary://<api_key>:<api_secret>@cloud",),
    ),
    token(
        "apify-token",
        "Apify API token",
        "apify_api_",
        "[A-Za-z0-9]{34,38}",
        keywords=("apify_api_", "apify_api_key"),  # see linear-api-key (registries.py)
        examples=("APIFY_TOKEN=apify_api_{alnum:36}",),
        counterexamples=("apify_api_{alnum:20}",),
    ),
    keyed(
        "browserstack-access-key",
        "BrowserStack access key",
        ("browserstack",),
        "[A-Za-z0-9]{20}",
        examples=("BROWSERSTACK_ACCESS_KEY={alnum:20}",),
        counterexamples=("BROWSERSTACK_USERNAME={alnum:20}",),
    ),
    keyed(
        "shodan-api-key",
        "Shodan API key",
        ("shodan",),
        "[A-Za-z0-9]{32}",
        examples=("SHODAN_API_KEY={alnum:32}",),
        counterexamples=("SHODAN_QUERY={alnum:32}",),
    ),
    keyed(
        "virustotal-api-key",
        "VirusTotal API key",
        ("virustotal", "vt_api_key", "x-apikey"),
        "[a-f0-9]{64}",
        examples=("VT_API_KEY={hex:64}", "VIRUSTOTAL_API_KEY={hex:64}"),
        counterexamples=("VIRUSTOTAL_FILE_SHA256={hex:64}",),
    ),
    token(
        "adobe-client-secret",
        "Adobe client secret",
        "p8e-",
        "[A-Za-z0-9_-]{32}",
        keyword_boundary=True,
        examples=("ADOBE_CLIENT_SECRET=p8e-{alnum:32}",),
        counterexamples=("p8e-{alnum:12}",),
    ),
    token(
        "adafruit-io-key",
        "Adafruit IO key",
        "aio_",
        "[A-Za-z0-9]{28}",
        keyword_boundary=True,
        min_entropy=3.5,
        examples=("ADAFRUIT_IO_KEY=aio_{alnum:28}",),
        counterexamples=("aio_{alnum:12}",),
    ),
    token(
        "scalingo-token",
        "Scalingo API token",
        ("tk-us-", "tk-eu-"),
        "[A-Za-z0-9_-]{48}",
        examples=("SCALINGO_API_TOKEN=tk-us-{url:48}",),
        counterexamples=("tk-us-{url:20}",),
    ),
    token(
        "settlemint-token",
        "SettleMint access token",
        ("sm_aat_", "sm_pat_", "sm_sat_"),
        "[A-Za-z0-9]{16}",
        examples=("SETTLEMINT_ACCESS_TOKEN=sm_pat_{alnum:16}",),
        counterexamples=("sm_pat_{alnum:8}",),
    ),
    Rule(
        id="sidekiq-credentials",
        title="Sidekiq Enterprise / Pro gem credentials",
        keywords=("contribsys__com",),
        pattern=r"(?i:contribsys__com)[\w.-]{0,10}[^\n]{0,20}?(?<![a-f0-9])"
        r"(?P<secret>[a-f0-9]{8}:[a-f0-9]{8})(?![a-f0-9])",
        severity=Severity.HIGH,
        min_entropy=2.5,
        examples=("BUNDLE_ENTERPRISE__CONTRIBSYS__COM={hex:8}:{hex:8}",),
        counterexamples=("BUNDLE_ENTERPRISE__CONTRIBSYS__COM=${SIDEKIQ_CREDS}",),
    ),
    Rule(
        id="sidekiq-credentials",
        title="Sidekiq Enterprise / Pro gem source URL",
        keywords=("contribsys.com",),
        pattern=r"https?://(?P<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com",
        severity=Severity.HIGH,
        min_entropy=2.5,
        priority=21,  # over basic-auth-url on the same password
        examples=("source 'https://{hex:8}:{hex:8}@gems.contribsys.com/'",),
        counterexamples=("source 'https://gems.contribsys.com/'",),
    ),
    token(
        "intra42-client-secret",
        "Intra 42 client secret",
        ("s-s4t2ud-", "s-s4t2af-"),
        "[a-f0-9]{64}",
        examples=("FT_CLIENT_SECRET=s-s4t2ud-{hex:64}",),
        counterexamples=("s-s4t2ud-{hex:30}",),
    ),
    token(
        "defined-networking-token",
        "Defined Networking API token",
        "dnkey-",
        "[a-z0-9=_-]{26}-[a-z0-9=_-]{52}",
        chars="A-Za-z0-9=_-",
        examples=("DN_API_KEY=dnkey-{lowalnum:26}-{lowalnum:52}",),
        counterexamples=("dnkey-{lowalnum:26}",),
    ),
    keyed(
        "rapidapi-key",
        "RapidAPI key",
        ("rapidapi", "rapidapi_key", "rapidapi-key"),
        "[A-Za-z0-9_-]{50}",
        examples=('-H "X-RapidAPI-Key: {alnum:50}"', "RAPIDAPI_KEY={alnum:50}"),
        counterexamples=("RAPIDAPI_HOST={alnum:50}",),
    ),
    keyed(
        "openweather-api-key",
        "OpenWeather API key",
        ("openweather", "pyowm"),
        "[a-f0-9]{32}",
        severity=Severity.WARNING,
        examples=("OPENWEATHER_API_KEY={hex:32}",),
        counterexamples=("OPENWEATHER_CITY={hex:32}",),
    ),
)

__all__ = ["SERVICE_RULES"]
