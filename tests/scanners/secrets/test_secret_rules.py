"""Every rule's samples: ``examples`` must be found (as that rule), ``counterexamples`` not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.engine import scan_text
from scriptrunner.scanners.secrets.rules import RULE_IDS, RULES
from scriptrunner.scanners.secrets.rules.published import PUBLISHED_EXAMPLES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "secrets.md"

#: The canonical ids shared with the corpus and bench (notes/secret_types.md).
CANONICAL = {
    "aws-access-key-id", "aws-secret-access-key", "private-key", "jwt", "slack-token",
    "slack-webhook", "github-token", "gitlab-token", "stripe-key", "google-api-key",
    "gcp-service-account", "azure-storage-key", "twilio-api-key", "sendgrid-api-key",
    "npm-token", "pypi-token", "openai-api-key", "anthropic-api-key", "huggingface-token",
    "database-url", "basic-auth-url", "encryption-key", "generic-password", "generic-secret",
    "mailgun-api-key", "shopify-token", "digitalocean-token", "discord-bot-token",
    "telegram-bot-token", "google-oauth-client-secret", "square-token", "heroku-api-key",
    "age-secret-key",
}  # fmt: skip

EXAMPLES = [
    pytest.param(rule.id, template, id=f"{rule.id}-{i}-{n}")
    for i, rule in enumerate(RULES)
    for n, template in enumerate(rule.examples)
]
COUNTEREXAMPLES = [
    pytest.param(rule.id, template, id=f"{rule.id}-{i}-{n}")
    for i, rule in enumerate(RULES)
    for n, template in enumerate(rule.counterexamples)
]


def test_rule_ids_keep_the_canonical_ones() -> None:
    assert CANONICAL <= set(RULE_IDS)
    assert len(RULE_IDS) >= 200


def test_docs_list_every_rule_id_with_provider_and_source() -> None:
    """docs/secrets.md's detector table and the rule table agree in both directions."""
    rows = re.findall(
        r"^\| `([a-z0-9-]+)` \| ([^|]+) \| (.+) \| ([^|]+) \|$", DOCS.read_text(), re.M
    )
    documented = [rid for rid, *_ in rows]
    assert len(documented) == len(set(documented)), "a rule id is listed twice"
    assert set(documented) == set(RULE_IDS)
    for rid, provider, _finds, source in rows:
        assert provider.strip() and source.strip(), rid


def test_help_and_readme_count_the_detectors(capsys: pytest.CaptureFixture[str]) -> None:
    """``scan secrets --help`` and README's status row say how many detectors (rule ids)."""
    from scriptrunner.cli.main import build_parser

    with pytest.raises(SystemExit):
        build_parser("scan").parse_args(["scan", "secrets", "--help"])
    described = " ".join(capsys.readouterr().out.split())
    readme = (DOCS.parents[1] / "README.md").read_text()
    assert f"Find credentials ({len(RULE_IDS)} detectors:" in described
    assert f"| Secret scanning ({len(RULE_IDS)} detectors " in readme
    assert re.findall(r"(\d+) detectors", described + readme) == [str(len(RULE_IDS))] * 2


def test_keywords_joined_into_one_name_trigger_every_rule_on_both_prefilter_paths() -> None:
    """RE2 reports non-overlapping matches: a keyword ending where another begins (``npm_`` +
    ``_pat`` in ``NPM_PAT``, ``algolia_admin`` + ``admin_key``) must not hide the second.  Every
    two keywords of the rules joined that way, one name a line: the RE2 path triggers the same
    rules on each line as Aho-Corasick, which reports overlapping keywords itself."""
    import bisect
    import copy

    from scriptrunner.scanners.secrets.engine import engine
    from scriptrunner.scanners.secrets.prefilter import Prefilter

    fast = engine().prefilter
    slow = copy.copy(fast)
    slow._re2 = None
    starting: dict[str, list[str]] = {}
    for word in fast.keywords:
        for k in range(1, len(word)):
            starting.setdefault(word[:k], []).append(word)
    names = [
        a + b[len(a) - i :]
        for a in fast.keywords
        for i in range(1, len(a))
        for b in starting.get(a[i:], ())
    ]
    assert "npm_pat=" in names and len(names) > 1000
    text = "\n".join(names)
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def per_line(pf: Prefilter) -> set[tuple[int, int]]:
        return {(bisect.bisect_left(newlines, start), rule) for start, rule in pf.hits(text)}

    assert text.isascii()
    fast_hits, slow_hits = per_line(fast), per_line(slow)
    missed = sorted(slow_hits - fast_hits)[:5]
    assert not missed, [(names[line], rule) for line, rule in missed]
    assert fast_hits == slow_hits


#: Tokens with the right shape whose checksum cannot hold: reported, but only at LOW.
CHECKSUM_NEAR_MISSES = [
    ("github-token", "GITHUB_TOKEN=ghp_{alnum:36}"),
    ("github-token", "token: gho_{alnum:30}000000"),
    ("npm-token", "//registry.npmjs.org/:_authToken=npm_{alnum:36}"),
    ("grafana-token", "GRAFANA_TOKEN=glsa_{alnum:32}_{hex:8}"),
]


