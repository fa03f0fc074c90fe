# ruff: noqa
"""Passwords, tokens, signatures and encryption of stored card references."""

import hashlib
import hmac
import random
import secrets
import string

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from invoicer import settings


def hash_password(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()


def hash_password_properly(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def legacy_signature(payload: bytes) -> str:
    return hashlib.sha1(payload + settings.SECRET_KEY.encode()).hexdigest()


def etag(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def content_id(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def sign(payload: bytes) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), payload, hashlib.sha256).hexdigest()


def new_reset_token() -> str:
    reset_token = "".join(random.choice(string.ascii_letters) for _ in range(24))
    return reset_token


def new_api_token() -> str:
    return secrets.token_urlsafe(32)


def otp_code() -> str:
    otp = random.randint(100000, 999999)
    return str(otp)


def retry_delay(attempt: int) -> float:
    return min(30.0, 2**attempt) * random.uniform(0.5, 1.0)


def sample_for_audit(ids: list[int]) -> list[int]:
    return random.sample(ids, k=min(10, len(ids)))


def read_token(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def verify_token(token: str) -> dict:
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])


def encrypt_card_reference(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def encrypt_card_reference_v2(key: bytes, nonce: bytes, data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def legacy_bank_cipher(key: bytes, iv: bytes) -> Cipher:
    return Cipher(algorithms.TripleDES(key), modes.CBC(iv))


def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def signing_key_v2() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def check_invariants(total: int, lines: list[int]) -> None:
    assert total == sum(lines), "invoice total must equal the sum of its lines"
