"""Judging values, not only names: what people write under a credential's name that is not one.

Identifiers, paths of names and type names, regular-expression sources and format strings,
dates, ciphertext and secret-manager references, defaults spelt with digits for letters and
example JWTs are not reported at MEDIUM or above; generated values with a vendor's word prefix
(``acme_live_<hex>``) or in one letter case with digits are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.allowlist import is_documented_jwt
from scriptrunner.scanners.secrets.engine import scan_text
from scriptrunner.scanners.secrets.entropy import charset, looks_random
from scriptrunner.scanners.secrets.rules.names import classify
from scriptrunner.scanners.secrets.rules.words import identifier_like, random_core, regex_or_format


def medium_plus(text: str, path: str) -> list[object]:
    return [m for m in scan_text(text, path) if m.confidence != "LOW"]


NOT_SECRETS = [
    # identifiers and paths of identifiers under token/key names (API models, schemas)
    ("models/paginators.json", '"input_token": "InitialMarkerShardName",'),
    ("models/paginators.json", '"result_token": "LatestConsumedEventArn"'),
    ("models/paginators.json", '"output_token": "Widget.Parts[-1].PartId",'),
    ("client.py", 'def __init__(self, credential: "AcmeVaultTokenCredential") -> None:'),
    ("oids.py", 'ExtensionOID.SIGNING_KEY_USAGE: "signingKeyUsagePolicy",'),
    ("stubs.py", '"oauth2": "types-oauth2-helpers",'),
    ("licenses.json", '"license_key": "acme-labs-1999",'),
    ("Step.java", 'String callbackToken = "resumeWithCallbackToken";'),
    # hashes keyed by resource type names
    ("schemas/eu-north-1.json", '"Acme::Gateway::ApiKey": "{hex:16}",'),
    ("schemas/eu-north-1.json", '"Acme::Identity::AccessKey": "{hex:16}",'),
    # regular-expression sources and format strings
    ("rules.py", "token_pattern = r'(?:key|pwd|token|secret)'"),
    ("rules.py", "secret = r'([A-Z0-9]{{40}}(?![A-Z0-9]))'"),
    ("lint.rb", 'config.x.slack_token_re = "xoxb-[0-9]{{10,13}}-[a-zA-Z0-9]+"'),
    ("client.go", 'authToken := "Bearer {{}}"'),
    # documentation placeholders written as sentences in CamelCase
    ("docs.py", "model = Model(password='WeAreHidden', api_key='NothingToSeeHere')"),
    ("errors.json", '"AdminPassword": "MustHaveAtLeast8Characters.",'),
    ("seed.py", 'credentials = {{"user": "ops", "password": "Adm1n123!"}}'),
    ("seed.py", 'credentials = {{"user": "ops", "password": "Pa$$w0rd"}}'),
    # dates, ciphertext and references under password names
    ("users.json", '"PasswordLastChanged": "2021-04-17T08:12:55Z",'),
    ("app.yaml", "db_password: ENC({b64:44})"),
    ("app.yaml", "api_token: ENC[AES256_GCM,data:{b64:24},iv:{b64:43}=,type:str]"),
    ("appsettings.json", '"DbPassword": "@Microsoft.KeyVault(SecretUri=https://kv.example/x/)"'),
    ("values.yaml", "api_key: op://Production/Acme/api-key"),
    ("app.env", "ADMIN_PASSWORD_HASH_ALT=$2b$12${b64:53}"),
    ("go.sum.json", '"api_token": "h1:{b64:43}="'),
]


@pytest.mark.parametrize(("path", "template"), NOT_SECRETS)
def test_values_people_write_are_not_secrets(path: str, template: str) -> None:
    text = expand(template, 11).replace("{{", "{").replace("}}", "}")
    assert not medium_plus(text, path), text


SECRETS = [
    # a vendor's word prefix before the random part (the whole value has less entropy)
    ("app.env", "ACME_TOKEN=acme_live_{hex:40}", "generic-secret"),
    ("app.env", 'WIDGET_API_KEY="WGTK-{hex:24}-{hex:30}"', "generic-secret"),
    ("app.env", "ORBIT_TOKEN=ob.pt.{alnum:44}", "generic-secret"),
    ("config.php", '$webhookSigningToken = "0x{hex:40}";', "generic-secret"),
    # 32 bytes of hex under a private key's name is an EVM wallet key: the dedicated rule's
    # id is the more specific one
    ("config.php", '$signerPrivateKey = "0x{hex:64}";', "crypto-wallet-key"),
    ("Config.kt", 'const val QUARRY_TOKEN = "qrpi{hex:32}"', "generic-secret"),
    # digits with letters of one case: judged against that alphabet, not all of alnum
    ("deploy.yml", "REGISTRY_TOKEN: {lowalnum:46}", "generic-secret"),
]


@pytest.mark.parametrize(("path", "template", "rule_id"), SECRETS)
def test_generated_values_with_word_prefixes_are_found(
    path: str, template: str, rule_id: str
) -> None:
    for seed in range(5):
        text = expand(template, seed)
        assert [m.rule_id for m in medium_plus(text, path)] == [rule_id], text


def test_identifiers_and_regexes_are_told_from_generated_values() -> None:
    assert identifier_like("StreamName.Items[0].ItemKey")
    assert identifier_like("IAmNotTelling") and identifier_like("widget-tools-2020")
    assert not identifier_like(expand("{alnum:24}", 1))
    assert sum(identifier_like(expand("{alnum:20}", s)) for s in range(500)) == 0
    assert regex_or_format("[a-f0-9]{32}") and regex_or_format("%s:%s")
    assert not any(regex_or_format(expand("{pw:20}", s)) for s in range(300))


def test_random_core_sets_word_prefixes_aside() -> None:
    hexpart = expand("{hex:40}", 2)
    assert random_core(f"acme_live_{hexpart}") == hexpart
    assert random_core(f"0x{hexpart}") == hexpart
    assert random_core("plain") == "plain"
    assert charset(expand("{lowalnum:30}", 3)) == "base36"
    assert charset("onlylowercaseletters") == "alnum"  # a word in one case is not base36
    assert looks_random(expand("{lowalnum:46}", 3))


def test_names_of_types_and_dotted_keys() -> None:
    assert classify("Acme::Gateway::ApiKey") is None
    assert classify("Vendor::API_KEY") == "secret"
    assert classify("quarry.api.key") == "secret"
    assert classify("metrics.writekey") == "secret"
    assert classify("BUILD_PAT") == "secret"
    assert classify("sort_key") is None


def _jwt(payload: dict[str, object], key: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(payload).encode())
    sig = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def test_jwts_signed_with_a_documentation_key_are_examples() -> None:
    example = _jwt({"hello": "world"}, b"your-256-bit-secret")
    real = _jwt({"sub": "svc-42", "exp": 1900000000}, expand("{alnum:40}", 5).encode())
    assert is_documented_jwt(example) and not is_documented_jwt(real)
    assert not scan_text(f"TOKEN={example}", "README.md")
    assert [m.rule_id for m in scan_text(f"TOKEN={real}", "README.md")] == ["jwt"]
