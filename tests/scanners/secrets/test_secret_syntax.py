"""The syntaxes that give a name a value (``syntax.py``), and where a value is code or text.

Each syntax is checked both ways: the value is found, at its own columns and as the right
rule, and the near miss written the same way (a reference, a placeholder, a lookup, a list of
names) is not.  Values come from templates (``secret_samples.expand``).
"""

from __future__ import annotations

import json

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.allowlist import is_non_secret_value, is_placeholder
from scriptrunner.scanners.secrets.engine import scan_text
from scriptrunner.scanners.secrets.rules.values import wordy

UUID = "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"


def fill(template: str, seed: int = 4) -> str:
    return expand(template, seed).replace("{{", "{").replace("}}", "}")


def marked(template: str) -> tuple[str, str]:
    """The filled text without its ``«»`` marks, and the value between them."""
    text = fill(template)
    a, b = text.index("«"), text.index("»")
    return text.replace("«", "").replace("»", ""), text[a + 1 : b]


@pytest.mark.parametrize(
    ("path", "template", "rule_id"),
    [
        # command-line flags, space or "=" separated, quoted or not
        ("deploy.sh", 'helm upgrade app ./chart --password "«{pw:16}»"', "generic-password"),
        ("ci.yml", "  run: app-cli login --apikey «{alnum:32}»", "generic-secret"),
        ("deploy.sh", "./bin/ctl push --service-token '«{alnum:40}»'", "generic-secret"),
        ("Dockerfile", 'RUN app-cli login --master-key="«{hex:32}»"', "encryption-key"),
        ("run.sh", 'app --aws-secret-access-key "«{b64:40}»"', "aws-secret-access-key"),
        ("run.sh", 'app --twilio-auth-token "«{hex:32}»"', "twilio-api-key"),
        ("run.py", 'subprocess.run(["app", "--api-key", "«{alnum:40}»"])', "generic-secret"),
        # two-argument calls: a secret-ish name and a literal
        ("tasks.py", 'os.environ.setdefault("FERNET_KEY", "«{url:43}=»")', "encryption-key"),
        ("conftest.py", 'monkeypatch.setenv("API_TOKEN", "«{alnum:40}»")', "generic-secret"),
        ("app.py", 'os.putenv("DB_PASSWORD", "«{pw:14}»")', "generic-password"),
        ("app.py", 'token = os.getenv("API_TOKEN", "«{alnum:40}»")', "generic-secret"),
        ("app.py", f'os.environ.setdefault("HEROKU_API_TOKEN", "«{UUID}»")', "heroku-api-key"),
        ("app.py", 'os.environ["TWILIO_AUTH_TOKEN"] = "«{hex:32}»"', "twilio-api-key"),
        # nested in a call: the outer assignment does not hide the keyword argument
        ("app.py", 'c = Client(private_token="«{alnum:36}»", timeout=30)', "generic-secret"),
        # type annotations and defaults of parameters
        ("app.py", 'def f(db_pass: str = "«{pw:16}»") -> None:', "generic-password"),
        ("a.ts", 'const encryptionKey: string = "«{hex:64}»";', "encryption-key"),
        ("a.py", 'def f(k: Optional[str] = None, secret: str = "«{alnum:36}»"):', "generic-secret"),
        # column-aligned Terraform / tfvars, Dockerfile ENV with a space, ARG
        ("main.tf", 'fernet_key               = "«{url:43}=»"', "encryption-key"),
        ("prod.tfvars", f'heroku_api_key           = "«{UUID}»"', "heroku-api-key"),
        ("Dockerfile", "ENV MYSQL_ROOT_PASSWORD «{pw:18}»", "generic-password"),
        ("Dockerfile", "ARG NPM_AUTH_TOKEN=«{alnum:40}»", "generic-secret"),
        # XML name/value attributes, JS and Python fallbacks, Markdown prose
        ("Web.config", '<add key="PrivateToken" value="«{alnum:40}»" />', "generic-secret"),
        ("s.xml", '<property name="aws_secret" value="«{b64:40}»"/>', "aws-secret-access-key"),
        ("a.js", 'process.env.API_KEY = process.env.API_KEY || "«{alnum:40}»";', "generic-secret"),
        ("a.py", 'SECRET_KEY = os.environ.get("SECRET_KEY") or "«{hex:64}»"', "encryption-key"),
        ("README.md", "Set `ADMIN_PASSWORD` to `«{pw:16}»` before running.", "generic-password"),
        # commented-out configuration in code is configuration
        ("settings.py", "# access_token: «{alnum:44}»", "generic-secret"),
        ("app.js", "// notify_secret=«{alnum:40}»", "generic-secret"),
        # configuration values that merely look like code or paths
        ("config.yaml", "DB_PASS: «{UPPER:1}.{alnum:14}»", "generic-password"),
        ("app.properties", "app.credential: «/{alnum:20}+{alnum:22}»", "generic-secret"),
        # a Bot API URL, a Twilio client without the word twilio, long Stripe keys
        (
            "a.env",
            "URL=https://api.telegram.org/bot«{digits:10}:AA{url:33}»/x",
            "telegram-bot-token",
        ),
        ("a.py", 'client = Client("AC{hex:32}", "«{hex:32}»")', "twilio-api-key"),
        # a provider token as a URL password is reported as that provider's token
        (
            "a.sh",
            "git clone https://x-access-token:«ghp_{gh:36}»@github.com/o/r",
            "github-token",
        ),
        ("a.ts", 'const k: string = "«sk_live_{alnum:40}xxxX{alnum:60}»";', "stripe-key"),
    ],
)
def test_values_named_by_other_syntaxes_are_found(path: str, template: str, rule_id: str) -> None:
    text, secret = marked(template)
    found = scan_text(text, path)
    assert [m.rule_id for m in found] == [rule_id], f"{text!r}: {found}"
    [m] = found
    assert m.confidence in ("MEDIUM", "HIGH")
    assert m.secret.reveal() == secret
    assert text[m.start_column - 1 : m.end_column - 1] == secret


