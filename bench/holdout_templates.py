"""Templates and value makers for the held-out secrets corpus (see ``secrets_holdout.py``).

Written without looking at the scanner or at its own corpus: the shapes come from how real
repositories look and how credentials really leak in them.

A template is the text of one file with slots: ``«kind»`` is replaced by a fresh random value
and labels its line (the first line of a multi-line value; continuation lines get the slot
line's indentation).  A kind in ``POSITIVE`` makes a secret, labelled with its rule id from
/work/notes/secret_types.md; a kind in ``NEGATIVE`` makes a look-alike that is not a secret,
labelled with a category; a kind in ``FILLER`` makes an unlabelled value (host names, users).
``«~category»`` is empty and labels its line as a hard negative of that category (fixed text
such as ``${{ secrets.X }}`` or ``def login(password):``).  ``«?a|b|c»`` picks one of the
alternatives (key names, ``export`` prefixes, trailing comments), so seeds vary style as well
as values.  A line with a positive slot is a positive whatever else is on it.

Labelling decisions (kept consistent across all templates):

* Kubernetes ``Secret`` manifests: a base64 ``data:`` value under a credential key (password,
  token, api key, secret) IS labelled a secret (``generic-password`` / ``generic-secret``):
  base64 is an encoding, anyone who reads the file has the credential.  ``data:`` values under
  non-credential keys (username, host, port) are hard negatives (``k8s-b64-non-credential``).
  SealedSecret / SOPS / ansible-vault ciphertext is a hard negative (``encrypted-value``).
  The same rule covers other base64-wrapped credentials: ``.dockerconfigjson``, docker
  ``config.json`` ``auth``, kubeconfig ``client-key-data`` are secrets; kubeconfig
  ``certificate-authority-data`` (a certificate) is a ``public-key`` negative.
* Local-development defaults that are documented by the image or tool (``postgres:postgres@
  localhost``, ``guest:guest``, ``minioadmin``) are hard negatives (``dev-default-cred``).
* Public client identifiers meant to ship in a frontend (Stripe ``pk_``, Sentry DSN, Mapbox
  ``pk.`` tokens, Google OAuth client ids) are hard negatives (``public-client-id``); Google
  ``AIza`` API keys are labelled secrets (the rule list treats them so).
* Password hashes (bcrypt, PostgreSQL md5) are hard negatives (``password-hash``); identifiers
  that sit next to secrets (Twilio ``AC`` SIDs, GCP ``private_key_id``, OpenAI ``org-`` ids,
  AWS account ids, GPG key ids) are hard negatives (``identifier``).
* Test fixtures with obviously fake values (``"password"``, ``"testpass123"``, ``"sk-test"``)
  are hard negatives (``test-fixture``); a real-looking token pasted into a test is a secret.
"""

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


#: kind -> (rule id, maker)
POSITIVE: dict[str, tuple[str, Maker]] = {
    "akid": ("aws-access-key-id", lambda r: "AKIA" + rs(r, string.ascii_uppercase + "234567", 16)),
    "asia": ("aws-access-key-id", lambda r: "ASIA" + rs(r, string.ascii_uppercase + "234567", 16)),
    "aws_secret": ("aws-secret-access-key", lambda r: rs(r, B64, 40)),
    "aws_session": ("generic-secret", aws_session_token),
    "rsa_pem": ("private-key", rsa_pkcs1),
    "rsa_pem_enc": ("private-key", rsa_pkcs1_encrypted),
    "pkcs8_pem": ("private-key", pkcs8),
    "pkcs8_pem_escaped": ("private-key", pkcs8_escaped),
    "pkcs8_enc_pem": ("private-key", pkcs8_encrypted),
    "ec_pem": ("private-key", ec_key),
    "dsa_pem": ("private-key", dsa_key),
    "openssh_pem": ("private-key", openssh_key),
    "pgp_private": ("private-key", pgp_private),
    "jwt": ("jwt", jwt),
    "xoxb": ("slack-token", lambda r: f"xoxb-{rs(r, '0123456789', 12)}-{rs(r, '0123456789', 13)}-{rs(r, ALNUM, 24)}"),
    "xoxp": ("slack-token", lambda r: f"xoxp-{rs(r, '0123456789', 11)}-{rs(r, '0123456789', 12)}-{rs(r, '0123456789', 13)}-{rs(r, HEX, 32)}"),
    "slack_webhook": ("slack-webhook", lambda r: f"https://hooks.slack.com/services/T0{rs(r, UPPER_NUM, 8)}/B0{rs(r, UPPER_NUM, 9)}/{rs(r, ALNUM, 24)}"),
    "ghp": ("github-token", lambda r: checksummed(r, "ghp_")),
    "gho": ("github-token", lambda r: checksummed(r, "gho_")),
    "ghs": ("github-token", lambda r: checksummed(r, "ghs_")),
    "github_pat": ("github-token", lambda r: f"github_pat_11{rs(r, UPPER_NUM, 20)}_{rs(r, ALNUM, 59)}"),
    "glpat": ("gitlab-token", lambda r: "glpat-" + rs(r, URLB64, 20)),
    "glrt": ("gitlab-token", lambda r: "glrt-" + rs(r, URLB64, 20)),
    "sk_live": ("stripe-key", stripe("sk_live_")),
    "rk_live": ("stripe-key", stripe("rk_live_")),
    "sk_test": ("stripe-key", stripe("sk_test_")),
    "aiza": ("google-api-key", lambda r: "AIzaSy" + rs(r, URLB64, 33)),
    "gcp_sa_key": ("gcp-service-account", pkcs8_escaped),
    "azure_conn": ("azure-storage-key", azure_conn),
    "twilio_sk": ("twilio-api-key", lambda r: "SK" + rs(r, HEX, 32)),
    "twilio_token": ("twilio-api-key", lambda r: rs(r, HEX, 32)),
    "sendgrid": ("sendgrid-api-key", lambda r: f"SG.{rs(r, URLB64, 22)}.{rs(r, URLB64, 43)}"),
    "npm": ("npm-token", lambda r: checksummed(r, "npm_")),
    "pypi": ("pypi-token", lambda r: "pypi-AgEIcHlwaS5vcmcCJ" + rs(r, URLB64, 150)),
    "openai": ("openai-api-key", openai_key),
    "anthropic": ("anthropic-api-key", lambda r: "sk-ant-api03-" + rs(r, URLB64, 93) + "AA"),
    "hf": ("huggingface-token", lambda r: "hf_" + rs(r, string.ascii_letters, 34)),
    "pg_url": ("database-url", db_url("postgresql", 5432)),
    "pg_psycopg_url": ("database-url", db_url("postgresql+psycopg2", 5432)),
    "postgres_url": ("database-url", db_url("postgres", 5432)),
    "mysql_url": ("database-url", db_url("mysql", 3306)),
    "amqp_url": ("database-url", db_url("amqps", 5671)),
    "redis_url": ("database-url", redis_url),
    "mongo_url": ("database-url", mongo_srv),
    "basic_url": ("basic-auth-url", basic_url),
    "django_key": ("encryption-key", lambda r: rs(r, DJANGO_CHARS, 50)),
    "fernet": ("encryption-key", lambda r: base64.urlsafe_b64encode(r.randbytes(32)).decode()),
    "hex_key": ("encryption-key", lambda r: rs(r, HEX, 64)),
    "b64_key": ("encryption-key", lambda r: b64(r.randbytes(32))),
    "pw": ("generic-password", password),
    "pw_human": ("generic-password", human_password),
    "pw_url": ("generic-password", url_password),
    "pw_any": ("generic-password", any_password),
    "secret_hex": ("generic-secret", lambda r: rs(r, HEX, rng_len(r, 32, 40))),
    "secret_b64": ("generic-secret", lambda r: b64(r.randbytes(r.choice([24, 32, 48])))),
    "secret_alnum": ("generic-secret", lambda r: rs(r, ALNUM, r.randint(28, 40))),
    "whsec": ("generic-secret", lambda r: "whsec_" + rs(r, ALNUM, 32)),
    "wp_key": ("generic-secret", lambda r: rs(r, ALNUM + "!@#%^&*()-_[]{}<>~+=,.;:/?|", 64)),
    "rails_master": ("encryption-key", lambda r: rs(r, HEX, 32)),
    "vault_token": ("generic-secret", lambda r: "hvs." + rs(r, URLB64, 91)),
    "azure_client_secret": ("generic-secret", azure_client_secret),
    "docker_auth": ("generic-secret", docker_auth),
    "cf_token": ("generic-secret", lambda r: rs(r, URLB64, 40)),
    "k8s_b64_pw": ("generic-password", lambda r: b64(any_password(r).encode())),
    "k8s_b64_secret": ("generic-secret", lambda r: b64(rs(r, ALNUM, 40).encode())),
    "k8s_dockerconfig": ("generic-secret", k8s_dockerconfig),
    "kube_client_key": ("generic-secret", lambda r: b64(rsa_pkcs1(r).encode())),
    "mailgun": ("mailgun-api-key", lambda r: "key-" + rs(r, LOWER_NUM, 32)),
    "shpat": ("shopify-token", lambda r: "shpat_" + rs(r, HEX, 32)),
    "shpss": ("shopify-token", lambda r: "shpss_" + rs(r, HEX, 32)),
    "dop": ("digitalocean-token", lambda r: "dop_v1_" + rs(r, HEX, 64)),
    "discord": ("discord-bot-token", discord_token),
    "telegram": ("telegram-bot-token", lambda r: f"{r.randint(10**8, 10**10 - 1)}:AA{rs(r, URLB64, 33)}"),
    "gocspx": ("google-oauth-client-secret", lambda r: "GOCSPX-" + rs(r, URLB64, 28)),
    "square": ("square-token", lambda r: "EAAA" + rs(r, URLB64, 60)),
    "sq0csp": ("square-token", lambda r: "sq0csp-" + rs(r, URLB64, 43)),
    "heroku": ("heroku-api-key", heroku_key),
    "age_key": ("age-secret-key", lambda r: "AGE-SECRET-KEY-1" + rs(r, BECH32, 58)),
}  # fmt: skip


def rng_len(rng: Rng, lo: int, hi: int) -> int:
    return rng.choice([lo, hi])


#: kind -> (category, maker)
NEGATIVE: dict[str, tuple[str, Maker]] = {
    "uuid": ("uuid", uuid),
    "sha1": ("hash", lambda r: rs(r, HEX, 40)),
    "sha256": ("hash", lambda r: rs(r, HEX, 64)),
    "md5": ("hash", lambda r: rs(r, HEX, 32)),
    "digest": ("hash", lambda r: "sha256:" + rs(r, HEX, 64)),
    "sri": ("integrity-hash", sri),
    "npm_integrity": ("lockfile-integrity", npm_integrity),
    "pip_hash": ("lockfile-integrity", lambda r: "--hash=sha256:" + rs(r, HEX, 64)),
    "gosum": ("lockfile-integrity", lambda r: "h1:" + b64(r.randbytes(32))),
    "bcrypt": ("password-hash", bcrypt),
    "pg_md5": ("password-hash", lambda r: "md5" + rs(r, HEX, 32)),
    "ssh_pub": ("public-key", ssh_ed25519_pub),
    "ssh_rsa_pub": ("public-key", ssh_rsa_pub),
    "pub_pem": ("public-key", public_pem),
    "cert_pem": ("public-key", certificate),
    "pgp_pub": ("public-key", pgp_public),
    "age_pub": ("public-key", age_public),
    "png": ("base64-data", png_data),
    "sops": ("encrypted-value", sops),
    "sealed": ("encrypted-value", lambda r: "AgB" + rs(r, B64, 420) + "=="),
    "ansible_vault": ("encrypted-value", ansible_vault),
    "stripe_pk": ("public-client-id", lambda r: "pk_live_51" + rs(r, ALNUM, 97)),
    "sentry_dsn": ("public-client-id", sentry_dsn),
    "google_client_id": ("public-client-id", google_client_id),
    "mapbox_pk": ("public-client-id", mapbox_public),
    "twilio_sid": ("identifier", lambda r: "AC" + rs(r, HEX, 32)),
    "key_id": ("identifier", lambda r: rs(r, HEX, 40)),
    "gh_client_id": ("identifier", lambda r: "Iv1." + rs(r, HEX, 16)),
    "jwk_n": ("public-key", lambda r: b64url(r.randbytes(256))),
    "openai_org": ("identifier", lambda r: "org-" + rs(r, ALNUM, 24)),
    "aws_account": ("identifier", lambda r: str(r.randint(10**11, 10**12 - 1))),
    "k8s_b64_user": ("k8s-b64-non-credential", lambda r: b64(r.choice(USERS).encode())),
    "k8s_b64_host": ("k8s-b64-non-credential", lambda r: b64(r.choice(HOSTS[:4]).encode())),
    "kube_ca": ("public-key", lambda r: b64(certificate(r).encode())),
    "travis_secure": ("encrypted-value", lambda r: b64(r.randbytes(256))),
    "rails_enc": ("encrypted-value", rails_encrypted),
}

