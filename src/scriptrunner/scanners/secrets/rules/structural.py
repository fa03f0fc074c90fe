"""Secrets recognised by their structure: PEM private keys, JWTs, age keys, and credentials
inside connection URLs.

URL passwords are graded (not just matched): ``postgres://app:Xk9#pL2q@db`` is a leak,
``postgres://user:password@localhost`` a documentation placeholder and
``postgres://${USER}:${PASS}@db`` a template.
"""

from __future__ import annotations

import base64
import binascii
import json

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.allowlist import is_placeholder
from scriptrunner.scanners.secrets.entropy import looks_random, shannon
from scriptrunner.scanners.secrets.rules.model import TOKEN_END_DASH, TOKEN_START_DASH, Rule


def jwt_header_ok(token: str) -> bool:
    """The first part decodes (base64url) to a JSON object with an ``alg``."""
    head = token.split(".", 1)[0]
    try:
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "alg" in data


def classes(value: str) -> int:
    """How many of lower-case, upper-case, digits and other characters ``value`` mixes."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def grade_url_password(password: str) -> Confidence | None:
    """HIGH for a strong password, MEDIUM for a plausible one, None for placeholders."""
    if is_placeholder(password) or password.startswith(("$", "%", "{", "<")):
        return None
    if password.isdigit() and len(password) <= 5:
        return None  # host:port@... rather than a password
    if len(password) < 4:
        return "LOW"
    if len(password) >= 8 and (classes(password) >= 2 or looks_random(password)):
        return "HIGH" if shannon(password) >= 2.8 else "MEDIUM"
    return "MEDIUM"


_URL_USER = r"(?P<user>[^\s:@/'\"`<>{}\[\]]{0,128})"
_URL_PASSWORD = r"(?P<secret>[^\s@/'\"`<>]{1,256})"

STRUCTURAL_RULES: tuple[Rule, ...] = (
    Rule(
        id="private-key",
        title="Private key",
        keywords=("private key-----", "private key block-----"),
        lines_after=8,
        # The body starts after the header, optional PEM headers (Proc-Type, Version) and
        # escaped newlines ("\n" inside JSON or code strings).
        pattern=r"-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----"
        r"[\s\S]{0,300}?(?<!\\)(?:(?<![A-Za-z0-9+/=])|(?<=\\[nr]))"
        # A body cut short with "..." is a documentation excerpt, not a key.
        r"(?P<secret>[A-Za-z0-9+/=]{40,4096})(?![A-Za-z0-9+/=]|[ \t]{0,2}(?:\.\.\.|\u2026))",
        report_at_match=True,
        min_entropy=3.5,
        priority=30,
        examples=(
            "-----BEGIN RSA PRIVATE KEY-----\n{b64:64}\n{b64:64}\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{b64:70}\n-----END OPENSSH PRIVATE KEY-----",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{b64:64}\n",
            'KEY = "-----BEGIN EC PRIVATE KEY-----\\n{b64:64}\\n-----END EC PRIVATE KEY-----"',
        ),
        counterexamples=(
            "-----BEGIN PUBLIC KEY-----\n{b64:64}\n-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\n{b64:64}\n-----END CERTIFICATE-----",
            "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{b64:40}...\n-----END RSA PRIVATE KEY-----",
        ),
    ),
    Rule(
        id="jwt",
        title="JSON Web Token",
        keywords=("eyj",),
        pattern=TOKEN_START_DASH + r"(?P<secret>eyJ[A-Za-z0-9_-]{10,2000}\.ey[A-Za-z0-9_-]{4,8000}"
        r"\.[A-Za-z0-9_-]{16,1000})" + TOKEN_END_DASH,
        validator=jwt_header_ok,
        severity=Severity.HIGH,
        min_entropy=3.5,
        examples=("Authorization: Bearer {jwt}",),
        counterexamples=(
            "eyJub3RfYV9qd3QiOjF9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{url:43}",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpva"
            "G4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ),
    ),
    Rule(
        id="age-secret-key",
        title="age secret key",
        keywords=("age-secret-key-1",),
        pattern=r"(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        min_entropy=3.5,
        examples=("# created: 2024-01-01\nAGE-SECRET-KEY-1{bech:58}",),
        counterexamples=("AGE-SECRET-KEY-1{bech:50}",),
    ),
    Rule(
        id="database-url",
        title="Database URL with password",
        keywords=(
            "postgres",
            "mysql",
            "mariadb",
            "mongodb",
            "redis",
            "amqp",
            "mssql",
            "sqlserver",
            "cockroachdb",
            "clickhouse",
        ),
        pattern=r"(?<![A-Za-z0-9+.-])(?i:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?"
        r"|amqps?|mssql|sqlserver|cockroachdb|clickhouse)(?:\+[A-Za-z0-9]+)?://"
        + _URL_USER
        + ":"
        + _URL_PASSWORD
        + r"@[A-Za-z0-9\[_-]",
        grade=grade_url_password,
        priority=26,
        examples=(
            'DATABASE_URL="postgresql://app:{alnum:16}@db.internal:5432/app"',
            "mongodb+srv://admin:{alnum:12}@cluster0.example.net/test",
            "REDIS_URL=redis://:{alnum:20}@cache:6379/0",
        ),
        counterexamples=(
            "postgres://user:password@localhost/db",
            "postgres://${DB_USER}:${DB_PASSWORD}@db/app",
            "mysql://user:@localhost/db",
            "postgresql://user@localhost/db",
            "redis://localhost:6379/0",
            'url = f"postgresql://{user}:{password}@{host}/db"',
            "postgresql://scott:tiger@localhost/test",
        ),
    ),
    Rule(
        id="basic-auth-url",
        title="Credentials in URL",
        keywords=("://",),
        pattern=r"(?<![A-Za-z0-9+.-])(?i:https?|ftps?|sftp|ssh|git|svn|smtps?|imaps?|pop3s?"
        r"|ldaps?|wss?|git\+https?|git\+ssh|nats|kafka|mqtts?)://"
        + _URL_USER.replace("{0,128}", "{1,128}")
        + ":"
        + _URL_PASSWORD
        + r"@[A-Za-z0-9\[_-]",
        grade=grade_url_password,
        severity=Severity.HIGH,
        priority=19,  # below provider tokens: a GitHub token as the URL password is one
        examples=(
            "git clone https://deploy:{alnum:20}@github.com/org/repo.git",
            'PROXY = "http://proxyuser:{alnum:12}@proxy.corp:3128"',
        ),
        counterexamples=(
            "https://example.com/path?a=b",
            "http://user:pass@example.com/",
            "https://${USER}:${TOKEN}@github.com/org/repo.git",
            "http://localhost:8080/@foo",
            "ftp://anonymous:@ftp.example.com/",
        ),
    ),
)

__all__ = ["STRUCTURAL_RULES", "classes", "grade_url_password", "jwt_header_ok"]
