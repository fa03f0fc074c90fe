"""Values named by file formats and tools (``rules/formats.py``, JSON ``key``/``value`` pairs
in ``syntax.py``), and the near misses written the same way (``allowlist.py``, ``names.py``).
"""

from __future__ import annotations

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.allowlist import is_non_secret_value, is_placeholder
from scriptrunner.scanners.secrets.engine import scan_text
from scriptrunner.scanners.secrets.rules.values import grade_password

FOUND = [
    # Postman collections and environments: a member names the secret, another holds it
    ("api.postman_collection.json", '{ "key": "x-api-key", "value": "{hex:32}" },', "generic-secret"),
    ("env.postman_environment.json", '{"key": "admin_password", "value": "{pw:16}", "type": "secret"}', "generic-password"),
    ("spec.json", '{"name": "DHL-API-Key", "value": "{alnum:32}"}', "generic-secret"),
    # Go: a byte slice of a string literal
    ("geo.go", 'var hmacSecret = []byte("{b64:43}=")', "generic-secret"),
    # names with "app key" (Datadog, Laravel)
    ("values.yaml", "  app_key: {hex:40}", "generic-secret"),
    ("prod.tfvars", 'dd_app_key = "{hex:32}"', "datadog-api-key"),
    ("Makefile", "\tcurl -fsS -u ops:{pw:24} https://staging.example.com/healthz", "generic-password"),
    (".netrc", "machine nexus.example.com login deployer password {pw:20}", "generic-password"),
    ("V7__roles.sql", "CREATE ROLE reporting WITH LOGIN PASSWORD '{pw:16}';", "generic-password"),
    ("credentials", "aws_session_token = IQoJb3JpZ2luX2VjEYQaCWV1LXdlc3QtMSJHMEUCIQ{b64:400}", "generic-secret"),
]  # fmt: skip

NOT_FOUND = [
    ("api.postman_collection.json", '{ "key": "x-api-key", "value": "{{apiKey}}" },'),
    ("api.postman_collection.json", '{ "key": "Content-Type", "value": "application/json" },'),
    ("env.postman_environment.json", '{"key": "api_key_header", "value": "{alnum:32}"}'),
    ("geo.go", 'var hmacSecret = []byte(os.Getenv("HMAC_SECRET"))'),
    ("bot.py", 'TOKEN = os.environ.get("TELEGRAM_TOKEN", "123456789:YOUR_TELEGRAM_BOT_TOKEN")'),
    ("config.ts", 'mapboxToken: "pk.eyJ1IjoiYWNtZSIsImEiOiJ{alnum:20}In0.{url:22}",'),
    (".gitconfig", "[user]\n  signingkey = 3AA5C34371567BD2"),
    (".gitconfig", "[user]\n  signingkey = {HEX:40}"),
    ("settings.py", 'FERNET_KEY = "{hex:16}"'),
    ("deploy.sh", 'echo "$REGISTRY_PASSWORD" | docker login --username AWS --password-stdin 1234.dkr.ecr.eu-west-1.amazonaws.com'),
    ("login.py", "u'machine {{hostname}} login token password {{auth_token}}'"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "template", "rule_id"), FOUND)
def test_values_named_by_formats_are_found(path: str, template: str, rule_id: str) -> None:
    for seed in range(4):
        text = expand(template, seed)
        found = {m.rule_id for m in scan_text(text, path) if m.confidence != "LOW"}
        assert rule_id in found, f"{text!r}: {found}"


@pytest.mark.parametrize(("path", "template"), NOT_FOUND)
def test_format_near_misses_are_not_reported(path: str, template: str) -> None:
    text = expand(template, 3).replace("{{", "{").replace("}}", "}")
    found = [m for m in scan_text(text, path) if m.confidence != "LOW"]
    assert not found, f"{text!r}: {found}"


def test_a_default_password_with_digits_is_low_confidence() -> None:
    [m] = scan_text('TEST_PASSWORD = "testpass123"', "tests/test_login.py")
    assert m.confidence == "LOW"
    assert grade_password("admin2024!") == "LOW"
    assert grade_password("Marble.3888juniper") in ("MEDIUM", "HIGH")
    assert grade_password("$DB_PASSWORD") is None


def test_placeholder_words_inside_values() -> None:
    assert is_placeholder("123456789:YOUR_TELEGRAM_BOT_TOKEN")
    assert is_placeholder("YOUR_STRIPE_SECRET_KEY")
    assert not is_placeholder(expand("{alnum:20}your{alnum:12}"))
    assert is_non_secret_value("pk.eyJ1IjoiYWNtZSIsImEiOiJja2V5In0.AbCdEfGhIjKlMnOpQrStUv")
    assert not is_non_secret_value("sk.eyJ1IjoiYWNtZSIsImEiOiJja2V5In0.AbCdEfGhIjKlMnOpQrStUv")


def test_multi_line_netrc_and_base64_pem_report_their_lines() -> None:
    text = expand("machine nexus.example.com\n  login deployer\n  password {pw:20}\n", 1)
    assert [(m.rule_id, m.line) for m in scan_text(text, ".netrc")] == [("generic-password", 3)]
    pem = expand(
        "users:\n- user:\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQp{b64:200}\n",
        2,
    )
    assert [(m.rule_id, m.line) for m in scan_text(pem, "kubeconfig")] == [("private-key", 3)]