#: kind -> maker; unlabelled values that make files look lived-in
FILLER: dict[str, Maker] = {
    "user": lambda r: r.choice(USERS),
    "host": lambda r: r.choice(HOSTS[:2]),
    "db": lambda r: r.choice(DBS),
    "account": lambda r: r.choice(ACCOUNTS),
    "email": lambda r: f"{r.choice(['ops', 'noreply', 'billing', 'alerts'])}@parcelhub.io",
    "int": lambda r: str(r.randint(2, 64)),
    "ver": lambda r: f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",
}


# -- templates: Python services ------------------------------------------------------------
# Each entry: repository path -> template text (or a function of the Rng returning it).

TEMPLATES: dict[str, str | Callable[[Rng], str]] = {}

TEMPLATES["backend/parcelhub/settings/base.py"] = '''\
"""Django settings shared by every environment."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env(DEBUG=(bool, False))

SECRET_KEY = env("DJANGO_SECRET_KEY")«~env-reference»
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost"])

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("POSTGRES_DB", "parcelhub"),
        "USER": os.environ.get("POSTGRES_USER", "parcelhub"),
        "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),«~env-reference»
        "HOST": os.environ.get("POSTGRES_HOST", "localhost"),
        "PORT": "5432",
    }
}

AUTH_PASSWORD_VALIDATORS = [«~code-identifier»
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",«~code-identifier»
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},«~code-identifier»
]
PASSWORD_HASHERS = [«~code-identifier»
    "django.contrib.auth.hashers.Argon2PasswordHasher",«~code-identifier»
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24«~config-value»

EMAIL_HOST = "smtp.sendgrid.net"
EMAIL_HOST_USER = "apikey"«~config-value»
EMAIL_HOST_PASSWORD = env("SENDGRID_API_KEY", default="")«~env-reference»

CSRF_COOKIE_NAME = "ph_csrftoken"«~config-value»
SESSION_COOKIE_NAME = "ph_sessionid"
SIMPLE_JWT = {
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),«~env-reference»
    "AUTH_HEADER_TYPES": ("Bearer",),«~config-value»
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),«~config-value»
}
SENTRY_DSN = "«sentry_dsn»"
'''

TEMPLATES["backend/parcelhub/settings/production.py"] = """\
# Production overrides. TODO(ops): move these into the vault before the audit!
from .base import *  # noqa

DEBUG = False
SECRET_KEY = "«django_key»"
ALLOWED_HOSTS = ["app.parcelhub.io", "api.parcelhub.io"]

DATABASES["default"].update(
    {
        "HOST": "«host»",
        "USER": "parcel_app",
        "PASSWORD": "«pw»",
    }
)
DATABASES["replica"] = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "parcelhub",
    "USER": "reporting_ro",
    "PASSWORD": '«pw_human»',
    "HOST": "replica-1.internal.parcelhub.io",
}

EMAIL_HOST_PASSWORD = "«sendgrid»"
AWS_ACCESS_KEY_ID = "«akid»"
AWS_SECRET_ACCESS_KEY = "«aws_secret»"
AWS_STORAGE_BUCKET_NAME = "parcelhub-media-prod"
AWS_S3_CUSTOM_DOMAIN = "media.parcelhub.io"

STRIPE_PUBLISHABLE_KEY = "«stripe_pk»"
STRIPE_SECRET_KEY = "«sk_live»"
STRIPE_WEBHOOK_SECRET = "«whsec»"

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "«redis_url»",
    }
}
"""

TEMPLATES["backend/parcelhub/settings/test.py"] = """\
from .base import *  # noqa

SECRET_KEY = "django-tests-only-not-a-real-secret"«~test-fixture»
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]«~code-identifier»
DATABASES["default"]["PASSWORD"] = "postgres"«~dev-default-cred»
STRIPE_SECRET_KEY = "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"«~placeholder»
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
"""

TEMPLATES["backend/accounts/views.py"] = """\
from django.contrib import messages
from django.contrib.auth import authenticate, login, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .forms import PasswordChangeForm, TokenForm
from .tokens import account_activation_token


def sign_in(request):
    username = request.POST.get("username", "")
    password = request.POST.get("password", "")«~code-identifier»
    user = authenticate(request, username=username, password=password)«~code-identifier»
    if user is None:
        messages.error(request, _("Invalid username or password."))«~i18n»
        return render(request, "accounts/login.html", status=401)
    login(request, user)
    return redirect("dashboard")


def change_password(request, template_name="accounts/password_change.html"):«~code-identifier»
    form = PasswordChangeForm(request.user, request.POST or None)
    if form.is_valid():
        new_password = form.cleaned_data["new_password1"]«~code-identifier»
        if new_password == form.cleaned_data["old_password"]:«~code-identifier»
            messages.error(request, _("The new password must differ from the old one."))«~i18n»
        else:
            update_session_auth_hash(request, form.save())
    return render(request, template_name, {"form": form})


def activate(request, uidb64, token):
    if not account_activation_token.check_token(request.user, token):«~code-identifier»
        messages.error(request, _("Your activation token has expired."))«~i18n»
    api_token = TokenForm(request.POST).cleaned_data.get("api_token")«~code-identifier»
    return redirect("dashboard")
"""

TEMPLATES["backend/accounts/tests/test_login.py"] = """\
import pytest
from django.contrib.auth import get_user_model

TEST_PASSWORD = "testpass123"«~test-fixture»


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        username="alice", email="alice@example.com", password="password"«~test-fixture»
    )


def test_login_with_wrong_password(client, user):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})«~test-fixture»
    assert response.status_code == 401


def test_login(client, user):
    user.set_password(TEST_PASSWORD)«~code-identifier»
    user.save()
    response = client.post("/login/", {"username": "alice", "password": TEST_PASSWORD})«~code-identifier»
    assert response.status_code == 302


def test_hash_is_stored(user):
    assert user.password.startswith("pbkdf2_sha256$")«~code-identifier»
    stored = "«bcrypt»"
    assert len(stored) == 60


def test_webhook_signature(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"«~test-fixture»
    response = client.post("/webhooks/stripe/", data=b"{}", HTTP_STRIPE_SIGNATURE="t=1,v1=abc")
    assert response.status_code == 400
"""

TEMPLATES["backend/locale/de/LC_MESSAGES/django.po"] = """\
# German translation of parcelhub.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: accounts/views.py:17
msgid "Invalid username or password."«~i18n»
msgstr "Ungültiger Benutzername oder ungültiges Passwort."«~i18n»

#: accounts/views.py:27
msgid "The new password must differ from the old one."«~i18n»
msgstr "Das neue Passwort muss sich vom alten unterscheiden."«~i18n»

#: accounts/views.py:35
msgid "Your activation token has expired."«~i18n»
msgstr "Ihr Aktivierungstoken ist abgelaufen."«~i18n»

#: templates/accounts/api_keys.html:12
msgid "Secret key (shown once)"«~i18n»
msgstr "Geheimer Schlüssel (wird nur einmal angezeigt)"«~i18n»
"""

TEMPLATES["backend/templates/email/password_reset.html"] = """\
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Reset your password</title>«~i18n»
  <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/css/bootstrap.min.css"
        integrity="«sri»" crossorigin="anonymous">
  <style>.btn-primary { background-color: #1f6feb; border-color: #1a5fd0; }</style>
</head>
<body>
  <p>Hi {{ user.first_name }},</p>
  <p>Someone asked to reset the password of your ParcelHub account.</p>«~i18n»
  <a class="btn btn-primary" href="{{ protocol }}://{{ domain }}/reset/{{ uid }}/{{ token }}/">«~template-var»
    Choose a new password</a>«~i18n»
  <img alt="ParcelHub" src="«png»">
</body>
</html>
"""

TEMPLATES["db/migrations/V7__service_roles.sql"] = """\
-- Roles for the services. Applied by Flyway on deploy.
CREATE ROLE reporting_ro WITH LOGIN PASSWORD '«pw»';
CREATE USER etl_loader WITH ENCRYPTED PASSWORD '«pw_human»';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting_ro;

-- the app role gets its password from the vault at deploy time
CREATE USER parcel_app WITH PASSWORD :'app_password';«~template-var»
ALTER ROLE legacy_sync WITH PASSWORD NULL;«~code-identifier»
ALTER ROLE metabase PASSWORD '«pg_md5»';

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash char(64) NOT NULL,«~code-identifier»
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO api_tokens (id, token_hash) VALUES ('«uuid»', '«sha256»');
INSERT INTO settings (key, value) VALUES ('password_min_length', '12');«~config-value»
"""

TEMPLATES["api/app/config.py"] = """\
from functools import lru_cache

from pydantic import Field, PostgresDsn, RedisDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="PH_")

    database_url: PostgresDsn = "postgresql://postgres:postgres@localhost:5432/parcelhub"«~dev-default-cred»
    redis_url: RedisDsn = "redis://localhost:6379/0"«~url-no-cred»
    secret_key: SecretStr = Field(..., description="HMAC key for session cookies")«~code-identifier»
    openai_api_key: SecretStr | None = None«~code-identifier»
    jwt_algorithm: str = "RS256"«~config-value»
    access_token_expire_minutes: int = 30«~config-value»
    # fallback used by the load tests only; production sets PH_INTERNAL_TOKEN
    internal_token: str = "«secret_alnum»"
    geocoder_key: str = "«aiza»"
    sentry_dsn: str = "«sentry_dsn»"


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""

TEMPLATES["api/app/main.py"] = """\
import openai
from anthropic import Anthropic
from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from .config import Settings, get_settings

app = FastAPI(title="ParcelHub API")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")«~code-identifier»
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)«~code-identifier»

openai.api_key = "«openai»"
claude = Anthropic(api_key="«anthropic»")


async def verify_key(key: str = Security(api_key_header), settings: Settings = Depends(get_settings)):«~code-identifier»
    if key != settings.internal_token:«~code-identifier»
        raise HTTPException(status_code=403, detail="Invalid API key")«~i18n»
    return key


@app.post("/token")
async def issue_token(form: dict, settings: Settings = Depends(get_settings)):
    token = create_access_token({"sub": form["username"]}, settings.secret_key.get_secret_value())«~code-identifier»
    return {"access_token": token, "token_type": "bearer"}«~code-identifier»
"""

TEMPLATES["api/tests/conftest.py"] = """\
import jwt
import pytest
from fastapi.testclient import TestClient

from app.main import app

# captured from staging on 2024-03-02 to reproduce ticket PH-1432
STAGING_ADMIN_JWT = "«jwt»"
JWT_IO_EXAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"«~doc-example»


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("PH_SECRET_KEY", "test-secret")«~test-fixture»
    monkeypatch.setenv("PH_OPENAI_API_KEY", "sk-test")«~test-fixture»
    monkeypatch.setenv("PH_DATABASE_URL", "postgresql://test:test@localhost:5432/test")«~test-fixture»


