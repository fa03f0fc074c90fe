"""Private keys outside PEM blocks (``structural.py`` reads those): PuTTY ``.ppk`` files,
WireGuard ``PrivateKey =`` lines, hex secp256k1 keys of Ethereum-style wallets; and
credentials written base64-encoded: HTTP ``Authorization: Basic`` headers, npm's legacy
``_auth``/``_password`` settings, JDBC URLs with a ``password=`` parameter.

Sources: the PuTTY manual (appendix C, "PPK file format"), WireGuard's ``wg(8)`` page
(keys are 32 bytes, base64), RFC 7617 (Basic authentication: base64 of ``user:password``),
npm's ``npmrc`` documentation (``_auth``, ``_password``), the JDBC drivers' URL formats
(PostgreSQL, MySQL, SQL Server, Oracle thin).
"""

from __future__ import annotations

import base64
import binascii

from scriptrunner.findings.model import Confidence, Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import keyed
from scriptrunner.scanners.secrets.rules.structural import grade_url_password


def _b64text(value: str) -> str | None:
    """``value`` base64-decoded to printable text, or None."""
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() else None


def grade_basic_credentials(value: str) -> Confidence | None:
    """Base64 of ``user:password``: graded like a URL password, None when it is not one."""
    text = _b64text(value)
    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        return None
    if not password.isascii():
        return "LOW"  # test data for encodings ("səcrət"), rarely a real password
    return grade_url_password(password)


def grade_b64_password(value: str) -> Confidence | None:
    """Base64 of a password alone (npm ``_password``)."""
    text = _b64text(value)
    return None if text is None else grade_url_password(text)


#: A 32-byte key in base64: 43 characters (the last of 16 possible) and one ``=``.
_KEY32 = r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="