NEAR_MISSES = [
    # shell parameter expansion: references and defaults, not values
    ("deploy.sh", 'PASSWORD="${{PASSWORD:?PASSWORD must be set}}"'),
    ("deploy.sh", "DB_PASSWORD=${{DB_PASSWORD:-changeme}}"),
    ("deploy.sh", ': "${{API_TOKEN:?}}"'),
    # flags without a literal value
    ("deploy.sh", "mysql --user app --password PASSWORD"),
    ("deploy.sh", 'app --token "$API_TOKEN" --api-key "$(cat key.txt)"'),
    ("README.md", "usage: app [--api-key API_KEY] [--client-secret CLIENT_SECRET]"),
    ("deploy.sh", "app --password-file /run/secrets/db_password"),
    ("deploy.sh", "aws cognito-idp initiate-auth --auth-parameters USERNAME=u,PASSWORD=[pw]"),
    ("deploy.sh", "aws dynamodb scan --starting-token {b64:40}"),
    # lookups without a literal, and placeholder defaults
    ("app.py", 'token = os.getenv("API_TOKEN")'),
    ("app.py", 'password = os.environ["DB_PASSWORD"]'),
    ("app.py", 'os.environ.setdefault("DB_PASSWORD", "changeme")'),
    ("app.py", 'SECRET_KEY = os.environ.get("SECRET_KEY", "")'),
    ("conftest.py", 'monkeypatch.setenv("API_TOKEN", token)'),
    ("app.js", 'const token = process.env.API_TOKEN || "";'),
    # lists of names are not (name, value) pairs
    ("api.pyi", '__all__ = ["AsyncOAuth2Mixin", "AsyncOAuth2Client"]'),
    ("test.py", "cases = [('http', 'user/name', 'password', 'localhost:22')]"),
    ("lexer.py", "names = ['_tokenStartCharIndex', '_tokenStartLine', '_tokenStartColumn']"),
    # XML-escaped and template placeholders, references in attributes
    ("Web.config", "<stripeSecretKey>&lt;password&gt;</stripeSecretKey>"),
    ("Web.config", '<add key="ApiKey" value="$(ApiKey)" />'),
    ("pom.xml", '<property name="db.password" value="${{db.password}}"/>'),
    ("form.html", '<input type="password" name="password" value="">'),
    # annotations and defaults without a secret
    ("app.py", 'def login(password: str = "") -> bool:'),
    ("app.py", "def login(password: Optional[str] = None) -> bool:"),
    ("app.ts", "const token: string = getToken();"),
    # Dockerfile ENV that points at a secret
    ("Dockerfile", "ENV DB_PASSWORD_FILE /run/secrets/db_password"),
    ("Dockerfile", "ENV API_TOKEN ${{API_TOKEN}}"),
    # code: dotted values are attribute access, comments with prose, paths
    ("app.py", "password = cfg.WOWwtans.TMm5S"),
    ("app.py", "# password: the password of the database user"),
    ("config.yaml", "password: cfg.password"),
    ("config.yaml", "secret: /run/secrets/db_password"),
    ("config.yaml", "password: admin@example.com"),
    # a digest in an image reference is not a token of the name before it
    ("k8s.yaml", "image: registry.example.com/auth@sha256:{hex:64}"),
    ("k8s.yaml", "database_url: postgresql://user:password@localhost:5432/mydb"),
    # masks
    ("a.env", "STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
]


@pytest.mark.parametrize(("path", "template"), NEAR_MISSES)
def test_references_and_near_misses_are_not_reported(path: str, template: str) -> None:
    text = fill(template)
    found = [m for m in scan_text(text, path) if m.confidence != "LOW"]
    assert not found, f"{text!r}: {found}"


def test_a_camel_case_word_password_is_low_confidence_only() -> None:
    [m] = scan_text("app change-password --proposed-password NewPassword", "x.sh")
    assert m.confidence == "LOW"


def _notebook(cells: list[dict[str, object]]) -> str:
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _code(*lines: str, outputs: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": list(outputs)}],
        "source": [line + "\n" for line in lines],
    }


def test_notebook_code_cells_are_code_and_outputs_are_text() -> None:
    pw, hexkey, dotted = fill("{pw:14}"), fill("{hex:32}"), fill("{UPPER:3}.{alnum:12}")
    text = _notebook(
        [
            {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Load\n"]},
            _code(
                "def connect_db(self, username, password=None):",
                "    conn = connect(host, user=user, password=password)",
                "    conn = connect(host=cfg.host, password=cfg.password)",
                f"PWD={dotted}",
                f'db_password = "{pw}"',
                outputs=(f"MASTER_KEY={hexkey}", f"PWD={dotted}"),
            ),
        ]
    )
    lines = text.splitlines()
    found = {(m.line, m.rule_id, m.secret.reveal()) for m in scan_text(text, "nb.ipynb")}
    expected = {
        (_line_of(lines, f'db_password = \\"{pw}\\"'), "generic-password", pw),
        (_line_of(lines, f'"MASTER_KEY={hexkey}"'), "encryption-key", hexkey),
        (_line_of(lines, f'"PWD={dotted}"'), "generic-password", dotted),  # the output line
    }
    assert found == expected


def _line_of(lines: list[str], needle: str) -> int:
    [n] = [i for i, line in enumerate(lines, 1) if needle in line and "\\n" not in line] or [
        i for i, line in enumerate(lines, 1) if needle in line
    ]
    return n


def test_notebook_without_cell_types_keeps_code_rules() -> None:
    # A hand-written notebook fragment: no cell_type seen, so its source counts as code.
    text = '{\n "source": [\n  "password = get_password()\\n",\n  "password=password)\\n"\n ]\n}\n'
    assert scan_text(text, "x.ipynb") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tokenStartColumn", True),
        ("AsyncOAuth2Mixin", True),
        ("PKCS7_ISSUER_AND_SERIAL", True),
        ("NewPassword", True),
        ("Saffron_Maple2168", False),
        ("Xk9LmQp2Zr7T", False),
        ("hW8k.ynDKXsETu", False),
    ],
)
def test_wordy_tells_identifiers_from_generated_values(value: str, expected: bool) -> None:
    assert wordy(value) is expected


def test_random_values_are_rarely_wordy() -> None:
    values = [expand("{alnum:24}", seed) for seed in range(300)]
    assert sum(wordy(v) for v in values) <= 3


def test_allowlist_shapes_are_not_fooled_by_random_values() -> None:
    assert is_placeholder("&lt;your-api-key&gt;") and is_placeholder("sk_live_xxxxxxxxxxxxxxxx")
    assert not is_placeholder(expand("{alnum:40}xxxX{alnum:40}"))
    assert is_non_secret_value("/usr/lib/python3.11/site-packages")
    assert is_non_secret_value("/run/secrets/db_password")
    assert not is_non_secret_value(expand("/{alnum:20}+{alnum:19}="))
    assert is_non_secret_value("ops@example.com")
    assert not is_non_secret_value("IkGpTVk@k40G.aU_YLP")