@pytest.fixture
def token():
    return jwt.encode({"sub": "alice"}, "testing", algorithm="HS256")«~test-fixture»


@pytest.fixture
def client(token):
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})«~template-var»


@pytest.fixture
def fake_user():
    return {"id": "«uuid»", "password": "hunter2"}«~test-fixture»
"""

TEMPLATES["worker/celeryconfig.py"] = '''\
"""Celery configuration for the label-printing workers."""

broker_url = "«amqp_url»"
result_backend = "«redis_url»"«?|  # prod| # TODO vault»
broker_connection_retry_on_startup = True
task_serializer = "json"
result_expires = 3600
beat_schedule = {
    "refresh-carrier-tokens": {«~code-identifier»
        "task": "worker.tasks.refresh_carrier_tokens",«~code-identifier»
        "schedule": 900.0,
    },
}
# local: broker_url = "amqp://guest:guest@localhost:5672//"«~dev-default-cred»
'''

TEMPLATES["worker/tasks.py"] = """\
import os

import requests
from celery import shared_task

DHL_API = "https://api-eu.dhl.com/track/shipments"«~url-no-cred»
DHL_KEY = os.environ["DHL_API_KEY"]«~env-reference»
TELEGRAM_BOT_TOKEN = "«telegram»"
MAILGUN_DOMAIN = "mg.parcelhub.io"
MAILGUN_API_KEY = "«mailgun»"


@shared_task
def refresh_carrier_tokens():
    token = requests.post(
        "https://api.ups.com/security/v1/oauth/token",
        auth=(os.getenv("UPS_CLIENT_ID"), os.getenv("UPS_CLIENT_SECRET")),«~env-reference»
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]«~code-identifier»
    return token[:4]


@shared_task
def notify(chat_id: int, text: str):
    requests.post(
        f"https://api.telegram.org/bot{TELEGRAM_BOT_TOKEN}/sendMessage",«~template-var»
        json={"chat_id": chat_id, "text": text},
    )
    requests.post(
        f"https://api.mailgun.net/v3/{MAILGUN_DOMAIN}/messages",
        auth=("api", MAILGUN_API_KEY),«~code-identifier»
        data={"from": "ParcelHub <noreply@parcelhub.io>", "to": ["ops@parcelhub.io"], "text": text},
    )
"""

TEMPLATES["dags/export_manifests.py"] = """\
from datetime import datetime, timedelta

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.python import PythonOperator
from airflow.providers.amazon.aws.hooks.s3 import S3Hook

SLACK_WEBHOOK = "«slack_webhook»"
SFTP_PASSWORD = Variable.get("carrier_sftp_password")«~env-reference»
EXTRA = {
    "aws_access_key_id": "«akid»",
    "aws_secret_access_key": "«aws_secret»",
    "region_name": "eu-west-1",
}


def export(**context):
    conn = BaseHook.get_connection("carrier_sftp")
    password = conn.password«~code-identifier»
    s3 = S3Hook(aws_conn_id="manifests_s3")
    s3.load_string(context["ds"], key=f"manifests/{context['ds']}.csv", bucket_name="ph-exports")


with DAG(
    "export_manifests",
    start_date=datetime(2024, 1, 1),
    schedule="0 2 * * *",
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    catchup=False,
) as dag:
    PythonOperator(task_id="export", python_callable=export)
"""

TEMPLATES["airflow/airflow.cfg"] = """\
[core]
dags_folder = /opt/airflow/dags
executor = CeleryExecutor
fernet_key = «fernet»
load_examples = False

[database]
sql_alchemy_conn = «pg_psycopg_url»

[webserver]
base_url = https://airflow.parcelhub.io
secret_key = «secret_b64»
auth_backends = airflow.api.auth.backend.basic_auth«~config-value»

[smtp]
smtp_host = smtp.mailgun.org
smtp_user = postmaster@mg.parcelhub.io
smtp_password = «pw»
smtp_port = 587

[celery]
broker_url = redis://redis:6379/1«~url-no-cred»
result_backend = db+postgresql://airflow:{{ airflow_db_password }}@postgres/airflow«~template-var»
"""

TEMPLATES["scripts/rotate_keys.py"] = '''\
#!/usr/bin/env python3
"""Rotate the IAM access key of a service user and store the new one in Secrets Manager."""
import json
import sys

import boto3

iam = boto3.client("iam")
sm = boto3.client("secretsmanager", region_name="eu-west-1")
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:«aws_account»:secret:prod/ingest/aws-AbCdEf"


def rotate(user: str) -> None:
    new = iam.create_access_key(UserName=user)["AccessKey"]
    secret = {"aws_access_key_id": new["AccessKeyId"], "aws_secret_access_key": new["SecretAccessKey"]}«~code-identifier»
    sm.put_secret_value(SecretId=SECRET_ARN, SecretString=json.dumps(secret))
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        if key["AccessKeyId"] != new["AccessKeyId"]:«~code-identifier»
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    print("rotated", user, new["AccessKeyId"][:4] + "***")


if __name__ == "__main__":
    # e.g. python rotate_keys.py svc-ingest  (AKIAIOSFODNN7EXAMPLE in the docs is fake)«~doc-example»
    rotate(sys.argv[1])
'''

TEMPLATES["bots/notifier/bot.py"] = """\
import logging
import os

import discord
from telegram.ext import ApplicationBuilder

log = logging.getLogger(__name__)
DISCORD_BOT_TOKEN = "«discord»"
TELEGRAM_TOKEN = os.environ.get("TELEGRAM_TOKEN", "123456789:YOUR_TELEGRAM_BOT_TOKEN")«~placeholder»
HF_TOKEN = "«hf»"

intents = discord.Intents.default()
client = discord.Client(intents=intents)


@client.event
async def on_ready():
    log.info("logged in as %s", client.user)


def main() -> None:
    app = ApplicationBuilder().token(TELEGRAM_TOKEN).build()«~code-identifier»
    app.run_polling()
    client.run(DISCORD_BOT_TOKEN)«~code-identifier»
"""


# -- templates: CI, containers, Kubernetes ---------------------------------------------------

TEMPLATES[".github/workflows/ci.yml"] = """\
name: ci
on:
  push:
    branches: [main]
  pull_request:

env:
  PH_DATABASE_URL: postgresql://postgres:postgres@localhost:5432/ci«~dev-default-cred»
  NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}«~template-var»

jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16@«digest»
        env:
          POSTGRES_PASSWORD: postgres«~dev-default-cred»
        ports: ["5432:5432"]
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1«~hash»
      - uses: actions/setup-python@0a5c61591373683505ea898e09a3ea4f39ef2b9c # v5.0.0«~hash»
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt
      - run: pytest -q
        env:
          PH_SECRET_KEY: ${{ secrets.PH_SECRET_KEY }}«~template-var»
          OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY || 'sk-dummy' }}«~template-var»
      - name: Report coverage
        run: |
          curl -s -H "Authorization: token «ghp»" \\
            -X POST https://api.github.com/repos/parcelhub/parcelhub/statuses/${{ github.sha }}
      - name: Publish UI package
        run: npm publish
        env:
          NPM_TOKEN: «npm»
"""

TEMPLATES[".github/workflows/deploy.yml"] = """\
name: deploy
on:
  workflow_dispatch:
    inputs:
      environment:
        type: choice
        options: [staging, production]

permissions:
  id-token: write
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: ${{ inputs.environment }}
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::«aws_account»:role/github-deploy
          aws-region: eu-west-1
      - name: Log in to GHCR
        run: echo "${{ secrets.GITHUB_TOKEN }}" | docker login ghcr.io -u ${{ github.actor }} --password-stdin«~template-var»
      - name: Deploy
        run: ./scripts/deploy.sh ${{ inputs.environment }}
        env:
          DIGITALOCEAN_ACCESS_TOKEN: ${{ secrets.DO_TOKEN }}«~template-var»
          HEROKU_API_KEY: «heroku»
      - name: Notify
        if: always()
        uses: slackapi/slack-github-action@v1.25.0
        with:
          channel-id: C04KX9A2B1T
        env:
          «?SLACK_BOT_TOKEN|SLACK_TOKEN»: «xoxb»
"""

TEMPLATES[".gitlab-ci.yml"] = """\
stages: [test, build, release]

variables:
  POSTGRES_DB: parcelhub_test
  POSTGRES_USER: runner
  POSTGRES_PASSWORD: "runner"«~test-fixture»
  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG_JSON«~env-reference»
  GITLAB_API_TOKEN: «glpat»

test:
  stage: test
  image: python:3.12
  services: [postgres:16]
  script:
    - pip install -r requirements.txt
    - pytest -q

build:
  stage: build
  script:
    - docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY«~env-reference»
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .
    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA

release:
  stage: release
  script:
    - pip install build twine
    - python -m build
    - twine upload -u __token__ -p «pypi» dist/*
    - 'curl --header "JOB-TOKEN: $CI_JOB_TOKEN" --upload-file dist/*.whl "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/pypi"'«~env-reference»
  rules:
    - if: $CI_COMMIT_TAG
"""

TEMPLATES["Jenkinsfile"] = """\
pipeline {
    agent { label 'docker' }
    environment {
        AZURE_STORAGE_CONNECTION_STRING = '«azure_conn»'
        REGISTRY_CREDS = credentials('harbor-robot')«~vault-ref»
    }
    stages {
        stage('Publish') {
            steps {
                withCredentials([string(credentialsId: 'npm-token', variable: 'NPM_TOKEN')]) {«~vault-ref»
                    sh 'echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc'«~env-reference»
                    sh 'npm publish'
                }
                sh "az storage blob upload-batch -d builds -s dist --auth-mode key"
            }
        }
    }
}
"""

TEMPLATES["docker-compose.yml"] = """\
services:
  db:
    image: postgres:16.2@«digest»
    environment:
      POSTGRES_USER: parcel_app
      «?POSTGRES_PASSWORD|DB_PASSWORD»: «pw»
      POSTGRES_DB: parcelhub
    volumes: [pgdata:/var/lib/postgresql/data]

  rabbitmq:
    image: rabbitmq:3.13-management
    environment:
      RABBITMQ_DEFAULT_USER: parcel
      RABBITMQ_DEFAULT_PASS: «pw_url»

  mysql-legacy:
    image: mysql:8.0
    environment:
      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD:?set it in .env}«~env-reference»
      MYSQL_PASSWORD_FILE: /run/secrets/mysql_password«~config-value»

  api:
    build: ./api
    environment:
      - PH_DATABASE_URL=«postgres_url»
      - PH_REDIS_URL=redis://redis:6379/0«~url-no-cred»
      - PH_SECRET_KEY=${PH_SECRET_KEY}«~env-reference»
    depends_on: [db, rabbitmq]

secrets:
  mysql_password:
    file: ./secrets/mysql_password.txt«~config-value»

volumes:
  pgdata:
"""

TEMPLATES["docker-compose.dev.yml"] = """\
# Local development only; every value here is the documented default of its image.
services:
  db:
    environment:
      POSTGRES_PASSWORD: postgres«~dev-default-cred»
  minio:
    image: minio/minio
    command: server /data --console-address ":9001"
    environment:
      MINIO_ROOT_USER: minioadmin
      MINIO_ROOT_PASSWORD: minioadmin«~dev-default-cred»
  rabbitmq:
    environment:
      RABBITMQ_DEFAULT_PASS: guest«~dev-default-cred»
  mailhog:
    image: mailhog/mailhog@«digest»
"""

TEMPLATES["api/Dockerfile"] = """\
FROM python:3.12-slim@«digest»

ARG PIP_INDEX_URL«~config-value»
ENV PIP_EXTRA_INDEX_URL=«basic_url»
ENV PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
COPY requirements.txt .
RUN --mount=type=secret,id=pip_token \\«~config-value»
    PIP_PASSWORD=$(cat /run/secrets/pip_token) pip install --no-cache-dir -r requirements.txt«~env-reference»
COPY . .
ENV SENTRY_DSN=«sentry_dsn»
ENV OPENAI_API_KEY=«openai»
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

TEMPLATES["k8s/base/secret.yaml"] = """\
apiVersion: v1
kind: Secret
metadata:
  name: parcelhub-app
  namespace: parcelhub
type: Opaque
data:
  DB_USERNAME: «k8s_b64_user»
  DB_HOST: «k8s_b64_host»
  «?DB_PASSWORD|POSTGRES_PASSWORD|db-password»: «k8s_b64_pw»
  STRIPE_API_KEY: «k8s_b64_secret»
  «?JWT_SECRET|jwt-secret|SESSION_SECRET»: «k8s_b64_secret»
stringData:
  REDIS_PASSWORD: «pw»
  SENDGRID_API_KEY: «sendgrid»
---
apiVersion: v1
kind: Secret
metadata:
  name: registry-pull
  namespace: parcelhub
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: «k8s_dockerconfig»
---
apiVersion: v1
kind: Secret
metadata:
  name: ingress-tls
type: kubernetes.io/tls
stringData:
  tls.crt: |
    «cert_pem»
  tls.key: |
    «ec_pem»
"""

TEMPLATES["k8s/base/configmap.yaml"] = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: parcelhub-config
  namespace: parcelhub
data:
  LOG_LEVEL: info
  DB_HOST: pg-primary.data.svc.cluster.local
  PASSWORD_MIN_LENGTH: "12"«~config-value»
  TOKEN_TTL_SECONDS: "3600"«~config-value»
  AUTH_ISSUER: https://auth.parcelhub.io/realms/parcelhub«~url-no-cred»
  JWKS_URL: https://auth.parcelhub.io/realms/parcelhub/protocol/openid-connect/certs«~url-no-cred»
  OAUTH_CLIENT_ID: «google_client_id»
  TENANT_ID: «uuid»
  FEATURE_FLAGS: "new-checkout,labels-v2"
  STRIPE_PUBLISHABLE_KEY: «stripe_pk»
  known_hosts: |
    github.com «ssh_pub»
  jwt-public.pem: |
    «pub_pem»
"""

TEMPLATES["k8s/base/deployment.yaml"] = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: parcelhub-api
  annotations:
    checksum/config: «sha256»
spec:
  replicas: 3
  selector:
    matchLabels: {app: parcelhub-api}
  template:
    metadata:
      labels: {app: parcelhub-api}
    spec:
      imagePullSecrets: [{name: registry-pull}]«~config-value»
      containers:
        - name: api
          image: ghcr.io/parcelhub/api@«digest»
          env:
            - name: PH_SECRET_KEY
              valueFrom:
                secretKeyRef: {name: parcelhub-app, key: JWT_SECRET}«~vault-ref»
            - name: PH_DATABASE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: parcelhub-app
                  key: DB_PASSWORD«~vault-ref»
            - name: SHOPIFY_ACCESS_TOKEN
              value: «shpat»
            - name: GOOGLE_MAPS_API_KEY
              value: "«aiza»"
"""

TEMPLATES["k8s/overlays/prod/sealed-secret.yaml"] = """\
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: parcelhub-app
  namespace: parcelhub
spec:
  encryptedData:
    DB_PASSWORD: «sealed»
    STRIPE_API_KEY: «sealed»
    JWT_SECRET: «sealed»
  template:
    metadata:
      name: parcelhub-app
"""

TEMPLATES["k8s/overlays/prod/external-secret.yaml"] = """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: billing-db
spec:
  refreshInterval: 1h
  secretStoreRef: {name: vault-backend, kind: ClusterSecretStore}
  target: {name: billing-db}
  data:
    - secretKey: password«~vault-ref»
      remoteRef: {key: secret/data/billing/db, property: password}«~vault-ref»
    - secretKey: api-token«~vault-ref»
      remoteRef: {key: prod/billing/stripe, property: api_token}«~vault-ref»
"""

TEMPLATES["helm/parcelhub/values.yaml"] = """\
image:
  repository: ghcr.io/parcelhub/api
  tag: ""
  digest: «digest»

postgresql:
  enabled: true
  auth:
    username: parcel_app
    password: ""«~placeholder»
    existingSecret: parcelhub-db«~vault-ref»
    secretKeys:
      userPasswordKey: password«~config-value»

redis:
  auth:
    enabled: true
    password: «pw_any»«?|  # set by ops»

ingress:
  enabled: true
  tls:
    - secretName: parcelhub-tls«~config-value»
      hosts: [app.parcelhub.io]

datadog:
  apiKeyExistingSecret: datadog-secret«~vault-ref»
  site: datadoghq.eu
"""

TEMPLATES["helm/parcelhub/templates/secret.yaml"] = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "parcelhub.fullname" . }}
  labels: {{- include "parcelhub.labels" . | nindent 4 }}
type: Opaque
data:
  password: {{ .Values.postgresql.auth.password | b64enc | quote }}«~template-var»
  redis-password: {{ required "redis.auth.password" .Values.redis.auth.password | b64enc }}«~template-var»
  api-token: {{ randAlphaNum 32 | b64enc | quote }}«~template-var»
"""

TEMPLATES["helm/values-production.yaml"] = """\
replicaCount: 4
postgresql:
  enabled: false
externalDatabase:
  host: «host»
  user: parcel_app
  password: "«pw»"
datadog:
  apiKey: «secret_hex»
  «?appKey|applicationKey|app_key»: «secret_hex»«?|  # rotate quarterly»
stripe:
  secretKey: «rk_live»
  publishableKey: «stripe_pk»
oauth:
  google:
    clientId: «google_client_id»
    clientSecret: «gocspx»
"""


# -- templates: infrastructure ---------------------------------------------------------------

TEMPLATES["infra/terraform/providers.tf"] = """\
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws          = { source = "hashicorp/aws", version = "~> 5.40" }
    github       = { source = "integrations/github", version = "~> 6.0" }
    datadog      = { source = "DataDog/datadog", version = "~> 3.38" }
    digitalocean = { source = "digitalocean/digitalocean", version = "~> 2.36" }
    cloudflare   = { source = "cloudflare/cloudflare", version = "~> 4.0" }
  }
  backend "s3" {
    bucket = "parcelhub-tfstate"
    key    = "prod/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "«akid»"
  secret_key = "«aws_secret»"
}

provider "github" {
  owner = "parcelhub"
  token = var.github_token«~env-reference»
}

provider "datadog" {
  api_key = "«secret_hex»"
  app_key = var.datadog_app_key«~env-reference»
}

provider "digitalocean" {
  token = "«dop»"
}

provider "cloudflare" {
  api_token = "«cf_token»"
}
"""

TEMPLATES["infra/terraform/main.tf"] = """\
resource "random_password" "db" {
  length  = 32
  special = true
}

resource "aws_db_instance" "main" {
  identifier        = "parcelhub-prod"
  engine            = "postgres"
  instance_class    = "db.r6g.large"
  username          = "parcel_admin"
  password          = random_password.db.result«~code-identifier»
  kms_key_id        = "arn:aws:kms:eu-west-1:«aws_account»:key/«uuid»"
  storage_encrypted = true
}

resource "aws_db_instance" "analytics" {
  identifier     = "parcelhub-analytics"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  username       = "analytics"
  password       = "«pw»"
}

resource "aws_key_pair" "bastion" {
  key_name   = "bastion"
  public_key = "«ssh_rsa_pub»"
}

data "aws_secretsmanager_secret_version" "stripe" {
  secret_id = "prod/billing/stripe"«~vault-ref»
}

resource "aws_ssm_parameter" "sentry" {
  name  = "/parcelhub/prod/sentry_dsn"
  type  = "SecureString"
  value = data.aws_secretsmanager_secret_version.stripe.secret_string«~vault-ref»
}

resource "tls_private_key" "deploy" {
  algorithm = "ED25519"«~config-value»
}

resource "aws_iam_user_policy" "ci" {
  name   = "ci-artifacts"
  user   = "ci"
  policy = file("${path.module}/policies/ci.json")
}

locals {
  bastion_host_key = <<-EOT
«openssh_pem»
  EOT
}
"""

TEMPLATES["infra/terraform/variables.tf"] = """\
variable "github_token" {
  type        = string
  description = "GitHub token with repo scope (ghp_...)"«~placeholder»
  sensitive   = true
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = ""«~placeholder»
}

variable "datadog_app_key" {
  type      = string
  sensitive = true
}

variable "secret_rotation_days" {
  type    = number
  default = 30«~config-value»
}
"""

TEMPLATES["infra/terraform/environments/prod.tfvars"] = """\
environment         = "prod"
db_password         = "«pw_human»"
github_token        = "«github_pat»"
«?datadog_app_key|dd_app_key|datadog_application_key» = "«secret_hex»"
cloudflare_zone_id  = "«md5»"
alert_email         = "«email»"
"""

TEMPLATES["infra/ansible/group_vars/all/vars.yml"] = """\
---
app_user: parcelhub
app_db_password: "{{ vault_app_db_password }}"«~template-var»
ansible_become_pass: "{{ lookup('env', 'BECOME_PASS') }}"«~template-var»
smtp_password: "{{ lookup('community.hashi_vault.hashi_vault', 'secret=secret/data/smtp:password') }}"«~vault-ref»
nginx_worker_connections: 1024
password_min_length: 12«~config-value»
ssh_authorized_keys:
  - "«ssh_pub»"
"""

TEMPLATES["infra/ansible/group_vars/all/vault.yml"] = """\
«ansible_vault»
"""

TEMPLATES["infra/ansible/group_vars/staging.yml"] = """\
---
# staging values -- not encrypted yet (see OPS-212)
vault_app_db_password: «pw»
«?mailgun_api_key|mailgun_key»: «mailgun»
telegram_bot_token: "«telegram»"
«?rabbitmq_admin_password|rabbitmq_pass»: '«pw_human»'
backup_encryption_key: «hex_key»
"""

TEMPLATES["infra/ansible/roles/app/tasks/main.yml"] = """\
---
- name: Create the application database user
  community.postgresql.postgresql_user:
    name: "{{ app_user }}"
    password: "{{ app_db_password }}"«~template-var»
    no_log: true

- name: Write the application environment
  ansible.builtin.template:
    src: env.j2
    dest: /etc/parcelhub/env
    mode: "0600"

- name: Add the deploy key
  ansible.posix.authorized_key:
    user: deploy
    key: "«ssh_rsa_pub»"

- name: Log in to the registry
  community.docker.docker_login:
    registry_url: ghcr.io
    username: parcelhub-bot
    password: "«ghp»"
"""

TEMPLATES["infra/gcp/sa-deployer.json"] = """\
{
  "type": "service_account",
  "project_id": "parcelhub-prod-4711",
  "private_key_id": "«key_id»",
  "private_key": "«gcp_sa_key»",
  "client_email": "deployer@parcelhub-prod-4711.iam.gserviceaccount.com",
  "client_id": "104857193274619283746",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",«~url-no-cred»
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/deployer%40parcelhub-prod-4711.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}
"""

TEMPLATES["infra/azure/appsettings.json"] = """\
{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "AzureAd": {
    "Instance": "https://login.microsoftonline.com/",
    "TenantId": "«uuid»",
    "ClientId": "«uuid»",
    "ClientSecret": "«azure_client_secret»"
  },
  "ConnectionStrings": {
    "Storage": "«azure_conn»",
    "Sql": "Server=tcp:parcelhub.database.windows.net,1433;Database=billing;User ID=billing;Password=«pw»;Encrypt=True;",
    "Local": "Server=(localdb)\\\\mssqllocaldb;Database=billing;Trusted_Connection=True;"«~url-no-cred»
  },
  "KeyVault": { "Uri": "https://ph-prod-kv.vault.azure.net/" }
}
"""

TEMPLATES["infra/azure/appsettings.Development.json"] = """\
{
  "ConnectionStrings": {
    "Storage": "UseDevelopmentStorage=true",«~dev-default-cred»
    "Azurite": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"«~doc-example»
  },
  "AzureAd": { "ClientSecret": "<client-secret-from-portal>" }«~placeholder»
}
"""

TEMPLATES[".sops.yaml"] = """\
creation_rules:
  - path_regex: secrets/prod/.*\\.yaml$
    kms: arn:aws:kms:eu-west-1:«aws_account»:key/«uuid»
    age: «age_pub»
"""

TEMPLATES["secrets/prod/app.enc.yaml"] = """\
db_password: «sops»
stripe_secret_key: «sops»
jwt_signing_key: «sops»
sops:
    kms:
        - arn: arn:aws:kms:eu-west-1:«aws_account»:key/«uuid»
          enc: «sealed»
    age:
        - recipient: «age_pub»
    lastmodified: "2024-04-11T09:12:44Z"
    mac: «sops»
    version: 3.8.1
"""

TEMPLATES["ops/age/keys.txt"] = """\
# created: 2024-02-19T10:31:02+01:00
# public key: «age_pub»
«age_key»
"""


# -- templates: environment files and dotfiles -----------------------------------------------

TEMPLATES[".env"] = """\
# local overrides -- DO NOT COMMIT (oops)
PH_DATABASE_URL=«pg_url»
PH_REDIS_URL=«redis_url»
«?|export »«?PH_SECRET_KEY|APP_SECRET|SESSION_SECRET»=«secret_b64»
DJANGO_SECRET_KEY='«django_key»'
FERNET_KEY=«fernet»
OPENAI_API_KEY=«openai»
ANTHROPIC_API_KEY=«anthropic»
HUGGINGFACEHUB_API_TOKEN=«hf»
STRIPE_SECRET_KEY=«sk_test»
TWILIO_ACCOUNT_SID=«twilio_sid»
«?|export »TWILIO_AUTH_TOKEN=«twilio_token»
TWILIO_API_KEY=«twilio_sk»
SENDGRID_API_KEY="«sendgrid»"
MONGO_URL=«mongo_url»
«?|export »«?SQUARE_ACCESS_TOKEN|SQUARE_TOKEN»=«square»
GOOGLE_APPLICATION_CREDENTIALS=./infra/gcp/sa-deployer.json
«?SMTP_PASSWORD|MAIL_PASSWORD|EMAIL_HOST_PASSWORD|SMTP_PASS»=«pw_any»
SIGNING_PRIVATE_KEY="«pkcs8_pem_escaped»"
SENTRY_DSN=«sentry_dsn»
LOG_LEVEL=debug
"""

TEMPLATES[".env.example"] = """\
# Copy to .env and fill in. Never commit real values.
PH_DATABASE_URL=postgresql://parcelhub:<password>@localhost:5432/parcelhub«~placeholder»
PH_REDIS_URL=redis://localhost:6379/0«~url-no-cred»
PH_SECRET_KEY=change-me«~placeholder»
DJANGO_SECRET_KEY=your-secret-key-here«~placeholder»
FERNET_KEY=«~placeholder»
OPENAI_API_KEY=sk-...«~placeholder»
ANTHROPIC_API_KEY=sk-ant-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx«~placeholder»
HUGGINGFACEHUB_API_TOKEN=hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX«~placeholder»
STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc«~doc-example»
STRIPE_PUBLISHABLE_KEY=pk_test_TYooMQauvdEDq54NiTphI7jx«~doc-example»
TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX«~placeholder»
TWILIO_AUTH_TOKEN=your_auth_token«~placeholder»
SENDGRID_API_KEY=SG.your-sendgrid-key«~placeholder»
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE«~doc-example»
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY«~doc-example»
GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx«~placeholder»
SMTP_PASSWORD=«~placeholder»
MAILGUN_API_KEY=key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx«~placeholder»
SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX«~placeholder»
DISCORD_BOT_TOKEN=<your discord bot token>«~placeholder»
ENCRYPTION_KEY=$(openssl rand -hex 32)«~placeholder»
"""

TEMPLATES[".env.test"] = """\
PH_DATABASE_URL=postgresql://test:test@localhost:5432/parcelhub_test«~test-fixture»
PH_SECRET_KEY=test«~test-fixture»
OPENAI_API_KEY=sk-test-key«~test-fixture»
STRIPE_SECRET_KEY=sk_test_dummy«~test-fixture»
PASSWORD=password«~test-fixture»
API_TOKEN=dummy-token«~test-fixture»
JWT_SECRET=secret«~test-fixture»
"""

TEMPLATES["frontend/.npmrc"] = """\
@parcelhub:registry=https://npm.pkg.github.com
//npm.pkg.github.com/:_authToken=${GITHUB_PACKAGES_TOKEN}«~env-reference»
//registry.npmjs.org/:_authToken=«npm»
save-exact=true
"""

TEMPLATES[".pypirc"] = """\
[distutils]
index-servers =
    pypi
    testpypi
    internal

[pypi]
username = __token__
password = «pypi»

[testpypi]
repository = https://test.pypi.org/legacy/
username = __token__
password = <your-testpypi-token>«~placeholder»

[internal]
repository = https://nexus.parcelhub.io/repository/pypi-internal/
username = deployer
password = «pw»
"""

TEMPLATES["ops/pip.conf"] = """\
[global]
index-url = «basic_url»
extra-index-url = https://pypi.org/simple«~url-no-cred»
trusted-host = nexus.parcelhub.io
timeout = 60
"""

TEMPLATES["ops/dotfiles/.aws/credentials"] = """\
[default]
aws_access_key_id = «akid»
aws_secret_access_key = «aws_secret»

[parcelhub-prod]
aws_access_key_id = «asia»
aws_secret_access_key = «aws_secret»
aws_session_token = «aws_session»

[docs-example]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE«~doc-example»
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY«~doc-example»
"""

TEMPLATES["ops/dotfiles/.aws/config"] = """\
[default]
region = eu-west-1
output = json

[profile parcelhub-prod]
role_arn = arn:aws:iam::«aws_account»:role/OrganizationAccountAccessRole
source_profile = default
mfa_serial = arn:aws:iam::«aws_account»:mfa/jonas
"""

TEMPLATES["ops/dotfiles/.docker/config.json"] = """\
{
  "auths": {
    "ghcr.io": {
      "auth": "«docker_auth»"
    },
    "registry.parcelhub.io": {
      "auth": "«docker_auth»"
    },
    "https://index.docker.io/v1/": {}
  },
  "credsStore": "desktop",«~config-value»
  "credHelpers": { "«aws_account».dkr.ecr.eu-west-1.amazonaws.com": "ecr-login" }
}
"""

TEMPLATES["ops/dotfiles/.netrc"] = """\
machine github.com
  login jonas-ph
  password «ghp»
machine api.heroku.com
  login ops@parcelhub.io
  password «heroku»
machine nexus.parcelhub.io login deployer password «pw_url»
"""

TEMPLATES["ops/dotfiles/.gitconfig"] = """\
[user]
    name = Jonas Berg
    email = jonas@parcelhub.io
    signingkey = 3AA5C34371567BD2«~identifier»
[url "https://oauth2:«glpat»@gitlab.com/"]
    insteadOf = https://gitlab.com/
[credential]
    helper = osxkeychain«~config-value»
[commit]
    gpgsign = true
"""

TEMPLATES["ops/dotfiles/.ssh/id_ed25519.pub"] = """\
«ssh_pub»
"""

TEMPLATES["ops/dotfiles/.ssh/config"] = """\
Host bastion
    HostName 3.249.18.7
    User ec2-user
    IdentityFile ~/.ssh/parcelhub-bastion.pem«~config-value»
    IdentitiesOnly yes
"""

TEMPLATES["ops/keys/release-signing.asc"] = """\
«pgp_pub»
"""

TEMPLATES["ops/keys/legacy-sftp.key"] = """\
«rsa_pem_enc»
"""

TEMPLATES["ops/keys/jenkins-agent.pem"] = """\
«dsa_pem»
"""

TEMPLATES["ops/keys/release-signing-secret.asc"] = """\
«pgp_private»
"""


# -- templates: frontend, JVM, Go ------------------------------------------------------------

TEMPLATES["frontend/src/config.ts"] = """\
// Public runtime config. Everything here ships to the browser.
export const firebaseConfig = {
  apiKey: "«aiza»",
  authDomain: "parcelhub-prod.firebaseapp.com",
  projectId: "parcelhub-prod",
  appId: "1:«aws_account»:web:«md5»",
};

export const config = {
  apiBaseUrl: process.env.NEXT_PUBLIC_API_URL ?? "https://api.parcelhub.io",«~env-reference»
  stripePublishableKey: "«stripe_pk»",
  sentryDsn: "«sentry_dsn»",
  mapboxToken: "«mapbox_pk»",
  googleClientId: "«google_client_id»",
  passwordMinLength: 12,«~config-value»
  tokenStorageKey: "ph.auth.token",«~config-value»
};

// TODO remove before launch -- used by the internal admin dashboard
export const «?ADMIN_API_TOKEN|INTERNAL_TOKEN|adminToken» = "«secret_alnum»";
export const SHOPIFY_STOREFRONT_SECRET = "«shpss»";
"""

TEMPLATES["frontend/src/api/client.ts"] = """\
import axios from "axios";

const TOKEN_KEY = "ph.auth.token";«~config-value»

export const api = axios.create({ baseURL: process.env.NEXT_PUBLIC_API_URL });«~env-reference»

api.interceptors.request.use((req) => {
  const token = localStorage.getItem(TOKEN_KEY);«~code-identifier»
  if (token) req.headers.Authorization = `Bearer ${token}`;«~template-var»
  return req;
});

export async function login(email: string, password: string) {«~code-identifier»
  const { data } = await api.post("/token", { username: email, password });«~code-identifier»
  localStorage.setItem(TOKEN_KEY, data.access_token);«~code-identifier»
}

export async function squareCheckout(amount: number) {
  return axios.post("https://connect.squareup.com/v2/payments", { amount }, {
    headers: { Authorization: "Bearer «square»" },
  });
}
"""

TEMPLATES["frontend/src/i18n/en.json"] = """\
{
  "login.title": "Sign in to ParcelHub",
  "login.password": "Password",«~i18n»
  "login.passwordPlaceholder": "Enter your password",«~i18n»
  "login.forgotPassword": "Forgot your password?",«~i18n»
  "errors.invalidPassword": "Invalid email or password",«~i18n»
  "errors.tokenExpired": "Your session token has expired. Please sign in again.",«~i18n»
  "settings.apiKeys.title": "API keys",«~i18n»
  "settings.apiKeys.secretHint": "This secret key is shown only once. Store it somewhere safe.",«~i18n»
  "settings.apiKeys.prefix": "Keys start with ph_live_",«~i18n»
  "settings.password.requirements": "At least 12 characters, one number and one symbol"«~i18n»
}
"""

TEMPLATES["frontend/src/styles/theme.ts"] = """\
export const theme = {
  primary: "#1f6feb",
  primaryDark: "#1a5fd0",
  danger: "#d1242f",
  passwordStrengthWeak: "#f85149",«~code-identifier»
  passwordStrengthStrong: "#3fb950",«~code-identifier»
  fontFamily: "Inter, system-ui, sans-serif",
  logo: "«png»",
};
"""

TEMPLATES["frontend/package.json"] = """\
{
  "name": "@parcelhub/web",
  "version": "«ver»",
  "private": true,
  "scripts": {
    "dev": "next dev",
    "build": "next build",
    "test": "vitest run",
    "token:refresh": "node scripts/refresh-token.mjs --token=$NPM_TOKEN"«~env-reference»
  },
  "dependencies": {
    "axios": "1.6.8",
    "next": "14.1.4",
    "react": "18.2.0",
    "react-dom": "18.2.0"
  }
}
"""


def package_lock(rng: Rng) -> str:
    names = [
        "axios", "follow-redirects", "form-data", "proxy-from-env", "next", "react", "react-dom",
        "scheduler", "loose-envify", "js-tokens", "asynckit", "combined-stream", "mime-types",
        "mime-db", "delayed-stream", "styled-jsx", "client-only", "caniuse-lite",
    ]  # fmt: skip
    entries = []
    for name in names:
        ver = f"{rng.randint(0, 18)}.{rng.randint(0, 20)}.{rng.randint(0, 12)}"
        entries.append(
            f'    "node_modules/{name}": {{\n'
            f'      "version": "{ver}",\n'
            f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{ver}.tgz",\n'
            f'      "integrity": "«npm_integrity»"\n'
            "    }"
        )
    body = ",\n".join(entries)
    return (
        '{\n  "name": "@parcelhub/web",\n  "lockfileVersion": 3,\n  "requires": true,\n'
        f'  "packages": {{\n{body}\n  }}\n}}\n'
    )


TEMPLATES["frontend/package-lock.json"] = package_lock

TEMPLATES["billing/src/main/resources/application.yml"] = """\
server:
  port: 8080
  ssl:
    key-store: classpath:keystore.p12
    key-store-password: ${KEYSTORE_PASSWORD}«~env-reference»
spring:
  datasource:
    url: jdbc:postgresql://pg-primary.data.svc.cluster.local:5432/billing«~url-no-cred»
    username: billing
    password: ${DB_PASSWORD:}«~env-reference»
  mail:
    host: smtp.sendgrid.net
    username: apikey
    password: «sendgrid»
  security:
    oauth2:
      client:
        registration:
          google:
            client-id: «google_client_id»
            client-secret: «gocspx»
jwt:
  «?secret|signing-key|secret-key»: «b64_key»
  expiration-ms: 86400000«~config-value»
stripe:
  «?api-key|secret-key»: «sk_live»
  webhook-secret: ${STRIPE_WEBHOOK_SECRET}«~env-reference»
square:
  application-secret: «sq0csp»
"""

TEMPLATES["billing/src/main/resources/application.properties"] = """\
spring.application.name=billing
spring.rabbitmq.host=rabbitmq.parcelhub.svc
spring.rabbitmq.username=billing
spring.rabbitmq.password=«pw»
spring.data.mongodb.uri=«mongo_url»
spring.datasource.hikari.maximum-pool-size=10
management.endpoints.web.exposure.include=health,info
encryption.aes-key=«hex_key»
twilio.account-sid=«twilio_sid»
twilio.api-key=«twilio_sk»
«?twilio.api-secret|twilio.secret|twilio.apiSecret»=«secret_alnum»
app.password-reset.token-validity=PT30M«~config-value»
"""

TEMPLATES["billing/src/test/resources/application-test.properties"] = """\
spring.datasource.url=jdbc:h2:mem:billing;DB_CLOSE_DELAY=-1«~url-no-cred»
spring.datasource.username=sa
spring.datasource.password=«~test-fixture»
stripe.api-key=sk_test_dummy«~test-fixture»
jwt.secret=test-secret-for-unit-tests-only«~test-fixture»
spring.rabbitmq.password=guest«~dev-default-cred»
"""

TEMPLATES["billing/src/main/java/com/parcelhub/billing/StripeConfig.java"] = """\
package com.parcelhub.billing;

import com.stripe.Stripe;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;

@Configuration
public class StripeConfig {

    @Value("${stripe.api-key}")«~template-var»
    private String apiKey;«~code-identifier»

    // Fallback for the sandbox profile (BILL-88): remove once vault is wired.
    private static final String SANDBOX_KEY = "«sk_test»";
    private static final String WEBHOOK_SECRET = "«whsec»";
    private static final String PASSWORD_PARAM = "password";«~code-identifier»

    public void init() {
        Stripe.apiKey = apiKey != null ? apiKey : SANDBOX_KEY;«~code-identifier»
    }

    public boolean verify(String token, String expectedToken) {«~code-identifier»
        return token.equals(expectedToken);«~code-identifier»
    }
}
"""

TEMPLATES["billing/pom.xml"] = """\
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.parcelhub</groupId>
  <artifactId>billing</artifactId>
  <version>«ver»</version>
  <properties>
    <java.version>21</java.version>
    <sonar.login>${env.SONAR_TOKEN}</sonar.login>«~env-reference»
  </properties>
  <distributionManagement>
    <repository>
      <id>nexus</id>
      <url>https://nexus.parcelhub.io/repository/maven-releases/</url>«~url-no-cred»
    </repository>
  </distributionManagement>
</project>
"""

TEMPLATES["ops/maven/settings.xml"] = """\
<settings>
  <servers>
    <server>
      <id>nexus</id>
      <username>deployer</username>
      <password>«pw»</password>
    </server>
    <server>
      <id>github</id>
      <username>parcelhub-bot</username>
      <password>${env.GITHUB_TOKEN}</password>«~env-reference»
    </server>
  </servers>
</settings>
"""

TEMPLATES["gateway/config.yaml"] = """\
# gateway (Go) -- loaded by internal/config with ${ENV} expansion
listen: ":8443"
tls:
  cert_file: /etc/gateway/tls.crt
  key_file: /etc/gateway/tls.key«~config-value»
auth:
  «?jwt_signing_key|jwt_secret|signing_key»: «hex_key»
  jwks_url: https://auth.parcelhub.io/realms/parcelhub/protocol/openid-connect/certs«~url-no-cred»
  token_header: Authorization«~config-value»
redis:
  addr: redis-master.cache.svc.cluster.local:6379
  password: «pw_url»
  db: 2
upstreams:
  - name: orders
    url: http://orders.parcelhub.svc:8080«~url-no-cred»
  - name: legacy-tracking
    url: «basic_url»
oauth:
  client_id: «google_client_id»
  client_secret: «gocspx»
rate_limit:
  token_bucket_size: 100«~config-value»
  secret_ref: vault://secret/gateway#rate_limit_salt«~vault-ref»
"""


def go_sum(rng: Rng) -> str:
    mods = [
        "github.com/golang-jwt/jwt/v5 v5.2.1", "github.com/redis/go-redis/v9 v9.5.1",
        "github.com/spf13/viper v1.18.2", "go.uber.org/zap v1.27.0",
        "golang.org/x/crypto v0.21.0", "golang.org/x/oauth2 v0.18.0",
    ]  # fmt: skip
    lines = []
    for mod in mods:
        lines.append(f"{mod} «gosum»")
        lines.append(f"{mod.split()[0]} {mod.split()[1]}/go.mod «gosum»")
    return "\n".join(lines) + "\n"


TEMPLATES["gateway/go.sum"] = go_sum


# -- templates: docs, scripts, notebooks, API collections ------------------------------------

TEMPLATES["README.md"] = """\
# ParcelHub

Shipping labels, tracking and billing for small shops.

## Setup

1. Copy `.env.example` to `.env` and fill in the values.
2. Export your OpenAI key: `export OPENAI_API_KEY=sk-...`«~placeholder»
3. Log in to the registry: `docker login ghcr.io -u <user> -p <personal-access-token>`«~placeholder»
4. Start everything: `docker compose up -d`

Call the API with a token from `/token`:

```bash
curl -H "Authorization: Bearer $PH_TOKEN" https://api.parcelhub.io/v1/shipments«~env-reference»
curl -u "admin:$ADMIN_PASSWORD" https://api.parcelhub.io/admin/health«~env-reference»
```

The staging environment is behind basic auth; the shared demo login is
`https://demo:«pw_url»@staging.parcelhub.io` (rotate after the trade fair).

See https://docs.parcelhub.io/guides/api-keys#rotating-a-secret-key for key rotation.«~url-no-cred»
Passwords are hashed with Argon2id (`password_hash` column, e.g. `$argon2id$v=19$m=65536,t=3,p=4$...`).«~password-hash»
"""

TEMPLATES["docs/operations/runbook.md"] = """\
# Runbook

## Fetching secrets

```
vault kv get -field=password secret/parcelhub/db«~vault-ref»
aws secretsmanager get-secret-value --secret-id prod/billing/stripe --query SecretString«~vault-ref»
az keyvault secret show --vault-name ph-prod-kv --name db-password«~vault-ref»
```

## Alerts

Alerts go to #ops through the webhook «slack_webhook»
(created by Li, owner of the Slack app).

The on-call bot token is `«xoxp»` -- use only for the incident channel.

## Database

Emergency access (break-glass, rotate after use):

    psql «postgres_url»

The replica URL has the same shape: `postgresql://USER:PASSWORD@replica:5432/parcelhub`.«~placeholder»
Token format reference: GitHub tokens look like `ghp_` followed by 36 characters.«~i18n»
"""

TEMPLATES["docs/integrations/carriers.md"] = """\
# Carrier integrations

| Carrier | Auth | Where the credential lives |
|---|---|---|
| DHL | API key header `DHL-API-Key` | `secret/carriers/dhl#api_key`«~vault-ref» |
| UPS | OAuth2 client credentials | `prod/carriers/ups` in Secrets Manager«~vault-ref» |
| GLS | basic auth | ask ops |

Example request (values are placeholders):

```http
POST /track/shipments HTTP/1.1
Host: api-eu.dhl.com
DHL-API-Key: {{dhl_api_key}}«~template-var»
Authorization: Basic <base64(user:password)>«~placeholder»
```

GLS sandbox (from their PDF, shared by all customers): user `2764200001`, password `GLSsandbox`.«~doc-example»
For the Shopify app the admin token is stored in the app settings; an old one, `«shpat»`, is still active.
"""


def postman_collection(rng: Rng) -> str:
    return """\
{
  "info": {
    "_postman_id": "«uuid»",
    "name": "ParcelHub API",
    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
  },
  "auth": {
    "type": "bearer",
    "bearer": [
      { "key": "token", "value": "«jwt»", "type": "string" }
    ]
  },
  "item": [
    {
      "name": "List shipments",
      "request": {
        "method": "GET",
        "header": [
          { "key": "X-API-Key", "value": "{{api_key}}" }«~template-var»
        ],
        "url": "{{base_url}}/v1/shipments"
      }
    },
    {
      "name": "Create label (DHL)",
      "request": {
        "method": "POST",
        "header": [
          { "key": "DHL-API-Key", "value": "«secret_alnum»" },
          { "key": "Content-Type", "value": "application/json" }
        ],
        "body": { "mode": "raw", "raw": "{\\"password\\": \\"{{carrier_password}}\\"}" },«~template-var»
        "url": "https://api-eu.dhl.com/parcel/de/shipping/v2/orders"
      }
    }
  ],
  "variable": [
    { "key": "base_url", "value": "https://api.parcelhub.io" },
    { "key": "«?api_key|apiKey|x-api-key»", "value": "«secret_hex»" },
    { "key": "carrier_password", "value": "«pw»" }
  ]
}
"""


TEMPLATES["postman/parcelhub.postman_collection.json"] = postman_collection

TEMPLATES["postman/staging.postman_environment.json"] = """\
{
  "id": "«uuid»",
  "name": "staging",
  "values": [
    { "key": "base_url", "value": "https://staging.parcelhub.io", "enabled": true },
    { "key": "api_key", "value": "«secret_hex»", "type": "secret", "enabled": true },
    { "key": "admin_password", "value": "«pw_human»", "type": "secret", "enabled": true },
    { "key": "client_secret", "value": "", "type": "secret", "enabled": true }«~placeholder»
  ],
  "_postman_variable_scope": "environment"
}
"""


def notebook(rng: Rng) -> str:
    return """\
{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [],
   "source": [
    "import os\\n",
    "import pandas as pd\\n",
    "from sqlalchemy import create_engine\\n",
    "from getpass import getpass\\n",
    "\\n",
    "engine = create_engine(\\"«postgres_url»\\")\\n",
    "openai_key = \\"«openai»\\"\\n",
    "hf_token = os.environ.get(\\"HF_TOKEN\\")\\n",«~env-reference»
    "password = getpass(\\"Warehouse password: \\")"«~code-identifier»
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {},
   "outputs": [
    {
     "data": {
      "image/png": "«png»",
      "text/plain": [
       "<Figure size 640x480 with 1 Axes>"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": [
    "df = pd.read_sql(\\"select carrier, count(*) from shipments group by 1\\", engine)\\n",
    "df.plot.bar(x=\\"carrier\\")"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {},
   "outputs": [],
   "source": [
    "HUGGING_FACE_TOKEN = \\"«hf»\\"\\n",
    "anthropic_key = \\"«anthropic»\\"\\n",
    "run_id = \\"«uuid»\\""
   ]
  }
 ],
 "metadata": {
  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"""


TEMPLATES["notebooks/carrier_volumes.ipynb"] = notebook

TEMPLATES["scripts/deploy.sh"] = """\
#!/usr/bin/env bash
set -euo pipefail
ENVIRONMENT="${1:?usage: deploy.sh staging|production}"

export GITHUB_TOKEN="«ghp»"
export DIGITALOCEAN_TOKEN=${DIGITALOCEAN_TOKEN:-}«~env-reference»
REGISTRY_PASSWORD="$(aws ecr get-login-password --region eu-west-1)"«~code-identifier»

echo "$REGISTRY_PASSWORD" | docker login --username AWS --password-stdin «aws_account».dkr.ecr.eu-west-1.amazonaws.com«~env-reference»

# scale the worker droplets
curl -sf -X POST "https://api.digitalocean.com/v2/droplets/actions" \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer «dop»" \\
  -d '{"type": "power_on", "tag_name": "ph-workers"}'

# purge the CDN cache
curl -sf -X POST "https://api.cloudflare.com/client/v4/zones/$CF_ZONE/purge_cache" \\
  -H "Authorization: Bearer $CF_API_TOKEN" --data '{"purge_everything":true}'«~env-reference»

# tell Heroku to release the review app
curl -n -X POST https://api.heroku.com/apps/parcelhub-review/releases \\
  -H "Accept: application/vnd.heroku+json; version=3" \\
  -H "Authorization: Bearer «heroku»"

read -rsp "Vault password: " VAULT_PASSWORD«~code-identifier»
ansible-playbook -i "inventories/$ENVIRONMENT" site.yml --vault-password-file <(echo "$VAULT_PASSWORD")«~env-reference»
"""

TEMPLATES["scripts/backup_db.sh"] = """\
#!/bin/sh
# nightly logical backup, run from cron on the bastion
set -eu
«?export PGPASSWORD|PGPASSWORD»='«pw»'
pg_dump -h «host» -U parcel_app parcelhub | gzip > /backups/parcelhub-$(date +%F).sql.gz
mysqldump -u root -p"$MYSQL_PWD" legacy > /backups/legacy-$(date +%F).sql«~env-reference»
export AWS_ACCESS_KEY_ID=«akid»
export AWS_SECRET_ACCESS_KEY=«aws_secret»
aws s3 cp /backups s3://ph-backups/ --recursive --sse aws:kms --sse-kms-key-id «uuid»
age -r «age_pub» -o /backups/latest.age /backups/parcelhub-$(date +%F).sql.gz
sha256sum /backups/*.gz > /backups/SHA256SUMS  # e.g. «sha256»
"""

TEMPLATES["scripts/seed_users.py"] = '''\
"""Create demo users on a fresh local database."""
from django.contrib.auth import get_user_model

DEMO_USERS = [
    ("demo", "demo"),«~test-fixture»
    ("support", "changeme"),«~placeholder»
    ("admin", "admin"),«~test-fixture»
]


def run(password_length: int = 16) -> None:«~code-identifier»
    User = get_user_model()
    for username, password in DEMO_USERS:«~code-identifier»
        User.objects.create_user(username=username, password=password)«~code-identifier»
    reset_token = User.objects.make_random_password(length=password_length)«~code-identifier»
    print("reset token length", len(reset_token))
'''

TEMPLATES["heroku/app.json"] = """\
{
  "name": "parcelhub-review",
  "env": {
    "DJANGO_SECRET_KEY": { "generator": "secret" },«~config-value»
    "OPENAI_API_KEY": { "description": "OpenAI key (sk-...)", "required": true },«~placeholder»
    "SENTRY_DSN": { "value": "«sentry_dsn»" },
    "WEB_CONCURRENCY": { "value": "2" }
  },
  "addons": ["heroku-postgresql:essential-0", "heroku-redis:mini"]
}
"""


def requirements(rng: Rng) -> str:
    pins = [
        "django==5.0.4", "djangorestframework==3.15.1", "celery==5.3.6", "redis==5.0.3",
        "psycopg[binary]==3.1.18", "boto3==1.34.84", "stripe==9.1.0", "sentry-sdk==1.45.0",
    ]  # fmt: skip
    lines = ["# generated by pip-compile --generate-hashes"]
    for pin in pins:
        lines.append(f"{pin} \\")
        lines.append("    «pip_hash» \\")
        lines.append("    «pip_hash»")
    return "\n".join(lines) + "\n"


TEMPLATES["requirements.txt"] = requirements


def poetry_lock(rng: Rng) -> str:
    out = []
    for name, ver in [("anyio", "4.3.0"), ("httpx", "0.27.0"), ("pydantic", "2.7.0")]:
        out.append(
            f'[[package]]\nname = "{name}"\nversion = "{ver}"\noptional = false\n'
            f'python-versions = ">=3.8"\nfiles = [\n'
            f'    {{file = "{name}-{ver}-py3-none-any.whl", hash = "sha256:«sha256»"}},\n'
            f'    {{file = "{name}-{ver}.tar.gz", hash = "sha256:«sha256»"}},\n]\n'
        )
    out.append('[metadata]\nlock-version = "2.0"\ncontent-hash = "«sha256»"\n')
    return "\n".join(out)


TEMPLATES["api/poetry.lock"] = poetry_lock

TEMPLATES["api/pyproject.toml"] = """\
[tool.poetry]
name = "parcelhub-api"
version = "«ver»"
description = "ParcelHub public API"

[[tool.poetry.source]]
name = "internal"
url = "https://nexus.parcelhub.io/repository/pypi-internal/simple"«~url-no-cred»
priority = "supplemental"

[tool.poetry.dependencies]
python = "^3.12"
fastapi = "^0.110"

[tool.bandit]
skips = ["B105"]  # hardcoded_password_string: false positives on token_type="bearer"«~code-identifier»
"""

TEMPLATES["config/services.toml"] = '''\
# integration settings read by parcelhub.integrations
[mailgun]
domain = "mg.parcelhub.io"
api_key = "«mailgun»"

[shopify]
shop = "parcelhub-store.myshopify.com"
access_token = "«shpat»"
api_version = "2024-04"

[slack]
bot_token = "«xoxb»"
«?signing_secret|signingSecret» = "«secret_hex»"

[github_app]
app_id = 412873
installation_token = "«ghs»"
private_key = """«rsa_pem»"""

[openai]
api_key = "env:OPENAI_API_KEY"«~env-reference»
organization = "«openai_org»"

[encryption]
algorithm = "AES-256-GCM"«~config-value»
master_key = "«b64_key»"
key_rotation_days = 90«~config-value»
'''

TEMPLATES[".pre-commit-config.yaml"] = """\
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: «sha1»
    hooks:
      - id: detect-private-key«~code-identifier»
  - repo: https://github.com/Yelp/detect-secrets
    rev: «sha1»
    hooks:
      - id: detect-secrets
        args: ["--baseline", ".secrets.baseline"]
"""

TEMPLATES["CHANGELOG.md"] = """\
# Changelog

## «ver»
- Rotate the Stripe secret key on deploy (commit «sha1»).«~hash»
- Passwords must now be at least 12 characters.«~i18n»
- Fix: API tokens were logged in full; they are now shown as `ph_live_abcd***`.«~masked»
- Container image pinned to «digest».

## 2.3.0
- New `/token` endpoint (OAuth2 password flow).«~i18n»
- Session secret moved to Secrets Manager (`prod/api/session`).«~vault-ref»
"""

TEMPLATES["logs/deploy-2024-04-02.log"] = """\
2024-04-02T10:14:03Z INFO deploy started by jonas (build «sha1»)
2024-04-02T10:14:05Z INFO using AWS key AKIA****************, region eu-west-1«~masked»
2024-04-02T10:14:09Z INFO docker login: Login Succeeded (password=********)«~masked»
2024-04-02T10:14:31Z INFO request_id=«uuid» status=200
2024-04-02T10:15:02Z WARN token refresh failed: invalid_grant (token=eyJhbGciOi...redacted)«~masked»
2024-04-02T10:15:40Z INFO image «digest» rolled out to 3/3 pods
"""

TEMPLATES["ops/kube/config-prod"] = """\
apiVersion: v1
kind: Config
clusters:
  - name: parcelhub-prod
    cluster:
      server: https://4C1F9A2E7B.gr7.eu-west-1.eks.amazonaws.com
      certificate-authority-data: «kube_ca»
contexts:
  - name: prod
    context: {cluster: parcelhub-prod, user: ci-deployer}
current-context: prod
users:
  - name: ci-deployer
    user:
      token: «jwt»
  - name: break-glass
    user:
      client-certificate-data: «kube_ca»
      client-key-data: «kube_client_key»
  - name: sso
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: [eks, get-token, --cluster-name, parcelhub-prod]«~code-identifier»
"""

TEMPLATES["ops/dotfiles/.config/gh/hosts.yml"] = """\
github.com:
    user: jonas-ph
    oauth_token: «gho»
    git_protocol: https
"""

TEMPLATES["ops/gitlab-runner/config.toml"] = """\
concurrent = 4
check_interval = 0

[[runners]]
  name = "ph-runner-1"
  url = "https://gitlab.com/"«~url-no-cred»
  token = "«glrt»"
  executor = "docker"
  [runners.docker]
    image = "python:3.12"
    privileged = false
  [runners.cache]
    Type = "s3"
    [runners.cache.s3]
      ServerAddress = "s3.amazonaws.com"
      AccessKey = "«akid»"
      SecretKey = "«aws_secret»"
      BucketName = "ph-runner-cache"
"""

TEMPLATES["ops/certs/api.parcelhub.io.key"] = """\
«pkcs8_pem»
"""

TEMPLATES["ops/certs/api.parcelhub.io.crt"] = """\
«cert_pem»
"""

TEMPLATES["ops/keys/partner-sftp.p8"] = """\
«pkcs8_enc_pem»
"""

TEMPLATES["legacy/shop/wp-config.php"] = """\
<?php
/** Legacy WordPress shop (retired 2025). */
define( 'DB_NAME', 'shop' );
define( 'DB_USER', 'shop_wp' );
define( 'DB_PASSWORD', '«pw»' );
define( 'DB_HOST', 'legacy-db.internal.parcelhub.io' );