CRYPTO_KEY_RULES: tuple[Rule, ...] = (
    Rule(
        id="private-key",
        title="PuTTY private key",
        keywords=("putty-user-key-file-",),
        lines_after=60,
        pattern=r"PuTTY-User-Key-File-[23]: [^\n]{1,200}\n(?:[^\n]{0,200}\n){1,60}?"
        r"Private-Lines: \d{1,3}\r?\n(?P<secret>[A-Za-z0-9+/=]{16,})",
        report_at_match=True,
        min_entropy=3.5,
        priority=30,
        examples=(
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\n"
            "Public-Lines: 2\n{b64:64}\n{b64:4}\nPrivate-Lines: 1\n{b64:44}\n"
            "Private-MAC: {hex:64}",
        ),
        counterexamples=("PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 2\n{b64:64}",),
    ),
    Rule(
        id="wireguard-private-key",
        title="WireGuard private key",
        keywords=("privatekey",),
        pattern=r"(?im)^[ \t]*PrivateKey[ \t]*=[ \t]*(?P<secret>" + _KEY32 + r")(?![A-Za-z0-9+/=])",
        min_entropy=3.5,
        examples=("[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = {b64:42}A=",),
        counterexamples=("[Peer]\nPublicKey = {b64:42}A=", "PrivateKey = {b64:30}="),
    ),
    keyed(
        "wireguard-private-key",
        "WireGuard private key",
        ("wireguard", "wg_", "wg-"),
        _KEY32,
        chars="A-Za-z0-9+/=",
        severity=Severity.CRITICAL,
        confidence="HIGH",
        min_entropy=3.5,
        examples=("WIREGUARD_PRIVATE_KEY={b64:42}Q=", "wg_private_key: {b64:42}g="),
        counterexamples=("WIREGUARD_PUBLIC_KEY={b64:42}Q=", "wireguard:\n  public_key: {b64:42}Q="),
    ),
    keyed(
        "crypto-wallet-key",
        "Ethereum / EVM wallet private key",
        ("private_key", "privatekey", "private-key", "priv_key", "privkey"),
        "0x[a-fA-F0-9]{64}",
        words=False,
        chars="A-Za-z0-9",
        severity=Severity.CRITICAL,
        confidence="HIGH",
        examples=("PRIVATE_KEY=0x{hex:64}", 'const privateKey = "0x{hex:64}";'),
        counterexamples=("TX_HASH=0x{hex:64}", "PRIVATE_KEY=0x{hex:40}"),
    ),
    keyed(
        "crypto-wallet-key",
        "Ethereum / EVM wallet private key",
        (
            "ethereum",
            "eth_private_key",
            "eth_key",
            "eth-private-key",
            "wallet_private_key",
            "wallet_key",
            "wallet-private-key",
            "web3",
            "metamask",
            "deployer_private_key",
            "signer_private_key",
        ),
        "(?:0x)?[a-fA-F0-9]{64}",
        chars="A-Za-z0-9",
        severity=Severity.CRITICAL,
        examples=("ETH_PRIVATE_KEY={hex:64}", "WALLET_PRIVATE_KEY=0x{hex:64}"),
        counterexamples=("WALLET_ADDRESS=0x{hex:40}", "ETH_BLOCK_HASH={hex:64}"),
    ),
    Rule(
        id="http-basic-auth",
        title="HTTP Basic authentication credentials",
        keywords=("basic",),
        keyword_boundary=True,
        pattern=r"(?<![A-Za-z0-9_])(?i:basic)[ \t]+(?P<secret>[A-Za-z0-9+/]{8,400}={0,2})"
        r"(?![A-Za-z0-9+/=])",
        grade=grade_basic_credentials,
        severity=Severity.HIGH,
        examples=(
            "Authorization: Basic {basic:12}",
            'curl -H "Authorization: Basic {basic:16}" https://api.example.com',
            'headers = {"Authorization": "Basic {basic:20}"}',
            '$headers = @{{ Authorization = "Basic {basic:16}" }}',
        ),
        counterexamples=(
            "Authorization: Basic {b64:20}",
            "Authorization: Basic dXNlcjpwYXNzd29yZA==",
            "This is the basic authentication scheme",
            "Basic authentication is supported",
        ),
    ),
    Rule(
        id="npm-token",
        title="npm legacy basic auth",
        keywords=("_auth=", "_auth =", "_auth\t="),
        pattern=r"(?<![A-Za-z0-9])_auth[ \t]{0,3}=[ \t]{0,3}[\"']?(?P<secret>[A-Za-z0-9+/]{8,400}"
        r"={0,2})(?![A-Za-z0-9+/=])",
        grade=grade_basic_credentials,
        examples=("//registry.npmjs.org/:_auth={basic:16}", "_auth = {basic:12}"),
        counterexamples=("_auth=${NPM_AUTH}", "_auth = {b64:24}"),
    ),
    Rule(
        id="npm-token",
        title="npm legacy password",
        keywords=("_password",),
        pattern=r"(?<![A-Za-z0-9])_password[ \t]{0,3}=[ \t]{0,3}[\"']?(?P<secret>[A-Za-z0-9+/]"
        r"{8,400}={0,2})(?![A-Za-z0-9+/=])",
        grade=grade_b64_password,
        examples=("//npm.pkg.example.com/:_password={b64pw:14}",),
        counterexamples=("//npm.pkg.example.com/:_password=${NPM_PASSWORD}",),
    ),
    Rule(
        id="database-url",
        title="JDBC URL with password",
        keywords=("jdbc:",),
        pattern=r"jdbc:[a-z0-9]+(?::[a-z0-9]+)*:[^\s\"'<>]{0,200}?[?;&:](?i:password|pwd)="
        r"(?P<secret>[^\s&;\"'<>]{1,128})",
        grade=grade_url_password,
        severity=Severity.CRITICAL,
        priority=26,
        examples=(
            "spring.datasource.url=jdbc:postgresql://db:5432/app?user=app&password={alnum:16}",
            "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={pw:14};",
        ),
        counterexamples=(
            "jdbc:mysql://db:3306/app?user=app&password=${DB_PASSWORD}",
            "jdbc:postgresql://db:5432/app?user=app&password=password",
        ),
    ),
    Rule(
        id="database-url",
        title="JDBC URL with password (Oracle thin)",
        keywords=("jdbc:oracle:thin:",),
        pattern=r"jdbc:oracle:thin:[\w$.#-]{1,64}/(?P<secret>[^@\s\"'<>/]{1,128})@",
        grade=grade_url_password,
        severity=Severity.CRITICAL,
        priority=26,
        examples=("url = jdbc:oracle:thin:scott/{alnum:14}@//db:1521/ORCL",),
        counterexamples=("jdbc:oracle:thin:@//db:1521/ORCL",),
    ),
)

__all__ = ["CRYPTO_KEY_RULES", "grade_b64_password", "grade_basic_credentials"]
