"""What a name says: ``classify("DB_PASSWORD") -> "password"``.

Names are split into words (``dbPassword``, ``DB_PASSWORD`` and ``db-password`` are alike) and
read as a whole: a credential word (password, secret, token, API key, encryption key, or a
provider's name with key/token) that the name is not merely *about* (``password_hash``,
``token_url``, ``secret_name``, ``public_key``, ``max_tokens``).  Provider kinds (AWS, Heroku,
Twilio) let one value shape in a generic assignment be reported as that provider's credential.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["password", "secret", "encryption", "aws", "heroku", "twilio"]

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PASSWORD = frozenset(
    {"password", "passwd", "passphrase", "pswd", "passwort", "requirepass", "masterauth"}
)
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
        "preshared",
        "sdk",
        "write",
        "ingest",
        "ingestion",
        "insert",
        "management",
        "hook",
        "function",
        "server",
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
    "field fields param params parameter parameters env var prefix suffix length len size expiry expires expiration "
    "ttl timeout count format version scope scopes kind label arn ref location policy mode "
    "provider manager store source host port user username email region bucket table column "
    "algorithm alg method methods pattern regex hint hash hashed digest sha checksum fingerprint "
    "enabled required class module model schema placeholder prompt message msg text title "
    "description help error errors validator validation rule rules min max limit index idx "
    "position pos start end counter cache lifetime age created updated date time reset rotation "
    "input form button icon level status state flag option options setting settings config "
    "tokens field_name key_name file_path ttl_seconds exists valid invalid changed confirm "
    "question attempts strength policy_id salt reference refs stdin".split()
)
#: With a provider's name (``HEROKU_API_KEY``, ``TWILIO_AUTH_TOKEN``): that provider's key.
_VENDOR_CREDENTIAL = frozenset({"key", "apikey", "token", "auth", "secret", "authtoken"})
#: A name containing one of these is not a credential at all.
_NEVER = frozenset(
    {
        "public",
        "publishable",
        "pub",
        "csrf",
        "xsrf",
        "nonce",
        "next",
        "page",
        "cursor",
        "max",
        "starting",
        "continuation",
        "pagination",
    }
)
_CODE_EXTENSIONS = frozenset(
    "py pyi pyw js jsx mjs cjs ts tsx go java kt kts scala groovy rb php cs c h cc cpp hpp rs "
    "swift m mm lua pl pm r dart ex exs erl clj fs vb ipynb tf hcl vue svelte".split()
)


#: Object names that qualify nothing: ``self.password`` is a password, ``self`` is no word of it.
_OWNERS = frozenset({"self", "this", "cls", "cfg", "conf", "config", "settings", "env", "os"})
#: ``AWS::ApiGateway::ApiKey``, ``Foo::Bar::TokenCredential``: a type's name (constants are
#: ``Config::API_KEY``).
_TYPE_PATH = re.compile(r"^[A-Z][A-Za-z0-9]*(?:::[A-Z][A-Za-z0-9]*)+$")


def words(name: str) -> list[str]:
    """``"self.dbPassword"`` -> ``["db", "password"]``, ``"pplx.api.key"`` -> ``["pplx", "api",
    "key"]``: the words of the last three dotted parts (``self``, ``cfg``... left out),
    lower-cased."""
    parts = name.lstrip("$@-").split(".")[-3:]
    out = [w.lower() for part in parts for w in _WORDS.findall(part)]
    while len(out) > 1 and out[0] in _OWNERS:
        out.pop(0)
    while len(out) > 1 and out[-1].isdigit():
        out.pop()  # ``passwordSha1``, ``token2``: the word before the number
    return out


def classify(name: str) -> Kind | None:
    """Which kind of credential a variable or key called ``name`` holds, if any."""
    if _TYPE_PATH.match(name) and any(c.islower() for c in name):
        return None  # a type or resource type name (schema files key hashes by them)
    ws = words(name)
    if not ws or ws[-1] in _NOT_VALUE or _NEVER.intersection(ws):
        return None
    if name.endswith("signingkey"):
        return None  # git's ``user.signingkey``: the id of a GPG or SSH key, not the key
    if "aws" in ws and "secret" in ws:
        return "aws"
    joined = "".join(ws)
    if any(w in _PASSWORD or w.endswith(("password", "passwd")) for w in ws):
        return "password"
    if ws[-1] in _PASSWORD_LAST:
        return "password"
    if "heroku" in ws and _VENDOR_CREDENTIAL.intersection(ws):
        return "heroku"
    if "twilio" in ws and _VENDOR_CREDENTIAL.intersection(ws) and "sid" not in ws:
        return "twilio"
    has_key = any(w == "key" or (w.endswith("key") and w[:-3] in _ENCRYPTION) for w in ws)
    if has_key and (_ENCRYPTION.intersection(ws) or any(w[:-3] in _ENCRYPTION for w in ws)):
        return "encryption"
    if joined.endswith(("secretkeybase", "secretkey")):
        return "encryption"
    if _SECRET.intersection(ws) or ("key" in ws and _qualified(ws)):
        return "secret"
    if ws[-1] == "pat" and len(ws) >= 2:
        return "secret"  # GITHUB_PAT, azdo_pat: a personal access token
    if any(w.endswith(("apikey", "accesskey", "authtoken", "apitoken")) for w in ws):
        return "secret"
    if any(w.endswith("key") and w[:-3] in _KEY_QUALIFIERS for w in ws):
        return "secret"  # ``honeycomb.writekey``, ``licensekey``
    return None


def _qualified(ws: list[str]) -> bool:
    """A word before ``key`` that makes it a credential (``api``, ``services``, ``admin``)."""
    return any(w in _KEY_QUALIFIERS or (w.endswith("s") and w[:-1] in _KEY_QUALIFIERS) for w in ws)


def is_code_file(path: str) -> bool:
    """Source code (unquoted values are expressions) rather than configuration."""
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot + 1 :].lower() in _CODE_EXTENSIONS


__all__ = ["Kind", "classify", "is_code_file", "words"]