define( 'AUTH_KEY',         '«wp_key»' );
define( 'SECURE_AUTH_SALT', '«wp_key»' );
define( 'WP_DEBUG', false );

$stripe_secret = getenv('STRIPE_SECRET');«~env-reference»
$password_field = 'user_pass';«~code-identifier»
"""

TEMPLATES["legacy/tracking/config/database.yml"] = """\
default: &default
  adapter: mysql2
  encoding: utf8mb4
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

development:
  <<: *default
  database: tracking_development
  username: root
  password:«~placeholder»

test:
  <<: *default
  database: tracking_test
  password: <%= ENV["TEST_DB_PASSWORD"] %>«~template-var»

production:
  url: «mysql_url»
"""

TEMPLATES["legacy/tracking/config/master.key"] = """\
«rails_master»
"""

TEMPLATES["legacy/tracking/config/credentials.yml.enc"] = """\
«rails_enc»
"""

TEMPLATES["legacy/tracking/.travis.yml"] = """\
language: ruby
rvm: [3.1]
services: [mysql]
env:
  global:
    - secure: "«travis_secure»"
    - DB_PASSWORD=""«~placeholder»
deploy:
  provider: heroku
  api_key:
    secure: "«travis_secure»"
"""

TEMPLATES[".vscode/launch.json"] = """\
{
  "version": "0.2.0",
  "configurations": [
    {
      "name": "API (prod data, read-only)",
      "type": "debugpy",
      "request": "launch",
      "module": "uvicorn",
      "args": ["app.main:app", "--reload"],
      "env": {
        "PH_DATABASE_URL": "«pg_url»",
        "TWILIO_API_KEY": "«twilio_sk»",
        "TWILIO_API_SECRET": "«secret_alnum»",
        "PH_SECRET_KEY": "${env:PH_SECRET_KEY}"«~template-var»
      }
    }
  ]
}
"""

TEMPLATES["gateway/internal/clients/geo.go"] = """\
package clients

