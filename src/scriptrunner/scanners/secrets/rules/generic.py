"""Generic assignments: ``password = "..."``, ``API_KEY: ...``, ``SECRET_KEY=...``.

One regex (:data:`ASSIGNMENT`) finds ``name <op> value`` pairs on the lines where a generic
keyword occurs; :func:`classify` then reads the *name* (split into words, so ``dbPassword``,
``DB_PASSWORD`` and ``db-password`` are alike) and :func:`assess` the *value*:

* a name must say password, secret/token/API key, or encryption key -- and not be about one
  (``password_hash``, ``token_url``, ``secret_name``, ``public_key``, ``max_tokens``);
* a value must not be a placeholder, template, lookup, UUID, hash, URL, path or version, and
  must look generated: per-charset entropy floors (``entropy.py``), not made of words;
* in code, an unquoted value is an expression (``password = get_password()``), never a
  literal; in configuration files (``.env``, ``.ini``, YAML, shell) it is the value itself.
"""

from __future__ import annotations

import re
from typing import Literal

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.allowlist import is_non_secret_value, is_placeholder
from scriptrunner.scanners.secrets.entropy import charset, looks_random, shannon
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.structural import classes

Kind = Literal["password", "secret", "encryption", "aws"]

#: ``name <op> value`` with a quoted value (no whitespace inside) or a bare one.
ASSIGNMENT = (
    r"(?<![\w$@.-])(?P<name>[A-Za-z_$@-][\w$@.-]{0,80})(?:\\{0,3}[\"'`])?\]?[ \t]{0,8}"
    r"(?::=|=>|<-|\?=|=(?!=)|:(?![:=/]))[ \t]{0,8}"
    r"(?:[bBrRuU]{0,2}\\{0,3}[\"'`](?P<quoted>[^\"'`\\\s]{1,300})\\{0,3}[\"'`]"
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
    "signing",
    "master_key",
    "masterkey",
    "hmac",
    "private_key",
    "privatekey",
    "bearer",
    "cipher",
)

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PASSWORD = frozenset({"password", "passwd", "passphrase", "pswd", "passwort"})
#: Short forms that mean "password" only as the last word (``DB_PASS``, not ``pass_fds``).
_PASSWORD_LAST = frozenset({"pass", "pwd"})
_SECRET = frozenset(
    {
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "auth",
        "authkey",
        "authtoken",
        "accesstoken",
        "accesskey",
        "bearer",
        "authorization",
        "privatekey",
        "clientsecret",
        "apisecret",
        "apitoken",
    }
)
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "access",
        "private",
        "client",
        "app",
        "application",
        "account",
        "subscription",
        "consumer",
        "license",
        "licence",
        "service",
        "auth",
        "admin",
        "root",
        "deploy",
        "webhook",
        "integration",
        "partner",
        "merchant",
        "security",
        "storage",
        "shared",
        "sas",
    }
)
_ENCRYPTION = frozenset(
    {
        "encryption",
        "encrypt",
        "fernet",
        "aes",
        "signing",
        "master",
        "hmac",
        "cipher",
        "crypto",
        "secret",
        "symmetric",
        "dek",
        "kek",
        "wrapping",
        "jwt",
        "session",
        "cookie",
    }
)
#: A name ending in one of these is *about* a secret, not the secret.
_NOT_VALUE = frozenset(
    "name names type types url urls uri endpoint path file filename dir directory id ids header "
    "field fields param params env var prefix suffix length len size expiry expires expiration "
    "ttl timeout count format version scope scopes kind label arn ref location policy mode "
    "provider manager store source host port user username email region bucket table column "
    "algorithm alg method methods pattern regex hint hash hashed digest sha checksum fingerprint "
    "enabled required class module model schema placeholder prompt message msg text title "
    "description help error errors validator validation rule rules min max limit index idx "
    "position pos start end counter cache lifetime age created updated date time reset rotation "
    "input form button icon level status state flag option options setting settings config "
    "tokens field_name key_name file_path ttl_seconds exists valid invalid changed confirm "
    "question attempts strength policy_id salt reference refs".split()
)
#: A name containing one of these is not a credential at all.
_NEVER = frozenset(
    {"public", "publishable", "pub", "csrf", "xsrf", "nonce", "next", "page", "cursor", "max"}
)
_CODE_EXTENSIONS = frozenset(
    "py pyi pyw js jsx mjs cjs ts tsx go java kt kts scala groovy rb php cs c h cc cpp hpp rs "
    "swift m mm lua pl pm r dart ex exs erl clj fs vb ipynb tf hcl vue svelte".split()
)
_EXPRESSION = re.compile(
    r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$|^(?:!|&|\*|\||>)|^[A-Za-z_$][\w$.]*\("
)
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")


def words(name: str) -> list[str]:
    """``"self.dbPassword"`` -> ``["db", "password"]`` (the last dotted part, lower-cased)."""
    last = name.lstrip("$@-").rsplit(".", 1)[-1]
    return [w.lower() for w in _WORDS.findall(last)]


def classify(name: str) -> Kind | None:
    """Which kind of credential a variable or key called ``name`` holds, if any."""
    ws = words(name)
    if not ws or ws[-1] in _NOT_VALUE or _NEVER.intersection(ws):
        return None
    if "aws" in ws and "secret" in ws:
        return "aws"
    joined = "".join(ws)
    if any(w in _PASSWORD or w.endswith(("password", "passwd")) for w in ws):
        return "password"
    if ws[-1] in _PASSWORD_LAST:
        return "password"
    has_key = any(w == "key" or (w.endswith("key") and w[:-3] in _ENCRYPTION) for w in ws)
    if has_key and (_ENCRYPTION.intersection(ws) or any(w[:-3] in _ENCRYPTION for w in ws)):
        return "encryption"
    if joined.endswith(("secretkeybase", "secretkey")):
        return "encryption"
    if _SECRET.intersection(ws) or ("key" in ws and _KEY_QUALIFIERS.intersection(ws)):
        return "secret"
    if any(w.endswith(("apikey", "accesskey", "authtoken", "apitoken")) for w in ws):
        return "secret"
    return None


def is_code_file(path: str) -> bool:
    """Source code (unquoted values are expressions) rather than configuration."""
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot + 1 :].lower() in _CODE_EXTENSIONS


