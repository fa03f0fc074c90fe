# ruff: noqa
# Samples for rules/crypto.yaml.
import hashlib
import random
import secrets
import ssl
import string

import jwt
import requests
from jose import jwt as jose_jwt
from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def hashes(data: bytes) -> list[str]:
    return [
        # ruleid: sr-weak-hash
        hashlib.md5(data).hexdigest(),
        # ruleid: sr-weak-hash
        hashlib.sha1(data).hexdigest(),
        # ruleid: sr-weak-hash
        hashlib.new("md5", data).hexdigest(),
        # ok: sr-weak-hash
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        # ok: sr-weak-hash
        hashlib.sha256(data).hexdigest(),
    ]


def ciphers(key: bytes, iv: bytes) -> list[object]:
    return [
        # ruleid: sr-weak-cipher
        DES.new(key, DES.MODE_CBC, iv),
        # ruleid: sr-weak-cipher
        Cipher(algorithms.TripleDES(key), modes.CBC(iv)),
        # ok: sr-weak-cipher
        Cipher(algorithms.AES(key), modes.GCM(iv)),
        # ruleid: sr-ecb-mode
        Cipher(algorithms.AES(key), modes.ECB()),
        # ruleid: sr-ecb-mode
        AES.new(key, AES.MODE_ECB),
        # ok: sr-ecb-mode
        AES.new(key, AES.MODE_GCM, nonce=iv),
    ]


def keys() -> list[object]:
    return [
        # ruleid: sr-weak-rsa-key
        rsa.generate_private_key(public_exponent=65537, key_size=1024),
        # ok: sr-weak-rsa-key
        rsa.generate_private_key(public_exponent=65537, key_size=3072),
    ]


def tls(url: str) -> None:
    # ruleid: sr-tls-verify-disabled
    requests.get(url, verify=False, timeout=5)
    # ok: sr-tls-verify-disabled
    requests.get(url, verify="/etc/ssl/private-ca.pem", timeout=5)
    # ruleid: sr-tls-verify-disabled
    ctx = ssl._create_unverified_context()
    ctx2 = ssl.create_default_context()
    # ruleid: sr-tls-verify-disabled
    ctx2.check_hostname = False
    # ruleid: sr-tls-verify-disabled
    ctx2.verify_mode = ssl.CERT_NONE
    # ok: sr-tls-verify-disabled
    ctx2.verify_mode = ssl.CERT_REQUIRED
    # ruleid: sr-weak-tls-version
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    # ok: sr-weak-tls-version
    new = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ok: sr-weak-tls-version
    new.minimum_version = ssl.TLSVersion.TLSv1_2
    print(ctx, old)


def tokens(user: str) -> dict[str, object]:
    # ruleid: sr-insecure-random-secret
    reset_token = "".join(random.choice("abcdef0123456789") for _ in range(32))
    # ok: sr-insecure-random-secret
    api_token = secrets.token_urlsafe(32)
    # ok: sr-insecure-random-secret
    delay = random.uniform(0, 1) * 2
    # ok: sr-insecure-random-secret
    sample = random.sample(range(100), 10)
    # ruleid: sr-insecure-random-secret
    salt = random.getrandbits(64)
    # ruleid: sr-insecure-random-secret
    door_code = "".join(random.choices(string.digits, k=6))
    # ok: sr-insecure-random-secret
    door_code2 = "".join(secrets.choice(string.digits) for _ in range(6))
    # ok: sr-insecure-random-secret
    colour = random.choice(["red", "green", "blue"])
    codes = (door_code, door_code2, colour)
    return {"r": reset_token, "a": api_token, "d": delay, "s": sample, "salt": salt, "c": codes}


def store_password(user: object, password: str, pin: str, salt: bytes) -> list[object]:
    digest = hashlib.sha256()
    # ruleid: sr-weak-password-hash
    digest.update(password.encode())
    return [
        # ruleid: sr-weak-password-hash
        hashlib.md5(password.encode()).hexdigest(),
        # ruleid: sr-weak-password-hash
        hashlib.sha512(salt + f"{user}:{pin}".encode()).hexdigest(),
        # ok: sr-weak-password-hash
        hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000),
        # ok: sr-weak-password-hash
        hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1),
        # ok: sr-weak-password-hash
        hashlib.sha256(user.avatar).hexdigest(),
        # ok: sr-weak-password-hash
        hashlib.sha256(user.password_hash.encode()).hexdigest(),
    ]


def decode(token: str, key: str) -> object:
    # ruleid: sr-jwt-no-verify
    claims = jwt.decode(token, options={"verify_signature": False})
    # ok: sr-jwt-no-verify
    verified = jwt.decode(token, key, algorithms=["HS256"])
    # ruleid: sr-jwt-no-verify
    forged = jwt.decode(token, key, algorithms=["HS256", "None"])
    # ruleid: sr-jwt-no-verify
    header = jwt.decode_complete(token, options={"verify_signature": False, "verify_exp": False})
    no_check = {"verify_signature": False}
    # ruleid: sr-jwt-no-verify
    unverified = jose_jwt.decode(token, key, options=no_check)
    # ok: sr-jwt-no-verify
    checked = jose_jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": True})
    return claims, verified, forged, header, unverified, checked