import (
	"net/http"
	"os"
)

// TODO(li): load from config before open-sourcing the gateway.
const mapsAPIKey = "«aiza»"

var sendgridKey = "«sendgrid»"

var hmacSecret = []byte("«secret_b64»")

func authHeader(r *http.Request) {
	token := os.Getenv("GATEWAY_TOKEN")«~env-reference»
	r.Header.Set("Authorization", "Bearer "+token)«~code-identifier»
	r.SetBasicAuth("parcelhub", os.Getenv("GEO_PASSWORD"))«~env-reference»
}
"""

TEMPLATES["infra/terraform/terraform.tfstate"] = """\
{
  "version": 4,
  "terraform_version": "1.7.5",
  "serial": 42,
  "lineage": "«uuid»",
  "resources": [
    {
      "mode": "managed",
      "type": "aws_iam_access_key",
      "name": "ci",
      "instances": [
        {
          "attributes": {
            "id": "«akid»",
            "secret": "«aws_secret»",
            "ses_smtp_password_v4": "«secret_b64»",
            "status": "Active",
            "user": "ci"
          }
        }
      ]
    },
    {
      "mode": "managed",
      "type": "random_password",
      "name": "db",
      "instances": [
        {
          "attributes": {
            "bcrypt_hash": "«bcrypt»",
            "result": "«pw»",
            "length": 32
          },
          "sensitive_attributes": [[{"type": "get_attr", "value": "result"}]]«~code-identifier»
        }
      ]
    }
  ]
}
"""

TEMPLATES["billing/gradle.properties"] = """\
org.gradle.jvmargs=-Xmx2g
ossrhUsername=parcelhub
«?ossrhPassword|nexusPassword|mavenPassword»=«pw»
signing.keyId=«~identifier»6F2A91C4
signing.password=«pw_human»
signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg«~config-value»
sonar.token=«~placeholder»
"""

TEMPLATES["legacy/labels/NuGet.config"] = """\
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
    <add key="parcelhub" value="https://nexus.parcelhub.io/repository/nuget-hosted/" />
  </packageSources>
  <packageSourceCredentials>
    <parcelhub>
      <add key="Username" value="deployer" />
      <add key="ClearTextPassword" value="«pw»" />
    </parcelhub>
  </packageSourceCredentials>
  <apikeys>
    <add key="https://www.nuget.org" value="«~encrypted-value»AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" />
  </apikeys>
