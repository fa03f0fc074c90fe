"""What looks like a secret but is not one, and the comments that accept a real one.

Two kinds of allowlisting, kept apart on purpose:

* *value* allowlists (:func:`is_placeholder`, :func:`is_non_secret_value`,
  :data:`DOCUMENTED_EXAMPLES`) drop a match outright: ``${DB_PASSWORD}``, ``changeme``,
  ``AKIAIOSFODNN7EXAMPLE``, a UUID or a ``sha512-...`` lockfile integrity string is not a leak;
* inline *pragmas* (:func:`pragma_on`) keep the finding but mark it suppressed
  (``Suppression("inSource", ...)``), so accepted secrets stay visible in reports.

The word lists follow what gitleaks (stopwords, global allowlist) and detect-secrets (its
heuristic filters: templated values, indirect references, UUIDs, sequential strings) learnt
from real repositories.
"""

from __future__ import annotations

import re

from scriptrunner.scanners.secrets.examples import (
    DOCUMENTED_EXAMPLES,
    STOPWORDS,
    is_documented_jwt,
)

_TEMPLATE = re.compile(
    r"""\$\{[^}]*\}?        # ${VAR}
      | \{\{.*?\}\}?        # {{ var }}
      | \{%.*?%\}           # {% tag %}
      | %\([\w.-]+\)[sdr]   # %(pw)s
      | ^\$[A-Za-z_]\w*$    # $PASSWORD
      | ^\$\(               # $(command)
      | ^\{[\w.-]*\}$       # {password}
      | ^<[^<>]*>$          # <your-key>
      | ^&lt;[^<>&]*&gt;$   # &lt;your-key&gt; (XML-escaped)
      | ^\[[^\[\]]*\]$      # [password]
      | ^__[A-Z0-9_]+__$    # __SECRET__
      | ^@[A-Za-z_][\w.]*@$ # @VAR@ (autoconf)
      | ^%[A-Za-z_]\w*%$    # %VAR% (Windows)
      | \#\{[^}]*\}         # #{var} (Ruby)
      | ^\$[0-9]$           # $1 (shell positional)
    """,
    re.VERBOSE,
)

_PLACEHOLDER_WORDS = re.compile(
    r"\*{3,}|\.{3,}|#{4,}|_{4,}|-{5,}|0{8,}|1{8,}"
    r"|change[_-]?me|changeit|your[_-]?(?:own[_-]?)?(?:api|secret|token|key|pass|password|access"
    r"|client|app|auth|private|real)|your_(?:[a-z0-9]+_){0,3}(?:token|key|secret|password|id)\b"
    r"|(?:api|secret|auth)[_-]?key[_-]?here|_here\b|here$|^here"
    r"|placeholder|redacted|example|sample|dummy|\bfake|\bmock|not[_-]?a[_-]?real|notreal"
    r"|replace[_-]?(?:me|with|this)|insert[_-]?(?:your|here|key|token)|^todo$|^fixme$|^tbd$"
    r"|^none$|^null$|^nil$|^undefined$|^true$|^false$|^empty$|^string$|^str$|^secret$"
    r"|^password$|^passwd$|^pass$|^pwd$|^token$|^api[_-]?key$|^key$|^value$|^default$|^test$",
    re.IGNORECASE,
)

#: ``xxxx`` stands in for a value in examples (``sk_live_xxxxxxxx``); by chance a random
#: token holds ``xxxX``.
_X_RUN = re.compile(r"x{4,}|X{4,}")


def _x_placeholder(run: int, length: int) -> bool:
    """A run of ``x`` long enough, or a large enough part of the value, to stand in for it."""
    return run >= 8 or run * 4 >= length


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NON_SECRET = re.compile(
    r"""^(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b?|h1)[-:=] # integrity, --hash=, go.sum
      | ^\$(?:2[abxy]?|5|6|argon2i?d?|scrypt|pbkdf2[-\w]*)\$      # password hashes (crypt)
      | ^(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2)\$             # Django password hashes
      | ^\{(?:SSHA|SHA|SMD5|SSHA256|SSHA512|CRYPT|cipher)\}        # LDAP hashes, Spring {cipher}
      | ^ENC[(\[]|^\$ANSIBLE_VAULT;|^vault:v\d+:|^AgA[A-Za-z0-9+/]{100}  # ciphertext: Jasypt,
      # SOPS, Ansible Vault, Vault transit, Sealed Secrets
      | ^@Microsoft\.KeyVault\(|^arn:aws[\w-]*:(?:secretsmanager|ssm|kms):  # secret references
      | ^(?:op|vault|awssm|gcpsm|azkv|sm|secret|keyvault)://|^ref\+\w+://
      | ^projects/[^/\s]+/secrets/
      | ^\d{4}-\d{2}-\d{2}(?:[T\ ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$  # dates
      | ^data:[\w/+.-]+[;,]                                      # data: URIs (base64 images)
      | ^[a-z][a-z0-9+.-]*://                                    # URLs (credentials: own rules)
      | ^(?:\.{0,2}/|~/|[A-Za-z]:\\)                             # file paths
      | ^ssh-(?:rsa|dss|ed25519)|^ecdsa-sha2-                    # public keys
      | ^pk\.eyJ[\w-]{8,}\.[\w-]{8,}$                            # Mapbox public tokens
      | ^pk_(?:live|test)_[0-9A-Za-z]{20,}$                        # Stripe publishable keys
      | ^-----BEGIN\ (?:PUBLIC\ KEY|CERTIFICATE|RSA\ PUBLIC|SSH2\ PUBLIC)
      | ^\#[0-9a-fA-F]{3,8}$                                     # CSS colours
      | ^v?\d+(?:\.\d+){1,3}(?:[-+.][\w.]+)?$                    # versions
      | ^[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.(?:[a-z]{2,24}|[A-Z]{2,24})$  # e-mail addresses
    """,
    re.VERBOSE,
)
#: Accessors of environment and configuration: the value is looked up, not written down.
_LOOKUP = re.compile(
    r"(?:os\.environ|os\.getenv|getenv|process\.env|ENV\[|System\.getenv|env\(|config\("
    r"|settings\.|secrets\.|vault\(|lookup\(|Environment\.GetEnvironmentVariable)",
)
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "0123456789012345678901234567890123456789",
    "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
    "0123456789abcdef0123456789abcdef0123456789abcdef",
    "qwertyuiopasdfghjklzxcvbnm",
)


