"""Authentication and cryptography helpers: password hashing, API and courier
tokens, session and partner JWTs, archive encryption and export signing."""
import base64
import hashlib
import hmac
import logging
import os
import random
import secrets
import string
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from labtrack import settings

log = logging.getLogger(__name__)

PBKDF2_ROUNDS = 310_000
SESSION_COOKIE = "lt_session"


@dataclass
class User:
    id: int
    username: str
    role: str

    @property
    def is_supervisor(self):
        return self.role in {"supervisor", "admin"}


def current_user():
    """Resolve the user of the current Flask request from the session cookie."""
    from flask import g, request  # local import: this module is also used by the CLI

    if getattr(g, "user", None) is None:
        claims = decode_session_token(request.cookies.get(SESSION_COOKIE, ""))
        g.user = User(id=claims["uid"], username=claims["sub"], role=claims.get("role", "tech"))
    return g.user


# --- passwords -----------------------------------------------------------------

def hash_password(password, salt=None):
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)
    return "pbkdf2_sha256$%d$%s$%s" % (PBKDF2_ROUNDS, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password, encoded):
    if encoded.startswith("md5$"):
        return hmac.compare_digest(encoded[4:], courier_password_hash(password))
    _, rounds, salt_b64, digest_b64 = encoded.split("$")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt_b64), int(rounds))
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def courier_password_hash(password):
    """Hash format of the courier portal accounts (new accounts use the same scheme)."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def kiosk_pin_hash(pin, kiosk_id):
    return hashlib.sha1(f"{kiosk_id}:{pin}".encode()).hexdigest()


def file_checksum(path):
    """Detects re-uploaded instrument files; not used for any security decision."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_digest(data: bytes):
    return hashlib.sha256(data).hexdigest()


# --- tokens --------------------------------------------------------------------

def api_token():
    return secrets.token_urlsafe(32)


def pickup_code(length=6):
    """Code the courier reads out at reception to collect a sample box."""
    return "".join(random.choice(string.digits) for _ in range(length))


def password_reset_token():
    random.seed(time.time())
    return "%032x" % random.getrandbits(128)


def kiosk_pin():
    return f"{secrets.randbelow(10**6):06d}"


def retry_delay(attempt):
    """Exponential back-off with jitter for outbound retries."""
    return min(300.0, 2 ** attempt) + random.uniform(0, 1.5)


def qc_audit_sample(items):
    """Pick the samples re-tested in the monthly QC audit."""
    return random.sample(items, k=min(10, len(items)))


def check_api_key(presented):
    return hmac.compare_digest(presented.encode(), settings.API_KEY.encode())


# --- JWTs ----------------------------------------------------------------------

def issue_session_token(user, ttl=8 * 3600):
    now = int(time.time())
    claims = {"sub": user.username, "uid": user.id, "role": user.role, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.JWT_SECRET, algorithm="HS256")


def decode_session_token(token):
    return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])


def decode_partner_token(token):
    """Partner portals send an RS256 token issued by their own IdP."""
    claims = jwt.decode(token, options={"verify_signature": False})
    if claims.get("iss") not in settings.PARTNER_ISSUERS:
        raise PermissionError("unknown token issuer")
    return claims


# --- archive encryption and export signing -------------------------------------

def new_export_signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def new_scanner_key():
    """Key pair provisioned onto the handheld scanners (their CPUs are slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def sign_export(private_key, data: bytes):
    return private_key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), hashes.SHA256())


def sign_legacy_manifest(private_key, data: bytes):
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA1())


def encrypt_archive(key: bytes, data: bytes):
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def encrypt_legacy_archive(key: bytes, data: bytes):
    """Format expected by the 2016-era archive appliance."""
    encryptor = Cipher(algorithms.TripleDES(key), modes.ECB()).encryptor()
    padded = data + b"\0" * (-len(data) % 8)
    return encryptor.update(padded) + encryptor.finalize()


def barcode_token(key: bytes, barcode: str):
    """Opaque token printed on patient result letters instead of the raw barcode."""
    block = barcode.encode().ljust(16, b"\0")[:16]
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.urlsafe_b64encode(enc.update(block) + enc.finalize()).decode()