def _literal_in_code(value: str) -> bool:
    """An unquoted value in code that no expression looks like: punctuation a name cannot
    hold, or a random mix of upper, lower case and digits."""
    core = value.rstrip(")]:;,")  # the end of the call or block around the assignment
    if not _IDENTIFIER.match(core):
        return not re.match(r"^[\w$.]*$", core)
    return looks_random(core) and classes(core) >= 3


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
        if _EXPRESSION.search(value):
            return None
        if code and not (tight and _literal_in_code(value)):
            return None
    if value.startswith("base64:"):
        value = value[7:]
    if is_placeholder(value) or is_non_secret_value(value) or _made_of_words(value):
        return None
    n = len(value)
    if kind == "aws":
        if n == 40 and charset(value) in ("alnum", "base64") and looks_random(value, slack=0.3):
            return "aws-secret-access-key", "HIGH"
        kind = "secret"
    if kind == "password":
        return _password(value)
    if kind == "encryption":
        if n >= 32 and looks_random(value, slack=0.3):
            return "encryption-key", "MEDIUM" if value.startswith("django-insecure") else "HIGH"
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


def _password(value: str) -> tuple[str, Confidence] | None:
    """MEDIUM for a mixed password of 8+ characters (letters with digits or symbols, or
    random-looking letters); HIGH when also long and random; LOW for weak ones (a word)."""
    n = len(value)
    if n < 6 or shannon(value) < 2.0:
        return None
    letters = any(c.isalpha() for c in value)
    others = any(not c.isalpha() for c in value)
    mixed = (letters and others) or (value[1:] != value[1:].lower() and looks_random(value))
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
        ),
        counterexamples=(
            "SECRET_KEY = os.environ['SECRET_KEY']",
            "SECRET_KEY = get_random_secret_key()",
            'SECRET_KEY = "change-me-in-production"',
            "ENCRYPTION_KEY=${ENCRYPTION_KEY}",
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
    "classify",
    "grade_bearer",
]
