"""Value makers for the held-out secrets corpus: charsets, encodings, keys and certificates,
tokens, passwords, URLs with credentials, and the look-alikes used as hard negatives."""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections.abc import Callable

Rng = random.Random
Maker = Callable[[Rng], str]

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits
LOWER_NUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
URLB64 = ALNUM + "-_"
B64 = ALNUM + "+/"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
PW_SYMBOLS = "!%^*-_=+."
DJANGO_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
WORDS = [
    "Falcon", "Harbor", "Orchid", "Granite", "Meadow", "Copper", "Lantern", "Willow",
    "Summit", "Cobalt", "Juniper", "Marble", "Thunder", "Saffron", "Glacier", "Pepper",
]  # fmt: skip


def rs(rng: Rng, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def uuid(rng: Rng) -> str:
    h = rs(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def checksummed(rng: Rng, prefix: str) -> str:
    """GitHub / npm style: 30 random characters and a base62 CRC32 of them."""
    body = rs(rng, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


# -- PEM blocks ----------------------------------------------------------------------------


def pem(label: str, der: bytes, width: int = 64, headers: str = "") -> str:
    text = b64(der)
    body = "\n".join(text[i : i + width] for i in range(0, len(text), width))
    return f"-----BEGIN {label}-----\n{headers}{body}\n-----END {label}-----"


def rsa_pkcs1(rng: Rng) -> str:
    return pem("RSA PRIVATE KEY", bytes.fromhex("308204a40201000282010100") + rng.randbytes(1180))


def rsa_pkcs1_encrypted(rng: Rng) -> str:
    iv = rs(rng, "0123456789ABCDEF", 32)
    headers = f"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,{iv}\n\n"
    return pem("RSA PRIVATE KEY", rng.randbytes(1200), headers=headers)


PKCS8_RSA = bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8")


def pkcs8(rng: Rng) -> str:
    return pem("PRIVATE KEY", PKCS8_RSA + rng.randbytes(1192))


def pkcs8_escaped(rng: Rng) -> str:
    """The one-line ``\\n``-escaped form of JSON files and .env values."""
    return pkcs8(rng).replace("\n", "\\n") + "\\n"


def pkcs8_encrypted(rng: Rng) -> str:
    prefix = bytes.fromhex("3082051c304e06092a864886f70d01050d3041302906092a864886f70d01050c")
    return pem("ENCRYPTED PRIVATE KEY", prefix + rng.randbytes(1280))


def ec_key(rng: Rng) -> str:
    der = (
        bytes.fromhex("30770201010420")
        + rng.randbytes(32)
        + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
        + rng.randbytes(64)
    )
    return pem("EC PRIVATE KEY", der)


def dsa_key(rng: Rng) -> str:
    return pem("DSA PRIVATE KEY", bytes.fromhex("308201bb02010002818100") + rng.randbytes(432))


def openssh_key(rng: Rng) -> str:
    pub = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.randbytes(32)
    der = (
        b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00"
        b"\x00\x00\x00\x01\x00\x00\x00\x33" + pub + b"\x00\x00\x00\x88" + rng.randbytes(136)
    )
    return pem("OPENSSH PRIVATE KEY", der, width=70)


def pgp_private(rng: Rng) -> str:
    body = b64(bytes.fromhex("95039804") + rng.randbytes(940))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    crc = b64(rng.randbytes(3))
    return (
        f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{lines}\n={crc}\n"
        "-----END PGP PRIVATE KEY BLOCK-----"
    )


def public_pem(rng: Rng) -> str:
    prefix = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100")
    return pem("PUBLIC KEY", prefix + rng.randbytes(256) + bytes.fromhex("0203010001"))


def certificate(rng: Rng) -> str:
    return pem("CERTIFICATE", bytes.fromhex("308203773082025fa00302010202") + rng.randbytes(880))


def pgp_public(rng: Rng) -> str:
    body = b64(bytes.fromhex("99010d04") + rng.randbytes(420))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return (
        f"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{lines}\n={b64(rng.randbytes(3))}\n"
        "-----END PGP PUBLIC KEY BLOCK-----"
    )


def ssh_ed25519_pub(rng: Rng) -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.randbytes(32)
    return f"ssh-ed25519 {b64(blob)} {rng.choice(['deploy', 'ci', 'ops'])}@parcelhub"


def ssh_rsa_pub(rng: Rng) -> str:
    blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01\x00"
    return f"ssh-rsa {b64(blob + rng.randbytes(256))} {rng.choice(['anna', 'jonas', 'li'])}@laptop"


# -- tokens --------------------------------------------------------------------------------


def jwt(rng: Rng) -> str:
    alg = rng.choice(["HS256", "HS256", "RS256"])
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    iat = rng.randint(1_700_000_000, 1_730_000_000)
    claims = {
        "sub": str(rng.randint(1000, 999999)),
        "iss": rng.choice(["https://auth.parcelhub.io", "parcelhub-api", "supabase"]),
        "role": rng.choice(["service_role", "admin", "ops"]),
        "iat": iat,
        "exp": iat + rng.choice([3600, 86400 * 365, 86400 * 3650]),
    }
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64url(rng.randbytes(32 if alg == "HS256" else 256))
    return f"{header}.{payload}.{sig}"


def stripe(prefix: str) -> Maker:
    def make(rng: Rng) -> str:
        if rng.random() < 0.5:
            return prefix + rs(rng, ALNUM, 24)
        return prefix + "51" + rs(rng, ALNUM, 97)

    return make


def openai_key(rng: Rng) -> str:
    kind = rng.choice(["proj", "proj", "svcacct", "legacy"])
    if kind == "legacy":
        return "sk-" + rs(rng, ALNUM, 20) + "T3BlbkFJ" + rs(rng, ALNUM, 20)
    return f"sk-{kind}-" + rs(rng, URLB64, 74) + "T3BlbkFJ" + rs(rng, URLB64, 74)


def discord_token(rng: Rng) -> str:
    user_id = str(rng.randint(10**17, 2 * 10**17))
    return f"{b64url(user_id.encode())}.{rs(rng, URLB64, 6)}.{rs(rng, URLB64, 38)}"


def password(rng: Rng) -> str:
    """A pwgen/password-manager style password: letters, digits, a few symbols."""
    core = rs(rng, ALNUM, rng.randint(13, 18))
    pos = rng.randint(3, len(core) - 2)
    core = core[:pos] + rng.choice(PW_SYMBOLS) + str(rng.randint(0, 9)) + core[pos:]
    return rng.choice(string.ascii_letters) + core


def human_password(rng: Rng) -> str:
    """What people really type: a word, digits, a symbol, another word."""
    a, b = rng.sample(WORDS, 2)
    return f"{a}{rng.choice('!#%*.')}{rng.randint(100, 9999)}{b.lower()}"


def url_password(rng: Rng) -> str:
    """A password safe inside a URL without percent-encoding."""
    return rs(rng, ALNUM, rng.randint(16, 24)) + rng.choice("-_.") + rs(rng, ALNUM, 4)


def any_password(rng: Rng) -> str:
    return rng.choice([password, password, human_password, url_password])(rng)


def azure_client_secret(rng: Rng) -> str:
    return rs(rng, ALNUM, 3) + str(rng.randint(0, 9)) + "Q~" + rs(rng, ALNUM + "_~.-", 34)


def aws_session_token(rng: Rng) -> str:
    return "IQoJb3JpZ2luX2VjE" + rs(rng, B64, 380) + "=="


def azure_conn(rng: Rng) -> str:
    return (
        f"DefaultEndpointsProtocol=https;AccountName={rng.choice(ACCOUNTS)};"
        f"AccountKey={b64(rng.randbytes(64))};EndpointSuffix=core.windows.net"
    )


def k8s_dockerconfig(rng: Rng) -> str:
    auths = {"auths": {"ghcr.io": {"username": "parcelhub-bot", "auth": docker_auth(rng)}}}
    return b64(json.dumps(auths, separators=(",", ":")).encode())


def docker_auth(rng: Rng) -> str:
    return b64(f"{rng.choice(USERS)}:{url_password(rng)}".encode())


# -- URLs with credentials -----------------------------------------------------------------

USERS = ["parcel_app", "svc_ingest", "billing", "reporting_ro", "deployer", "etl_loader"]
HOSTS = [
    "db-prod-1.internal.parcelhub.io",
    "parcelhub-prod.c9akciq32lzt.eu-west-1.rds.amazonaws.com",
    "10.20.4.17",
    "pg-primary.data.svc.cluster.local",
    "cluster0.x4k2p.mongodb.net",
]
ACCOUNTS = ["parcelhubprod", "phartifacts", "phlogsweu"]


def db_url(scheme: str, port: int) -> Maker:
    def make(rng: Rng) -> str:
        user, host = rng.choice(USERS), rng.choice(HOSTS[:4])
        return f"{scheme}://{user}:{url_password(rng)}@{host}:{port}/{rng.choice(DBS)}"

    return make


DBS = ["parcelhub", "billing", "analytics", "orders"]


def redis_url(rng: Rng) -> str:
    return f"redis://:{url_password(rng)}@redis-master.cache.svc.cluster.local:6379/0"


def mongo_srv(rng: Rng) -> str:
    return (
        f"mongodb+srv://{rng.choice(USERS)}:{url_password(rng)}@{HOSTS[4]}/"
        "tracking?retryWrites=true&w=majority"
    )


def basic_url(rng: Rng) -> str:
    host = rng.choice(
        ["nexus.parcelhub.io/repository/pypi/simple", "artifactory.parcelhub.io/api/pypi/simple"]
    )
    return f"https://{rng.choice(USERS)}:{url_password(rng)}@{host}"


def heroku_key(rng: Rng) -> str:
    return uuid(rng)


# -- negatives -----------------------------------------------------------------------------


def npm_integrity(rng: Rng) -> str:
    return "sha512-" + b64(rng.randbytes(64))


def sri(rng: Rng) -> str:
    return "sha384-" + b64(rng.randbytes(48))


def bcrypt(rng: Rng) -> str:
    return "$2b$12$" + rs(rng, ALNUM + "./", 53)


def sops(rng: Rng) -> str:
    data = b64(rng.randbytes(rng.randint(12, 30)))
    iv, tag = b64(rng.randbytes(32)), b64(rng.randbytes(16))
    return f"ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:str]"


def png_data(rng: Rng) -> str:
    return "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA" + b64(rng.randbytes(180))


def sentry_dsn(rng: Rng) -> str:
    return (
        f"https://{rs(rng, HEX, 32)}@o{rng.randint(100000, 999999)}.ingest.sentry.io/"
        f"{rng.randint(1000000, 9999999)}"
    )


def google_client_id(rng: Rng) -> str:
    return f"{rng.randint(10**11, 10**12)}-{rs(rng, LOWER_NUM, 32)}.apps.googleusercontent.com"


def mapbox_public(rng: Rng) -> str:
    payload = b64url(json.dumps({"u": "parcelhub", "a": rs(rng, LOWER_NUM, 25)}).encode())
    return f"pk.{payload}.{rs(rng, URLB64, 22)}"


def ansible_vault(rng: Rng) -> str:
    lines = [rs(rng, HEX, 80) for _ in range(rng.randint(4, 7))] + [rs(rng, HEX, 42)]
    return "$ANSIBLE_VAULT;1.1;AES256\n" + "\n".join(lines)


def rails_encrypted(rng: Rng) -> str:
    return f"{b64(rng.randbytes(240))}--{b64(rng.randbytes(12))}--{b64(rng.randbytes(16))}"


def age_public(rng: Rng) -> str:
    return "age1" + rs(rng, BECH32.lower(), 58)
