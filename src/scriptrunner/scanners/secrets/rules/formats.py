"""Credentials written in the syntax of one tool or file format, not as ``name = value``.

* SQL: ``CREATE ROLE x WITH LOGIN PASSWORD '...'``, ``CREATE USER x IDENTIFIED BY '...'``
  (not the stored hashes ``'md5...'``, ``'SCRAM-SHA-256$...'``, ``'*<40 hex>'``);
* PHP: WordPress ``define('AUTH_KEY', '...')`` keys and salts (``wp-config.php``);
* Docker: ``"auth": "<base64 of user:password>"`` in ``config.json``, and a Kubernetes
  ``.dockerconfigjson`` value (base64 of that JSON);
* base64 of a PEM private key (kubeconfig ``client-key-data``, ``tls.key`` of a Secret);
* ``.netrc``: ``machine host login user password secret`` (one line) or a ``password`` line
  below a ``machine`` line;
* command lines and HTTP headers (``rules/commands.py``): ``curl -u``, ``Authorization``
  schemes, httpie, ``redis-cli -a``, ``mysql -p...``, ``... login -p``, ``sshpass -p``;
* AWS STS session tokens (``IQoJb3JpZ2luX2Vj...``: base64 of their binary header), too long
  for generic assignments;
* Vault ``operator init`` output: ``Unseal Key 1: <base64>``.

Values are graded like generic ones (``values.py``): placeholders and weak words are not
reported, or only at LOW confidence.
"""

from __future__ import annotations

import base64
import binascii
import json

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.allowlist import is_placeholder
from scriptrunner.scanners.secrets.rules.commands import COMMAND_RULES
from scriptrunner.scanners.secrets.rules.model import TOKEN_START_DASH, Rule
from scriptrunner.scanners.secrets.rules.values import grade_bearer, grade_password

#: Password hashes SQL accepts in place of a password: stored forms, not secrets.
_SQL_HASH_PREFIXES = ("md5", "SCRAM-SHA-256$", "*", "$")


def _grade_sql_password(value: str) -> Confidence | None:
    if value.startswith(_SQL_HASH_PREFIXES) and len(value) >= 33:
        return None
    return grade_password(value)


def _b64decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _user_password(value: str) -> bool:
    """Base64 of ``user:password`` with a real password (docker ``auth``)."""
    raw = _b64decode(value)
    if raw is None:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user, sep, password = text.partition(":")
    if not sep or not user or not text.isprintable():
        return False
    return len(password) >= 6 and not is_placeholder(password)


def _docker_config(value: str) -> bool:
    """Base64 of a docker ``config.json`` that holds credentials."""
    raw = _b64decode(value)
    if raw is None:
        return False
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return False
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("auth", "password", "identitytoken") and isinstance(v, str) and v:
                    found.append(v)
                walk(v)

    walk(data)
    return any(not is_placeholder(v) for v in found)


def _pem_private_key(value: str) -> bool:
    """The first line of the decoded value is a PEM private key header."""
    raw = _b64decode(value[:48])
    return raw is not None and b"PRIVATE KEY" in raw.split(b"\n", 1)[0]


def _grade_salt(value: str) -> Confidence | None:
    if is_placeholder(value) or len(set(value)) < 16:
        return None
    return "HIGH"


