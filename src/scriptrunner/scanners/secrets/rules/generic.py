"""Generic assignments: ``password = "..."``, ``API_KEY: ...``, ``SECRET_KEY=...``.

One regex (:data:`ASSIGNMENT`) finds ``name <op> value`` pairs on the lines where a generic
keyword occurs (``syntax.py`` adds the other ways code names a value: CLI flags, ``(name,
value)`` call arguments, XML ``name=/value=`` attributes, Dockerfile ``ENV``, ``|| "default"``);
:func:`~scriptrunner.scanners.secrets.rules.names.classify` reads the *name* and
:func:`assess` the *value*:

* a name must say password, secret/token/API key, or encryption key -- and not be about one
  (``password_hash``, ``token_url``, ``secret_name``, ``public_key``, ``max_tokens``);
* a value must not be a placeholder, template, lookup, UUID, hash, URL, path or version, and
  must look generated: per-charset entropy floors (``entropy.py``), not made of words;
* in code, an unquoted value is an expression (``password = get_password()``), never a
  literal; in configuration files (``.env``, ``.ini``, YAML, shell) it is the value itself.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.allowlist import (
    STOPWORDS,
    is_non_secret_value,
    is_placeholder,
    is_uuid,
)
from scriptrunner.scanners.secrets.entropy import charset, looks_random, shannon
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.names import Kind
from scriptrunner.scanners.secrets.rules.structural import classes

#: ``name <op> value`` with a quoted value (no whitespace inside) or a bare one.  The name may
#: carry a type annotation before ``=`` (``pwd: str = "..."``, ``key: string = "..."``) and be
#: column-aligned (``fernet_key      = "..."``); never the ``NAME`` of a shell expansion
#: ``${NAME:?message}``.
ASSIGNMENT = (
    r"(?<![\w$@.-])(?<!\$\{)(?P<name>[A-Za-z_$@-][\w$@.-]{0,80})(?:\\{0,3}[\"'`])?\]?"
    r"(?:[ \t]{0,4}:[ \t]{0,4}[A-Za-z_][\w.]{0,40}(?:\[[\w., |]{0,60}\])?"
    r"(?:[ \t]{0,2}\|[ \t]{0,2}[A-Za-z_][\w.]{0,40}){0,2}(?=[ \t]{1,4}=[^=>]))?[ \t]{0,40}"
    r"(?::=|=>|<-|\?=|=(?!=)|:(?![:=/]))[ \t]{0,16}"
    r"(?:(?:[bBrRuU]{0,2}|\[\]byte\()\\{0,3}[\"'`](?P<quoted>[^\"'`\\\s]{1,300})\\{0,3}[\"'`]"
    r"|(?P<bare>[^\s\"'`,;#<>(){}\[\]&|!*][^\s\"'`,;<>{}\[\]]{0,299})(?=[\s,;\"'`\]}<>]|$))"
    r"|<(?P<tag>[A-Za-z_][\w:.-]{0,60})>(?P<element>[^<\s]{1,300})</"
)

KEYWORDS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "auth",
    "credential",
    "encrypt",
    "fernet",
    "aes_key",
    "aeskey",
    "aes-key",
    "signing",
    "master_key",
    "masterkey",
    "master-key",
    "hmac",
    "private_key",
    "privatekey",
    "bearer",
    "cipher",
    "heroku",
    "app_key",
    "appkey",
    "app-key",
)

_EXPRESSION = re.compile(
    r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|^(?:!|&|\*|\||>)|^[A-Za-z_$][\w$.]*\("
)
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
#: One part of a dotted name as people write them: ``cfg``, ``DB_PASSWORD``, ``dbPassword``.
_NAME_PART = re.compile(r"^(?:[a-z_$][a-z0-9_$]*|[A-Z0-9_]+|[A-Z]?[a-z0-9]+(?:[A-Z][a-z0-9]+)*)$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$|^[0-9A-F]{32}$")


def _literal_in_code(value: str) -> bool:
    """An unquoted value in code that no expression looks like: punctuation a name cannot
    hold, or a random mix of upper, lower case and digits."""
    core = value.rstrip(")]:;,")  # the end of the call or block around the assignment
    if not _IDENTIFIER.match(core):
        return not re.match(r"^[\w$.]*$", core)
    return looks_random(core) and classes(core) >= 3


def _is_expression(value: str, code: bool) -> bool:
    """An unquoted value that reads as an expression.  In configuration a dotted value is a
    reference only when each part is a name (``cfg.password``), not ``F.WOWwtansTMm5S``."""
    if not _EXPRESSION.search(value):
        return False
    if code or "(" in value or not value[:1].isalnum():
        return True
    return all(_NAME_PART.match(part) for part in value.split("."))


_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SCREAMING = re.compile(r"_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_VOWELS = frozenset("aeiouy")


def wordy(value: str) -> bool:
    """An identifier made of words: ``tokenStartColumn``, ``OAuth2Client``, ``NewPassword``,
    ``PKCS7_ISSUER_AND_SERIAL`` -- a name, where a generated value has short random pieces."""
    if _SCREAMING.fullmatch(value):
        return all(sum(c.isalpha() for c in part) >= 2 for part in value.strip("_").split("_"))
    if not _IDENTIFIER.match(value):
        return False
    count = 0
    for piece in _PIECES.findall(value):
        if piece.isdigit() or piece.isupper():
            if len(piece) > (2 if piece.isdigit() else 4):
                return False
        elif len(piece) >= 3 and _VOWELS.intersection(piece.lower()):
            count += 1
        else:
            return False
    return count >= 2


def _made_of_words(value: str) -> bool:
    """``my_super_secret_token`` or ``prod/db/password``: letter-only parts and separators."""
    parts = [p for p in re.split(r"[_\-./:\s]+", value) if p]
    return len(parts) >= 2 and all(p.isalpha() for p in parts)


def assess(
    kind: Kind, value: str, *, quoted: bool, code: bool, tight: bool = False
) -> tuple[str, Confidence] | None:
    """The rule id and confidence for ``value`` assigned to a ``kind`` name, or None.

    ``tight``: written ``name=value`` without spaces.  In code an unquoted value is an
    expression, unless it is tight and cannot be one: ``password=Xk9#q2`` inside a DSN or
    connection-string literal (``"dbname=app password=... host=db"``, ``Password=...;``).
    """
    if not quoted:
        if "(" not in value:
            value = value.rstrip(")")  # the end of a call around ``name=value``
        if _is_expression(value, code):
            return None
        if code and not (tight and _literal_in_code(value)):
            return None
    if value.startswith("base64:"):
        value = value[7:]
    if kind == "heroku" and is_uuid(value):
        return "heroku-api-key", "HIGH"  # a UUID is a Heroku API key only by its name
    if is_placeholder(value) or is_non_secret_value(value) or _made_of_words(value):
        return None
    n = len(value)
    if kind == "aws":
        if n == 40 and charset(value) in ("alnum", "base64") and looks_random(value, slack=0.3):
            return "aws-secret-access-key", "HIGH"
    if kind == "twilio" and _HEX32.match(value) and looks_random(value, slack=0.3):
        return "twilio-api-key", "HIGH"  # the account's auth token
    if kind in ("aws", "heroku", "twilio"):
        kind = "secret"
    if kind == "password":
        return _password(value)
    if kind == "encryption":
        if value.startswith("django-insecure-") and n >= 48 and shannon(value[16:]) >= 4.0:
            return "encryption-key", "MEDIUM"  # startproject's key: 50 of a 50-letter alphabet
        if n >= 32 and looks_random(value, slack=0.3):
            return "encryption-key", "MEDIUM" if value.startswith("django-insecure") else "HIGH"
        if charset(value) == "hex" and n < 32:
            return None  # 64 bits or fewer: a key id (GPG ``signingkey``), not a key
        if n >= 16 and looks_random(value, slack=0.2) and classes(value) >= 2:
            return "encryption-key", "MEDIUM"
        return None
    # kind == "secret"
    if n < 12 or not looks_random(value, slack=0.2):
        return None
    if classes(value) < 2 and charset(value) != "hex":
        return None
    if n >= 32 and looks_random(value):
        return "generic-secret", "HIGH"
    return "generic-secret", "MEDIUM" if n >= 16 else "LOW"


_WEAK_TAIL = re.compile(r"[\d\W_]+$")


def grade_password(value: str) -> Confidence | None:
    """The confidence of ``value`` as a password written where only a password stands (SQL
    ``PASSWORD '...'``, ``.netrc``, ``curl -u``), None for placeholders and non-secrets."""
    if is_placeholder(value) or is_non_secret_value(value) or _made_of_words(value):
        return None
    verdict = _password(value)
    return verdict[1] if verdict is not None else None


def _password(value: str) -> tuple[str, Confidence] | None:
    """MEDIUM for a mixed password of 8+ characters (letters with digits or symbols, or
    random-looking letters); HIGH when also long and random; LOW for weak ones (a word)."""
    n = len(value)
    if n < 6 or shannon(value) < 2.0:
        return None
    letters = any(c.isalpha() for c in value)
    others = any(not c.isalpha() for c in value)
    mixed = (letters and others) or (value[1:] != value[1:].lower() and looks_random(value))
    if value.isalpha() and wordy(value):
        return "generic-password", "LOW"  # NewPassword, CorrectHorseBattery
    if _WEAK_TAIL.sub("", value).lower() in STOPWORDS:
        return "generic-password", "LOW"  # testpass123, admin2024!: a default plus digits
    if n >= 8 and mixed and shannon(value) >= 2.5:
        strong = n >= 12 and classes(value) >= 3 and looks_random(value, slack=0.3)
        return "generic-password", "HIGH" if strong else "MEDIUM"
    return "generic-password", "LOW"


def grade_bearer(value: str) -> Confidence | None:
    """A bearer token is graded like a value assigned to a secret name."""
    verdict = assess("secret", value, quoted=True, code=False)
    return verdict[1] if verdict is not None else None


GENERIC_RULES: tuple[Rule, ...] = (
    Rule(
        id="generic-password",
        title="Hard-coded password",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        examples=(
            'db_password = "{pw:14}"',
            "DB_PASSWORD={pw:12}",
            "  password: {pw:12}",
            '{"password": "{pw:16}"}',
            "<password>{pw:12}</password>",
            'connect(host="db", user="app", passwd="{pw:12}")',
            'helm upgrade app ./chart --password "{pw:14}"',
            "app-cli login --passwd={pw:14}",
            'def connect(db_pass: str = "{pw:14}") -> None:',
            'os.environ.setdefault("DB_PASSWORD", "{pw:14}")',
            'admin_password           = "{pw:16}"',
            "ENV POSTGRES_PASSWORD {pw:14}",
            '<property name="db_password" value="{pw:14}"/>',
            "Set `SMTP_PASSWORD` to `{pw:14}` before running the job.",
        ),
        counterexamples=(
            'password = "password"',
            'password: ""',
            "password = None",
            "def login(password):",
            "if password == other:",
            "password: str",
            'label = "Enter your password"',
            'PASSWORD_PROMPT = "Password:"',
            "password = os.environ['DB_PASSWORD']",
            'password = os.getenv("DB_PASSWORD")',
            "password: ${DB_PASSWORD}",
            'password: "{{ vault_db_password }}"',
            "password = '%(password)s'",
            "PASSWORD=$PASSWORD",
            'password = "changeme"',
            'password = "<your-password>"',
            "password_hash = '{hex:64}'",
            "password = get_password()",
            "password = process.env.DB_PASSWORD",
            'PASSWORD="${PASSWORD:?PASSWORD must be set}"',
            "PASSWORD=${DB_PASSWORD:-}",
            "mysql --user app --password PASSWORD",
            'mysql --password "$DB_PASSWORD"',
            'os.environ.setdefault("DB_PASSWORD", "changeme")',
            'password = os.getenv("DB_PASSWORD")',
            "<stripeSecretKey>&lt;password&gt;</stripeSecretKey>",
            'def login(password: str = "") -> None:',
        ),
        keywords=KEYWORDS,
        pattern=ASSIGNMENT,
        family="assignment",
        priority=10,
    ),
    Rule(
        id="generic-secret",
        title="Hard-coded secret",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        examples=(
            'API_KEY = "{alnum:32}"',
            "client_secret: {url:40}",
            'headers = {"Authorization": "{alnum:40}"}',
            'self.auth_token = "{hex:40}"',
            "webhook_secret={b64:32}",
            './bin/deployctl push --api-key "{alnum:32}"',
            'monkeypatch.setenv("API_TOKEN", "{alnum:40}")',
            '<add key="AppSecret" value="{alnum:40}" />',
            'const token = process.env.API_TOKEN || "{alnum:40}";',
            'client = Client(api_key="{alnum:32}", timeout=30)',
            'const apiToken: string = "{alnum:40}";',
            'subprocess.run(["app", "--service-token", "{alnum:40}"])',
        ),
        counterexamples=(
            'api_key = "your_api_key_here"',
            'api_key = "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"',
            'token_url = "https://oauth2.example.com/token"',
            'secret_name = "prod/db/password"',
            'public_key = "{b64:64}"',
            "max_tokens = 4096",
            'access_token = "my_super_secret_token"',
            'commit = "{hex:40}"',
            '"integrity": "sha512-{b64:86}=="',
            "token = tokenize.generate_tokens(readline)",
            'icon = "data:image/png;base64,{b64:64}"',
            '__all__ = ["AsyncOAuth2Mixin", "OAuth2Client"]',
            '("http", "user/name", "token", "localhost:22")',
            "./bin/deployctl push --api-key API_KEY --token <token>",
            "aws dynamodb scan --starting-token {b64:40}",
            "image: registry.example.com/auth@sha256:{hex:64}",
            'monkeypatch.setenv("API_TOKEN", token)',
        ),
        keywords=KEYWORDS,
        pattern=ASSIGNMENT,
        family="assignment",
        priority=10,
    ),
    Rule(
        id="generic-secret",
        title="Hard-coded bearer token",
        keywords=("bearer",),
        pattern=r"(?i:bearer)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{16,500})(?![A-Za-z0-9._~+/=-])",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_bearer,
        priority=11,
        examples=('curl -H "Authorization: Bearer {alnum:40}" https://api.example.com',),
        counterexamples=(
            'headers["Authorization"] = f"Bearer {token}"',
            "Authorization: Bearer <token>",
            "Authorization: Bearer ${API_TOKEN}",
        ),
    ),
    Rule(
        id="encryption-key",
        title="Hard-coded encryption key",
        severity=Severity.CRITICAL,
        confidence="HIGH",
        examples=(
            'SECRET_KEY = "{django:50}"',
            "ENCRYPTION_KEY={hex:64}",
            'FERNET_KEY = b"{url:43}="',
            "signing_key: {b64:44}",
            'fernet_key               = "{url:43}="',
            'os.environ.setdefault("FERNET_KEY", "{url:43}=")',
            "ENV SIGNING_KEY {b64:44}",
            'helm upgrade app ./chart --encryption-key "{hex:32}"',
            'process.env.MASTER_KEY = process.env.MASTER_KEY || "{hex:32}";',
            'def load(encryption_key: str = "{hex:32}") -> None:',
            'SECRET_KEY = "django-insecure-{django:50}"',
        ),
        counterexamples=(
            "SECRET_KEY = os.environ['SECRET_KEY']",
            "SECRET_KEY = get_random_secret_key()",
            'SECRET_KEY = "change-me-in-production"',
            "ENCRYPTION_KEY=${ENCRYPTION_KEY}",
            'SECRET_KEY = os.environ.get("SECRET_KEY", "")',
            'SECRET_KEY = os.environ.get("SECRET_KEY") or "dev"',
            "ENV SECRET_KEY_FILE /run/secrets/django",
        ),
        keywords=KEYWORDS,
        pattern=ASSIGNMENT,
        family="assignment",
        priority=10,
    ),
)

__all__ = [
    "ASSIGNMENT",
    "GENERIC_RULES",
    "KEYWORDS",
    "assess",
    "grade_bearer",
    "grade_password",
    "wordy",
]