def is_template(value: str) -> bool:
    """``${X}``, ``{{ x }}``, ``%(x)s``, ``$X``, ``<your-key>`` and similar references."""
    return bool(_TEMPLATE.search(value))


def is_placeholder(value: str) -> bool:
    """A template, a placeholder word (``changeme``, ``xxxx``, ``your_api_key_here``), a
    stopword, a documented example key or JWT, or a character sequence."""
    if not value or value in DOCUMENTED_EXAMPLES or value.lower() in STOPWORDS:
        return True
    if is_template(value) or _PLACEHOLDER_WORDS.search(value):
        return True
    if any(_x_placeholder(m.end() - m.start(), len(value)) for m in _X_RUN.finditer(value)):
        return True
    if len(set(value)) <= 2:
        return True
    if value.startswith("eyJ") and value.count(".") == 2 and is_documented_jwt(value):
        return True
    if _stopword_parts(value):
        return True
    return _has_sequence(value.lower())


_PARTS = re.compile(r"[A-Za-z]+|\d+")


def _stopword_parts(value: str) -> bool:
    """``foo:bar``, ``admin-admin``, ``test_password_1``: defaults and placeholder words
    joined by punctuation and short numbers."""
    parts = _PARTS.findall(value)
    if len(parts) < 2:
        return False
    words = [p.lower() for p in parts if not p.isdigit()]
    return (
        len(words) >= 2
        and all(w in STOPWORDS for w in words)
        and all(len(p) <= 4 for p in parts if p.isdigit())
    )


#: Every 12-character run of the sequences (a set: one lookup per position of a value).
_SEQUENCE_RUNS = frozenset(seq[i : i + 12] for seq in _SEQUENCES for i in range(len(seq) - 11))


def _has_sequence(low: str) -> bool:
    """``abcdefgh...`` or ``0123456789...``: a whole value or a 12-character run of it."""
    if len(low) >= 6 and any(low in seq for seq in _SEQUENCES):
        return True
    if len(low) < 12:
        return False
    return any(low[i : i + 12] in _SEQUENCE_RUNS for i in range(len(low) - 11))


def is_non_secret_value(value: str) -> bool:
    """UUIDs, hash and integrity strings, data URIs, URLs, paths, public keys, colours,
    versions and e-mail addresses: shapes that generic assignment rules must not report."""
    if _UUID.match(value):
        return True
    m = _NON_SECRET.search(value)
    if m is None:
        return False
    return not (value.startswith("/") and _random_segment(value))


_MIXED_RUN = re.compile(r"[A-Za-z0-9+=]{16,}")


def _random_segment(value: str) -> bool:
    """``/GFPaLFUrz8EjJgK4pFnScG0i...``: a base64 value that happens to start with ``/`` has
    a long run mixing upper, lower case and digits; the parts of a path are words."""
    return any(
        not (run.isalpha() or run.islower() or run.isupper()) for run in _MIXED_RUN.findall(value)
    )


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def is_lookup(expression: str) -> bool:
    """An environment or configuration lookup (``os.environ["X"]``, ``process.env.X``)."""
    return bool(_LOOKUP.search(expression))


_PRAGMA = re.compile(
    r"(?:#|//|/\*|--|<!--|;|%|\bREM\b|')[^\n]*?"
    r"(scriptrunner:\s*allow-secret|gitleaks:allow|pragma:\s*allowlist\s+secret)",
    re.IGNORECASE,
)
_PRAGMA_NEXT = re.compile(
    r"(?:#|//|/\*|--|<!--|;|%|')[^\n]*?(pragma:\s*allowlist\s+nextline\s+secret)", re.IGNORECASE
)


def pragma_on(line: str, previous: str | None) -> str | None:
    """The pragma that accepts a secret on ``line`` (or on the line after ``previous``)."""
    if "allow" in line.lower():
        m = _PRAGMA.search(line)
        if m:
            return m.group(1)
    if previous is not None and "nextline" in previous.lower():
        m = _PRAGMA_NEXT.search(previous)
        if m:
            return m.group(1)
    return None


__all__ = [
    "DOCUMENTED_EXAMPLES",
    "STOPWORDS",
    "is_documented_jwt",
    "is_lookup",
    "is_non_secret_value",
    "is_placeholder",
    "is_template",
    "is_uuid",
    "pragma_on",
]
