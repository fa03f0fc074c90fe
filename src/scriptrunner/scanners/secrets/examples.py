"""Values published or used everywhere as examples: vendors' documented example keys,
default passwords, and JWTs signed with a key documentation uses.  Reporting them is noise;
``allowlist.py`` applies them with the other placeholder checks."""

from __future__ import annotations

#: Example credentials published in vendors' documentation (exact values).
DOCUMENTED_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "sk_test_26PHem9AhJZvU623DfE1x4sd",
        "rk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "xoxb-not-a-real-token-this-will-not-work",
        "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",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        # the Azure Cosmos DB emulator's fixed account key (Microsoft's emulator docs)
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    }
)

#: Passwords used as defaults and in tests everywhere: reporting them is noise.
STOPWORDS = frozenset(
    {
        "password",
        "passw0rd",
        "password1",
        "password123",
        "pa55word",
        "p@ssw0rd",
        "p@ssword",
        "secret",
        "secret123",
        "s3cr3t",
        "supersecret",
        "topsecret",
        "admin",
        "admin123",
        "administrator",
        "root",
        "toor",
        "test",
        "test123",
        "testing",
        "testpass",
        "testpassword",
        "guest",
        "user",
        "username",
        "letmein",
        "qwerty",
        "qwerty123",
        "12345678",
        "123456789",
        "1234567890",
        "abc123",
        "abcdef",
        "default",
        "mypassword",
        "mysecret",
        "tiger",
        "scott",
        "postgres",
        "mysql",
        "redis",
        "rabbitmq",
        "guest123",
        "foobar",
        "foo",
        "bar",
        "baz",
        "hunter2",
        "welcome",
        "welcome1",
        "opensesame",
        "dbpassword",
        "db_password",
        "pass123",
        "pass1234",
    }
)

#: Keys that documentation signs its example JWTs with (jwt.io's ``your-256-bit-secret``,
#: library READMEs' ``secret``); a token they verify is an example, not a credential.
_EXAMPLE_JWT_KEYS = (
    "secret",
    "your-256-bit-secret",
    "your-384-bit-secret",
    "your-512-bit-secret",
    "your-secret",
    "your_secret",
    "your-secret-key",
    "your_secret_key",
    "my-secret-key",
    "my_secret_key",
    "super-secret",
    "super-secret-key",
    "secret-key",
    "secret_key",
    "secretkey",
    "my-secret",
    "my_secret",
    "mysecret",
    "key",
    "jwt-secret",
    "shhhhh",
    "changeme",
    "password",
    "test",
    "testing",
    "qwertyuiopasdfghjklzxcvbnm123456",
)
_JWT_HASHES = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def is_documented_jwt(token: str) -> bool:
    """An HMAC-signed JWT whose signature verifies with a key documentation uses (or with
    no key: ``alg: none``) -- an example token, not a leaked one."""
    import base64
    import hmac
    import json

    parts = token.split(".")
    if len(parts) != 3 or not token.startswith("eyJ"):
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        signature = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict):
        return False
    alg = str(header.get("alg", ""))
    if alg.lower() == "none":
        return True
    digest = _JWT_HASHES.get(alg)
    if digest is None:
        return False
    signed = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    keys = (*_EXAMPLE_JWT_KEYS, *sorted(STOPWORDS))
    return any(
        hmac.compare_digest(hmac.new(k.encode(), signed, digest).digest(), signature) for k in keys
    )


__all__ = ["DOCUMENTED_EXAMPLES", "STOPWORDS", "is_documented_jwt"]