FORMAT_RULES: tuple[Rule, ...] = (
    Rule(
        id="generic-password",
        title="Password in a SQL statement",
        keywords=("password", "identified by"),
        pattern=r"(?i:\b(?:password|identified[ \t]+by))[ \t]+'(?P<secret>[^'\s]{1,200})'",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=_grade_sql_password,
        priority=13,
        examples=(
            "CREATE ROLE reporting WITH LOGIN PASSWORD '{pw:16}';",
            "CREATE USER etl WITH ENCRYPTED PASSWORD 'Marble.3888juniper';",
            "CREATE USER 'app'@'%' IDENTIFIED BY '{pw:14}';",
            "alter user app identified by '{pw:14}';",
        ),
        counterexamples=(
            "ALTER ROLE metabase PASSWORD 'md5{hex:32}';",
            "ALTER ROLE app PASSWORD 'SCRAM-SHA-256$4096:{b64:24}${b64:44}:{b64:44}';",
            "CREATE USER 'app'@'%' IDENTIFIED BY PASSWORD '*{hex:40}';",
            "CREATE ROLE app WITH LOGIN PASSWORD 'changeme';",
            "CREATE ROLE app WITH LOGIN PASSWORD :'app_password';",
        ),
    ),
    Rule(
        id="generic-secret",
        title="WordPress authentication key or salt",
        keywords=(
            "auth_key",
            "auth_salt",
            "logged_in_key",
            "logged_in_salt",
            "nonce_key",
            "nonce_salt",
        ),
        pattern=r"(?i:define)[ \t]*\([ \t]*['\"](?:SECURE_AUTH|AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)"
        r"['\"][ \t]*,[ \t]*'(?P<secret>[^'\n]{32,128})'",
        severity=Severity.HIGH,
        grade=_grade_salt,
        examples=(
            "define( 'SECURE_AUTH_SALT', 'IT3j0kwq:fy_,l6*GnDV+l(:Tr@8gk2Et;-@*bV,T;GBBaEt;U' );",
            "define('AUTH_KEY', '{b64:64}');",
        ),
        counterexamples=(
            "define( 'AUTH_KEY', 'put your unique phrase here' );",
            "define( 'NONCE_KEY', getenv('NONCE_KEY') );",
        ),
    ),
    Rule(
        id="generic-password",
        title="Docker registry credentials",
        keywords=('"auth"', '\\"auth\\"'),
        pattern=r"\\{0,3}\"auth\\{0,3}\"[ \t]*:[ \t]*\\{0,3}\"(?P<secret>[A-Za-z0-9+/]{8,600}={0,2})"
        r"\\{0,3}\"",
        severity=Severity.HIGH,
        validator=_user_password,
        priority=25,  # over what the decoding pass finds inside (the same value, base64)
        examples=(
            '{"auths": {"ghcr.io": {"auth": "Ym90OlhrOXEycEw3bVpyNHRXMW4="}}}',
            '"auth": "ZGVwbG95OmdocF9RbTdzVnQyTHhOOWFLYzRSd1o4cEV5MUhkSjZ1QmYzR2k1VG8="',
        ),
        counterexamples=(
            '"auth": "dXNlcjpwYXNzd29yZA=="',
            '"auth": "{b64:32}"',
            '"auth": "bearer"',
        ),
    ),
    Rule(
        id="generic-secret",
        title="Docker config with registry credentials (base64)",
        keywords=("dockerconfigjson", "dockercfg"),
        pattern=r"\.docker(?:configjson|cfg)[\"']?[ \t]*:[ \t]*[\"']?"
        r"(?P<secret>eyJ[A-Za-z0-9+/]{16,8000}={0,2})",
        severity=Severity.HIGH,
        validator=_docker_config,
        priority=25,  # over what the decoding pass finds inside (the same value, base64)
        examples=(
            "  .dockerconfigjson: eyJhdXRocyI6IHsiZ2hjci5pbyI6IHsiYXV0aCI6ICJZbTkwT2xock9YRXljRX"
            "czYlZweU5IUlhNVzQ9In19fQ==",
        ),
        counterexamples=(
            "  .dockerconfigjson: eyJhdXRocyI6IHsiZ2hjci5pbyI6IHt9fX0=",
            "  .dockerconfigjson: {{ .Values.dockerconfig | b64enc }}",
        ),
    ),
    Rule(
        id="private-key",
        title="Private key (base64-encoded PEM)",
        keywords=("ls0tls1crudjti",),
        pattern=TOKEN_START_DASH + r"(?P<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,16000}={0,2})",
        min_entropy=4.0,
        validator=_pem_private_key,
        priority=30,
        examples=(
            "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQp{b64:120}",
            "  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2{b64:120}",
        ),
        counterexamples=(
            "client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J{b64:120}",
            "  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J{b64:120}",
        ),
    ),
    Rule(
        id="generic-password",
        title="Password in a .netrc entry",
        keywords=("login",),
        pattern=r"(?:\bmachine[ \t]+[^\s]{1,253}|\bdefault)[ \t]+login[ \t]+[^\s]{1,128}"
        r"[ \t]+password[ \t]+(?P<secret>[^\s'\"`]{1,200})",
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=("machine nexus.example.com login deployer password {pw:20}",),
        counterexamples=(
            "machine api.example.com login user password $NETRC_PASSWORD",
            "machine api.example.com login user password <password>",
            "u'machine {hostname} login token password {auth_token}'",
        ),
    ),
    Rule(
        id="generic-password",
        title="Password in a .netrc file",
        keywords=("password",),
        pattern=r"(?m)^[ \t]*password[ \t]+(?P<secret>[^\s]{1,200})[ \t]*$",
        context=("machine",),
        context_lines=3,
        severity=Severity.HIGH,
        confidence="MEDIUM",
        grade=grade_password,
        priority=13,
        examples=("machine nexus.example.com\n  login deployer\n  password {pw:20}\n",),
        counterexamples=("Password\n  {pw:20}\n", "  password {pw:20}\n"),
    ),
    Rule(
        id="generic-secret",
        title="AWS session token",
        keywords=("iqojb3jpz2lux2vj", "fwogzxivyxdz"),
        pattern=TOKEN_START_DASH
        + r"(?P<secret>(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)[A-Za-z0-9+/]{100,4000}={0,2})"
        r"(?![A-Za-z0-9+/=])",
        min_entropy=4.5,
        examples=(
            "aws_session_token = IQoJb3JpZ2luX2VjEYQaCWV1LXdlc3QtMSJHMEUCIQ{b64:300}",
            '"SessionToken": "FwoGZXIvYXdzEBYaDHhBTkRPTUtFWVNUUklORyKCAZ{b64:200}",',
        ),
        counterexamples=("# STS session tokens start with IQoJb3JpZ2luX2Vj (base64)",),
    ),
    Rule(
        id="generic-secret",
        title="Vault unseal key",
        keywords=("unseal key",),
        pattern=r"(?i:unseal[ \t]+key)[ \t]+\d{1,2}[ \t]*:[ \t]*(?P<secret>[A-Za-z0-9+/]{20,200}"
        r"={0,2})",
        severity=Severity.CRITICAL,
        grade=grade_bearer,
        examples=("Unseal Key 1: {b64:44}",),
        counterexamples=("Unseal Key 1: <unseal key>", "Unseal Key (will be hidden):"),
    ),
    *COMMAND_RULES,
)

__all__ = ["FORMAT_RULES"]
