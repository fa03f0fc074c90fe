"""Whether the value of a generic assignment is a secret, and how sure we are.

:func:`assess` judges a value assigned to a name ``names.classify`` recognised (a password,
a secret/token/API key, an encryption key): it must not be a placeholder, template, lookup,
UUID, hash, URL, path or version, and must look generated -- per-charset entropy floors
(``entropy.py``), not made of words.  In code an unquoted value is an expression
(``password = get_password()``), never a literal; in configuration files (``.env``,
``.ini``, YAML, shell) it is the value itself.  :func:`grade_password` and
:func:`grade_bearer` grade values that format rules find in fixed places.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Confidence
from scriptrunner.scanners.secrets.allowlist import (
    STOPWORDS,
    is_non_secret_value,
    is_placeholder,
    is_uuid,
)
from scriptrunner.scanners.secrets.entropy import charset, looks_random, shannon
from scriptrunner.scanners.secrets.rules.names import Kind
from scriptrunner.scanners.secrets.rules.structural import classes
from scriptrunner.scanners.secrets.rules.words import (
    identifier_like,
    random_parts,
    regex_or_format,
    wordy,
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


def _made_of_words(value: str) -> bool:
    """``my_super_secret_token`` or ``prod/db/password``: letter-only parts and separators
    (a long part is a word only if it reads as words: ``api_org_<random letters>`` is not)."""
    parts = [p for p in re.split(r"[_\-./:\s]+", value) if p]
    return len(parts) >= 2 and all(p.isalpha() and (len(p) <= 16 or wordy(p)) for p in parts)


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
    if regex_or_format(value):
        return None  # ``ghp_[A-Za-z0-9]{36}``, ``(?:key|token)``, ``Bearer {}``
    if kind != "password" and identifier_like(value):
        return None  # ``ExclusiveStartBackupArn``, ``AsyncTokenCredential``: names, not keys
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
    return _generated(value)


def _generated(value: str) -> tuple[str, Confidence] | None:
    """A value under a secret name: generated (random for its charset and length, or its
    parts are: :func:`~scriptrunner.scanners.secrets.rules.words.random_parts`), graded by
    length."""
    n = len(value)
    if (
        n >= 12
        and looks_random(value, slack=0.2)
        and (classes(value) >= 2 or charset(value) == "hex")
    ):
        if n >= 32 and looks_random(value):
            return "generic-secret", "HIGH"
        return "generic-secret", "MEDIUM" if n >= 16 else "LOW"
    for core in random_parts(value):
        if len(core) < 16:
            break
        if looks_random(core, slack=0.2) and (classes(core) >= 2 or charset(core) == "hex"):
            return "generic-secret", "HIGH" if len(core) >= 32 and looks_random(core) else "MEDIUM"
    return None


_WEAK_TAIL = re.compile(r"[\d\W_]+$")
_LEET = str.maketrans("@4310!5$7", "aaeioisst")


def _unleet(word: str) -> str:
    """``P@55w0rd`` -> ``password``: the digits and symbols people put for letters."""
    return word.lower().translate(_LEET)


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
    stem = _WEAK_TAIL.sub("", value)
    if wordy(value.rstrip(".!?")) or (stem.isalpha() and wordy(stem)):
        return "generic-password", "LOW"  # NewPassword, CorrectHorseBattery, SomeKindOfPw1!
    if stem.lower() in STOPWORDS or _unleet(stem) in STOPWORDS:
        return "generic-password", "LOW"  # testpass123, admin2024!, P@55w0rd!: a default
    if n >= 8 and mixed and shannon(value) >= 2.5:
        strong = n >= 12 and classes(value) >= 3 and looks_random(value, slack=0.3)
        return "generic-password", "HIGH" if strong else "MEDIUM"
    return "generic-password", "LOW"


def grade_bearer(value: str) -> Confidence | None:
    """A bearer token is graded like a value assigned to a secret name."""
    verdict = assess("secret", value, quoted=True, code=False)
    return verdict[1] if verdict is not None else None


__all__ = ["assess", "grade_bearer", "grade_password", "wordy"]
