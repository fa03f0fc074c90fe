"""Generic assignments: ``password = "..."``, ``API_KEY: ...``, ``SECRET_KEY=...``.

One regex (:data:`ASSIGNMENT`) finds ``name <op> value`` pairs on the lines where a generic
keyword occurs (``syntax.py`` adds the other ways code names a value: CLI flags, ``(name,
value)`` call arguments, XML ``name=/value=`` attributes, Dockerfile ``ENV``, ``|| "default"``);
:func:`~scriptrunner.scanners.secrets.rules.names.classify` reads the *name* and
:func:`~scriptrunner.scanners.secrets.rules.values.assess` the *value*:

* a name must say password, secret/token/API key, or encryption key -- and not be about one
  (``password_hash``, ``token_url``, ``secret_name``, ``public_key``, ``max_tokens``);
* a value must not be a placeholder, template, lookup, UUID, hash, URL, path or version, and
  must look generated: per-charset entropy floors (``entropy.py``), not made of words;
* in code, an unquoted value is an expression (``password = get_password()``), never a
  literal; in configuration files (``.env``, ``.ini``, YAML, shell) it is the value itself.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.values import grade_bearer

#: ``name <op> value`` with a quoted value (no whitespace inside) or a bare one.  The name may
#: carry a type annotation before ``=`` (``pwd: str = "..."``, ``key: string = "..."``,
#: ``const X: &str = "..."``, Go ``var x string = "..."``), a C# property accessor list
#: (``X { get; } = "..."``), a C array suffix (``X[] = "..."``), and be column-aligned
#: (``fernet_key      = "..."``); never the ``NAME`` of a shell expansion ``${NAME:?message}``
#: nor PowerShell's ``$env`` in ``$env:NAME``.  Operators: ``=``, ``:``, ``=>``, ``:=``,
#: ``::=``, ``:::=`` (Make), ``?=``, ``+=``, ``.=`` (PHP), ``||=`` (Ruby), ``<-`` (R) and
#: Kotlin's ``by lazy {``.
ASSIGNMENT = (
    r"(?<![\w$@.-])(?<!\$\{)(?!\$(?i:env|global|script|local|private|using):)"
    r"(?P<name>[A-Za-z_$@-][\w$@.-]{0,80}+)(?:\\{0,3}[\"'`])?\]?(?:\[\d{0,4}\])?"
    r"(?:[ \t]{0,4}\{[ \t]*get;[^{}\n]{0,24}\})?"
    r"(?:[ \t]{1,4}(?:string|\[\]byte|\*string)(?=[ \t]{1,4}=[^=]))?"
    r"(?:[ \t]{0,4}:[ \t]{0,4}&?(?:'\w{1,20}[ \t]+)?[A-Za-z_][\w.]{0,40}(?:\[[\w., |]{0,60}\])?"
    r"(?:[ \t]{0,2}\|[ \t]{0,2}[A-Za-z_][\w.]{0,40}){0,2}(?=[ \t]{1,4}(?:=[^=>]|by[ \t])))?"
    r"[ \t]{0,40}+"
    r"(?::::=|::=|:=|\|\|=|\+=|\.=|=>|<-|\?=|=(?!=)|:(?![:=/])|by[ \t]+lazy[ \t]*\{)[ \t]{0,16}"
    r"(?:(?:[bBrRuU]{0,2}|\[\]byte\(|@)\\{0,3}[\"'`]"
    r"(?P<quoted>(?:[^\"'`\\\s]|\\[^\"'`\\\snrt])(?:[^\"'`\\\s]|\\[^\"'`\\\snrt]){0,299})"
    r"\\{0,3}[\"'`]"
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
    # dotted property names (``vendor.api.key=...``)
    "api.key",
    "app.key",
    "access.key",
    # personal access tokens named ``*_PAT`` / ``*.pat`` (``path``, ``pattern``: no hit)
    "_pat ",
    "_pat=",
    "_pat:",
    '_pat"',
    "_pat'",
    ".pat=",
    ".pat ",
    ".pat:",
    "-pat:",
    # ``<qualifier> key`` names without another keyword (``AdminKey``, ``LICENSE_KEY``)
    *(
        f"{qualifier}{sep}key"
        for qualifier in (
            "admin",
            "license",
            "licence",
            "subscription",
            "service",
            "services",
            "preshared",
            "sdk",
            "write",
            "ingest",
            "insert",
            "management",
            "hook",
            "function",
            "server",
            "account",
            "consumer",
            "integration",
            "merchant",
            "partner",
            "storage",
            "shared",
            "deploy",
            "client",
        )
        for sep in ("", "_", "-", ".")
    ),
)

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

__all__ = ["ASSIGNMENT", "GENERIC_RULES", "KEYWORDS"]