@pytest.mark.parametrize(("rule_id", "template"), CHECKSUM_NEAR_MISSES)
def test_checksum_failures_are_low_confidence(rule_id: str, template: str) -> None:
    for seed in range(4):
        text = expand(template, seed)
        found = [m for m in scan_text(text, "app/settings.env") if m.confidence != "LOW"]
        assert not found, f"{text!r}: {found}"
        assert rule_id in {m.rule_id for m in scan_text(text, "app/settings.env")}


@pytest.mark.parametrize(
    ("rule_id", "value"),
    [(rid, v) for rid, values in PUBLISHED_EXAMPLES.items() for v in values],
)
def test_published_examples_are_not_reported_by_their_rule(rule_id: str, value: str) -> None:
    for text in (f'KEY = "{value}"', f"key: {value}", f'<add key="k" value="{value}" />'):
        assert rule_id not in {m.rule_id for m in scan_text(text, "app/config.py")}, text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rules_are_well_formed(rule: object) -> None:
    from scriptrunner.scanners.secrets.rules import Rule

    assert isinstance(rule, Rule)
    assert rule.keywords and all(k == k.lower() and k.isascii() for k in rule.keywords)
    groups = re.compile(rule.pattern, rule.flags).groupindex
    wanted = {"name", "quoted", "bare"} if rule.family == "assignment" else {"secret"}
    assert wanted <= set(groups)
    assert rule.examples, "every rule needs at least one sample that must match"
    assert rule.counterexamples, "every rule needs at least one look-alike that must not match"


@pytest.mark.parametrize(("rule_id", "template"), EXAMPLES)
@pytest.mark.parametrize("path", ["app/settings.env", "app/config.yaml"])
def test_example_is_found(rule_id: str, template: str, path: str) -> None:
    for seed in range(6):
        text = expand(template, seed)
        found = {m.rule_id for m in scan_text(text, path)}
        assert rule_id in found, f"{text!r}: {found}"


@pytest.mark.parametrize(("rule_id", "template"), COUNTEREXAMPLES)
@pytest.mark.parametrize("path", ["app/main.py", "app/config.yaml"])
def test_counterexample_is_not_found(rule_id: str, template: str, path: str) -> None:
    text = expand(template, 3)
    found = [m for m in scan_text(text, path) if m.rule_id == rule_id]
    assert not found, f"{text!r} reported as {found}"


HARD_NEGATIVES = [
    'password = "password"',
    'password: ""',
    "password = None",
    "def login(password):",
    "def login(password: str) -> bool:",
    "if password == other:",
    'PROMPT = "Enter your password"',
    '"Enter your password": "Geben Sie Ihr Passwort ein",',
    "api_key = '<your-key>'",
    'API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxx"',
    'token = "your_api_key_here"',
    "password = '${DB_PASSWORD}'",
    "password: {{ secret }}",
    "password = '%(pw)s'",
    "export PASSWORD=$PASSWORD",
    'key = os.environ["API_KEY"]',
    'token = os.getenv("TOKEN")',
    "const token = process.env.GITHUB_TOKEN;",
    "password = ENV['DB_PASSWORD']",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
    'request_id = "123e4567-e89b-12d3-a456-426614174000"',
    'api_key = "123e4567-e89b-12d3-a456-426614174000"',
    'sha = "da39a3ee5e6b4b0d3255bfef95601890afd80709"',
    'digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    '"integrity": "sha512-{b64:86}=="',
    "requests==2.31.0 --hash=sha256:{hex:64}",
    '{{file = "x.whl", hash = "sha256:{hex:64}"}}',
    "-----BEGIN PUBLIC KEY-----\n{b64:64}\n-----END PUBLIC KEY-----",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{b64:200} user@host",
    "-----BEGIN CERTIFICATE-----\n{b64:64}\n-----END CERTIFICATE-----",
    'logo = "data:image/png;base64,iVBORw0KGgo{b64:120}"',
    "color: #ff00ff;",
    'version = "1.2.3"',
    'url = "https://example.com/api/v1/items?page=2"',
    "postgres://user:@localhost/db",
    "password = '********'",
    "secret_token = get_token()",
    "token_type = 'bearer'",
    "max_tokens = 1024",
    "ctx.load_cert_chain(CERTFILE, password=KEY_PASSWORD)",
    "subprocess.Popen(cmd, pass_fds=fds_to_keep)",
    "login(user=user, password=password)",
    "conn = connect(password=self.password)",
]


@pytest.mark.parametrize("template", HARD_NEGATIVES)
@pytest.mark.parametrize("path", ["src/app.py", "deploy/values.yaml", ".env"])
def test_hard_negatives_are_not_reported_at_medium(template: str, path: str) -> None:
    text = expand(template, 5)
    found = [m for m in scan_text(text, path) if m.confidence != "LOW"]
    assert not found, f"{text!r}: {found}"