</configuration>
"""

TEMPLATES["frontend/.yarnrc.yml"] = """\
nodeLinker: node-modules
npmScopes:
  parcelhub:
    npmRegistryServer: "https://npm.pkg.github.com"
    npmAuthToken: "${GITHUB_PACKAGES_TOKEN}"«~env-reference»
npmAuthToken: «npm»
"""

TEMPLATES["Makefile"] = """\
IMAGE ?= ghcr.io/parcelhub/api
PG_PASSWORD ?= $(shell openssl rand -hex 16)«~code-identifier»

.PHONY: db release

db:
	docker run -d --name ph-db -e POSTGRES_PASSWORD=$(PG_PASSWORD) -p 5432:5432 postgres:16«~env-reference»

release:
	TWINE_USERNAME=__token__ TWINE_PASSWORD=«pypi» twine upload dist/*

smoke:
	curl -fsS -u ops:«pw_url» https://staging.parcelhub.io/healthz
	curl -fsS "https://api.telegram.org/bot«telegram»/getMe"
"""

TEMPLATES["auth/jwks.json"] = """\
{
  "keys": [
    {
      "kty": "RSA",
      "use": "sig",
      "alg": "RS256",
      "kid": "«sha1»",
      "n": "«jwk_n»",
      "e": "AQAB"
    }
  ]
}
"""

TEMPLATES["infra/cloudformation/database.yaml"] = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DBPassword:
    Type: String
    NoEcho: true«~config-value»
    MinLength: 16
  ReportingPassword:
    Type: String
    NoEcho: true
    Default: «pw»
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUsername: parcel_admin
      MasterUserPassword: !Ref DBPassword«~template-var»
  Analytics:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUsername: analytics
      MasterUserPassword: "{{resolve:secretsmanager:prod/analytics/db:SecretString:password}}"«~vault-ref»
  Alerts:
    Type: AWS::SNS::Subscription
    Properties:
      Endpoint: «slack_webhook»
      Protocol: https
"""

TEMPLATES["api/app/db.py"] = """\
import os
from urllib.parse import quote_plus

from sqlalchemy import create_engine

from .vault import get_secret

user = os.environ["DB_USER"]
password = quote_plus(get_secret("parcelhub/db")["password"])«~vault-ref»
ENGINE = create_engine(f"postgresql+psycopg://{user}:{password}@{os.environ['DB_HOST']}/parcelhub")«~template-var»
LEGACY_DSN = "mysql://%s:%s@%s/legacy" % (user, password, "legacy-db")«~template-var»
ANALYTICS_URL = "postgresql://${ANALYTICS_USER}:${ANALYTICS_PASSWORD}@analytics:5432/dw"«~template-var»
MONGO_URI = "mongodb://{user}:{password}@{host}/tracking".format(«~template-var»
    user=user, password=password, host="mongo"«~code-identifier»
)
# old: postgresql://parcel_app:********@db-prod-1/parcelhub«~masked»
"""

TEMPLATES["api/app/vault.py"] = """\
import functools
import os

import hvac

VAULT_ADDR = os.environ.get("VAULT_ADDR", "https://vault.parcelhub.io:8200")
# break-glass token for the migration weekend -- revoke on monday
«?MIGRATION_TOKEN|VAULT_TOKEN_FALLBACK»«?| | |  » = "«vault_token»"


@functools.cache
def client() -> hvac.Client:
    return hvac.Client(url=VAULT_ADDR, token=os.environ.get("VAULT_TOKEN", MIGRATION_TOKEN))«~env-reference»


def get_secret(path: str) -> dict:
    secret = client().secrets.kv.v2.read_secret_version(path=path, mount_point="secret")«~code-identifier»
    return secret["data"]["data"]«~code-identifier»
"""

TEMPLATES["api/tests/test_s3_upload.py"] = """\
import os

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def aws_credentials():
    \"\"\"Mocked AWS credentials for moto.\"\"\"
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"«~test-fixture»
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"«~test-fixture»
    os.environ["AWS_SECURITY_TOKEN"] = "testing"«~test-fixture»
    os.environ["AWS_SESSION_TOKEN"] = "testing"«~test-fixture»


FAKE_GITHUB_TOKEN = "ghp_" + "a" * 36«~test-fixture»
FAKE_STRIPE_KEY = "sk_live_" + "0" * 24«~test-fixture»
IDEMPOTENCY_KEY = "«uuid»"
CACHE_KEY = "shipments:v2:{account_id}"«~config-value»


@mock_aws
def test_upload(aws_credentials):
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="ph-test", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    etag = s3.put_object(Bucket="ph-test", Key="a.txt", Body=b"x")["ETag"]
    assert etag == '"«md5»"'
"""

TEMPLATES["frontend/src/types/auth.ts"] = """\
export interface Credentials {
  email: string;
  password: string;«~code-identifier»
  otp?: string;
}

export type ApiKey = {
  id: string;
  prefix: string;
  secret?: string; // only present right after creation«~code-identifier»
  lastUsedAt: string | null;
};

export const PASSWORD_PATTERN = /^(?=.*[0-9])(?=.*[^A-Za-z0-9]).{12,}$/;«~code-identifier»
export const TOKEN_REFRESH_MARGIN_MS = 60_000;«~config-value»
"""

TEMPLATES["frontend/.env.production"] = """\
NEXT_PUBLIC_API_URL=https://api.parcelhub.io
NEXT_PUBLIC_STRIPE_KEY=«stripe_pk»
NEXT_PUBLIC_SENTRY_DSN=«sentry_dsn»
NEXT_PUBLIC_GITHUB_CLIENT_ID=«gh_client_id»
GITHUB_CLIENT_SECRET=«secret_hex»
NEXTAUTH_SECRET=«secret_b64»
NEXTAUTH_URL=https://app.parcelhub.io«~url-no-cred»
"""

TEMPLATES["frontend/src/pages/login.html"] = """\
<form method="post" action="/login" class="login-form">
  <label for="password">Password</label>«~i18n»
  <input type="password" id="password" name="password" autocomplete="current-password" required minlength="12">«~code-identifier»
  <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">«~template-var»
  <a href="/password-reset/">Forgot your password?</a>«~i18n»
  <script src="https://js.stripe.com/v3/" integrity="«sri»" crossorigin="anonymous"></script>
</form>
"""

TEMPLATES["api/openapi.yaml"] = """\
openapi: 3.1.0
info:
  title: ParcelHub API
  version: «ver»
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT«~config-value»
    apiKeyAuth:
      type: apiKey
      in: header
      name: X-API-Key«~code-identifier»
  schemas:
    TokenResponse:
      type: object
      properties:
        access_token: {type: string, example: "ph_live_xxxxxxxxxxxxxxxxxxxxxxxx"}«~placeholder»
        token_type: {type: string, example: bearer}«~code-identifier»
    PasswordChange:
      type: object
      properties:
        old_password: {type: string, format: password}«~code-identifier»
        new_password: {type: string, format: password, minLength: 12}«~code-identifier»
    Webhook:
      type: object
      properties:
        secret: {type: string, description: "HMAC secret used to sign deliveries", readOnly: true}«~code-identifier»
        id: {type: string, example: "«uuid»"}
"""

TEMPLATES["ops/vault/docker-compose.vault.yml"] = """\
services:
  vault:
    image: hashicorp/vault:1.15
    cap_add: [IPC_LOCK]
    environment:
      VAULT_DEV_ROOT_TOKEN_ID: root«~dev-default-cred»
      VAULT_DEV_LISTEN_ADDRESS: 0.0.0.0:8200
    ports: ["8200:8200"]
"""

TEMPLATES["ops/vault/init-output.txt"] = """\
Unseal Key 1: «secret_b64»
Unseal Key 2: «secret_b64»
Unseal Key 3: «secret_b64»

Initial Root Token: «vault_token»

Vault initialized with 5 key shares and a key threshold of 3.
"""

TEMPLATES[".gitignore"] = """\
__pycache__/
*.pyc
.venv/
node_modules/
dist/
.next/
coverage/
"""
