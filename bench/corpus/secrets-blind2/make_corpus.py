#!/usr/bin/env python3
"""Generate the blind21b labelled secret corpus (standard library only, seeded).

Usage: python3 make_corpus.py            # writes corpus/ and labels.json, then self-checks
All values are synthetic: random bytes shaped to each provider's documented format
(prefix, alphabet, length, and computed checksums where the format defines one).
"""
import base64
import hashlib
import json
import os
import random
import shutil
import struct
import sys
import urllib.parse
import zlib

SEED = 2121
R = random.Random(SEED)
# Where to write: corpus/ and labels.json go under the directory given as the one argument
# (default: beside this script).
HERE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LO = "abcdefghijklmnopqrstuvwxyz"
DG = "0123456789"
AN = UP + LO + DG
B64 = AN + "+/"
URLS = AN + "-_"
HEX = "0123456789abcdef"
B32U = UP + "234567"
B62 = DG + UP + LO


def rnd(alpha, n):
    return "".join(R.choice(alpha) for _ in range(n))


def hx(n):
    return rnd(HEX, n)


def dig(n):
    return str(R.randint(1, 9)) + rnd(DG, n - 1)


def rbytes(n):
    return bytes(R.getrandbits(8) for _ in range(n))


def uuid4():
    b = bytearray(rbytes(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def b64url(s, pad=False):
    if isinstance(s, str):
        s = s.encode()
    v = base64.urlsafe_b64encode(s).decode()
    return v if pad else v.rstrip("=")


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def base36(n, width):
    a = DG + LO
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = a[r] + out
    return out.rjust(width, "0")


def crc_b62_token(prefix):
    """GitHub / npm style: prefix + 30 random base62 + 6-char base62 CRC32 of the random part."""
    body = rnd(AN, 30)
    return prefix + body + base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def pw(n=18, alpha=AN + "-_.!*"):
    while True:
        v = rnd(alpha, n)
        if any(c in DG for c in v) and any(c in UP for c in v) and any(c in LO for c in v):
            return v


# ---------- checksummed / structured formats ----------

def ado_legacy_pat():
    """Azure DevOps legacy PAT: 52 chars [a-z2-7] = 32 bytes base32, CRC32 ^ seed embedded
    (layout from microsoft/security-utilities SEC101_102_AdoPat.cs)."""
    tb = rbytes(28)
    crc = (zlib.crc32(tb) ^ 0xE0B9692D) & 0xFFFFFFFF
    c = struct.pack("<I", crc)
    out = bytearray(32)
    out[0:2] = tb[0:2]
    out[3:7] = tb[2:6]
    out[9:22] = tb[6:19]
    out[23:32] = tb[19:28]
    out[22], out[8], out[7], out[2] = c[0], c[1], c[2], c[3]
    return base64.b32encode(bytes(out)).decode().lower().rstrip("=")


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def age_secret_key():
    hrp = "age-secret-key-"
    data = rbytes(32)
    acc = bits = 0
    five = []
    for x in data:
        acc = (acc << 8) | x
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    exp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _bech32_polymod(exp + five + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[d] for d in five + chk)).upper()


def crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def wrap(s, n=64):
    return [s[i:i + n] for i in range(0, len(s), n)]


def pem_rsa():
    body = b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(1192 - 12)
    return ["-----BEGIN RSA PRIVATE KEY-----"] + wrap(b64(body)) + ["-----END RSA PRIVATE KEY-----"]


def pem_pkcs8():
    hdr = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100")
    body = hdr + rbytes(1217 - len(hdr))
    return ["-----BEGIN PRIVATE KEY-----"] + wrap(b64(body)) + ["-----END PRIVATE KEY-----"]


def pem_ec():
    body = (b"\x30\x77\x02\x01\x01\x04\x20" + rbytes(32) +
            bytes.fromhex("a00a06082a8648ce3d030107a144034200") + b"\x04" + rbytes(64))
    return ["-----BEGIN EC PRIVATE KEY-----"] + wrap(b64(body)) + ["-----END EC PRIVATE KEY-----"]


def _sshstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def openssh_ed25519(comment):
    pk = rbytes(32)
    sk = rbytes(32)
    pub = _sshstr("ssh-ed25519") + _sshstr(pk)
    chk = rbytes(4)
    priv = chk + chk + _sshstr("ssh-ed25519") + _sshstr(pk) + _sshstr(sk + pk) + _sshstr(comment)
    i = 1
    while len(priv) % 8:
        priv += bytes([i])
        i += 1
    blob = (b"openssh-key-v1\x00" + _sshstr("none") + _sshstr("none") + _sshstr(b"") +
            struct.pack(">I", 1) + _sshstr(pub) + _sshstr(priv))
    return (["-----BEGIN OPENSSH PRIVATE KEY-----"] + wrap(b64(blob), 70) +
            ["-----END OPENSSH PRIVATE KEY-----"]), "ssh-ed25519 " + b64(pub) + " " + comment


def pgp_private_block():
    body = b"\x95\x03\xc6\x04" + struct.pack(">I", 1690000000 + R.randint(0, 40000000)) + b"\x01" + rbytes(950)
    c = crc24(body)
    return (["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""] + wrap(b64(body)) +
            ["=" + b64(struct.pack(">I", c)[1:]), "-----END PGP PRIVATE KEY BLOCK-----"])


def putty_key(comment):
    pub = _sshstr("ssh-ed25519") + _sshstr(rbytes(32))
    priv = _sshstr(rbytes(32))
    return ["PuTTY-User-Key-File-3: ssh-ed25519", "Encryption: none", f"Comment: {comment}",
            "Public-Lines: 2"] + wrap(b64(pub)) + ["Private-Lines: 1", b64(priv), "Private-MAC: " + hx(64)]


def jwt(header, payload, sig_bytes=32):
    return (b64url(json.dumps(header, separators=(",", ":"))) + "." +
            b64url(json.dumps(payload, separators=(",", ":"))) + "." + b64url(rbytes(sig_bytes)))


def k8s_sa_jwt():
    return jwt({"alg": "RS256", "kid": rnd(URLS, 43)},
               {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 2047483647,
                "iat": 1732000000 + R.randint(0, 999999), "iss": "https://kubernetes.default.svc.cluster.local",
                "kubernetes.io": {"namespace": "ci", "serviceaccount": {"name": "deployer", "uid": uuid4()}},
                "nbf": 1732000000, "sub": "system:serviceaccount:ci:deployer"}, 256)


def gitlab_routable(prefix):
    body = rnd(URLS, 27) + b64url("o:" + base36(R.randint(10**6, 10**8), 1) + "\nu:" + base36(R.randint(10**5, 10**7), 1)).rstrip("=")
    tok = prefix + body + "." + "01" + "."
    crc = base36(zlib.crc32(tok.encode()) & 0xFFFFFFFF, 7)
    return prefix + body + ".01." + crc


def pypi_token():
    ident = '{"nonce":"' + hx(32) + '","version":1}'
    raw = (b"\x02\x01\x08pypi.org\x02" + bytes([len(ident)]) + ident.encode() + b"\x00\x02" +
           bytes([len("user:" + uuid4())]) + ("user:" + uuid4()).encode()[:41] + b"\x00\x00\x06\x20" + rbytes(32))
    return "pypi-" + b64url(raw)


def artifactory_ref():
    while True:
        v = b64("reftkn:01:" + dig(10) + ":" + rnd(AN, 27))
        if "+" not in v and "/" not in v and "=" not in v:
            return v


def bedrock_key():
    return "ABSK" + b64("BedrockAPIKey-" + rnd(LO + DG, 4) + "-at-" + dig(12) + ":" + rnd(B64, 44))


def sentry_org_token():
    payload = {"iat": 1731000000 + R.randint(0, 9999999), "url": "https://sentry.io",
               "region_url": "https://us.sentry.io", "org": "tidewater"}
    return "sntrys_" + b64(json.dumps(payload, separators=(",", ":"))).rstrip("=") + "_" + rnd(AN, 43)


def grafana_cloud():
    return "glc_" + b64(json.dumps({"o": dig(6), "n": "ci-publisher-" + rnd(LO, 5), "k": rnd(AN, 24),
                                    "m": {"r": "prod-eu-west-2"}}, separators=(",", ":")))


def op_service_account():
    return "ops_" + b64(json.dumps({"signInAddress": "tidewater.1password.com", "userAuth": {
        "method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": rnd(URLS, 22)},
        "email": rnd(LO, 14) + "@1passwordserviceaccounts.com", "srpX": hx(64),
        "muk": {"alg": "A256GCM", "ext": True, "k": rnd(URLS, 43), "key_ops": ["encrypt", "decrypt"],
                "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + rnd(UP + DG, 6) + "-" + rnd(UP + DG, 6),
        "throttleSecret": {"seed": hx(64), "deviceUuid": rnd(LO + DG, 26)}, "deviceUuid": rnd(LO + DG, 26)},
        separators=(",", ":")))


def mapbox_sk():
    return "sk." + b64url('{"u":"tidewater-maps","a":"' + rnd(LO + DG, 25) + '"}') + "." + rnd(URLS, 22)


def discord_bot():
    return b64url(dig(18)) + "." + rnd(URLS, 6) + "." + rnd(URLS, 38)


def ab(a):
    return "".join(R.choice(a) for _ in range(1))


# format id -> (category, generator)
F = {
    # --- cloud ---
    "aws-access-key-id": ("cloud", lambda: "AKIA" + rnd(B32U, 16)),
    "aws-secret-access-key": ("cloud", lambda: rnd(B64, 40)),
    "aws-temporary-access-key-id": ("cloud", lambda: "ASIA" + rnd(B32U, 16)),
    "aws-session-token": ("cloud", lambda: "IQoJb3JpZ2luX2VjE" + rnd(B64, 340) + "="),
    "aws-bedrock-api-key": ("ai", bedrock_key),
    "gcp-api-key": ("cloud", lambda: "AIza" + rnd(URLS, 35)),
    "gcp-oauth-client-secret": ("cloud", lambda: "GOCSPX-" + rnd(URLS, 28)),
    "google-oauth-refresh-token": ("cloud", lambda: "1//0" + rnd(AN, 1) + rnd(URLS, 98)),
    "google-oauth-access-token": ("cloud", lambda: "ya29.a0A" + rnd(URLS, 170)),
    "azure-ad-client-secret": ("cloud", lambda: rnd(AN, 3) + rnd(DG, 1) + "Q~" + rnd(AN + "_~.-", 33) + rnd(AN, 1)),
    "azure-storage-account-key": ("cloud", lambda: b64(rbytes(64))),
    "azure-storage-sas-signature": ("cloud", lambda: b64(rbytes(32))),
    "azure-cosmosdb-account-key": ("database", lambda: b64(rbytes(64))),
    "azure-service-bus-shared-access-key": ("messaging", lambda: b64(rbytes(32))),
    "azure-event-hubs-shared-access-key": ("messaging", lambda: b64(rbytes(32))),
    "azure-app-configuration-secret": ("cloud", lambda: b64(rbytes(32))),
    "azure-devops-pat": ("cicd", ado_legacy_pat),
    "azure-openai-api-key": ("ai", lambda: hx(32)),
    "alibaba-access-key-id": ("cloud", lambda: "LTAI" + rnd(AN, 20)),
    "alibaba-access-key-secret": ("cloud", lambda: rnd(AN, 30)),
    "tencent-cloud-secret-id": ("cloud", lambda: "AKID" + rnd(AN, 32)),
    "tencent-cloud-secret-key": ("cloud", lambda: rnd(AN, 32)),
    "digitalocean-pat": ("cloud", lambda: "dop_v1_" + hx(64)),
    "digitalocean-oauth-token": ("cloud", lambda: "doo_v1_" + hx(64)),
    "digitalocean-refresh-token": ("cloud", lambda: "dor_v1_" + hx(64)),
    "ibm-cloud-api-key": ("cloud", lambda: rnd(URLS, 44)),
    "yandex-cloud-api-key": ("cloud", lambda: "AQVN" + rnd(URLS, 36)),
    "heroku-api-key-v2": ("cloud", lambda: "HRKU-AA" + rnd(URLS, 58)),
    "heroku-api-key-legacy": ("cloud", uuid4),
    "flyio-access-token": ("cloud", lambda: "fo1_" + rnd(URLS, 43)),
    "cloudflare-api-token": ("cloud", lambda: rnd(URLS, 40)),
    "cloudflare-global-api-key": ("cloud", lambda: hx(37)),
    "cloudflare-origin-ca-key": ("cloud", lambda: "v1.0-" + hx(24) + "-" + hx(146)),
    "hashicorp-terraform-cloud-token": ("cicd", lambda: rnd(AN, 14) + ".atlasv1." + rnd(URLS, 67)),
    "hashicorp-vault-service-token": ("cloud", lambda: "hvs.CAESI" + rnd(URLS, 90)),
    "hashicorp-vault-batch-token": ("cloud", lambda: "hvb.AAAAAQ" + rnd(URLS, 150)),
    "pulumi-access-token": ("cicd", lambda: "pul-" + hx(40)),
    "doppler-personal-token": ("cicd", lambda: "dp.pt." + rnd(AN, 43)),
    "doppler-service-token": ("cicd", lambda: "dp.st.prd." + rnd(AN, 43)),
    "databricks-pat": ("database", lambda: "dapi" + hx(32)),
    "vercel-access-token": ("cloud", lambda: rnd(AN, 24)),
    "openshift-user-token": ("cloud", lambda: "sha256~" + rnd(URLS, 43)),
    "kubernetes-service-account-token": ("cloud", k8s_sa_jwt),
    "docker-swarm-join-token": ("cloud", lambda: "SWMTKN-1-" + rnd(LO + DG, 50) + "-" + rnd(LO + DG, 25)),
    # --- code hosting / CI / registries ---
    "github-pat-classic": ("cicd", lambda: crc_b62_token("ghp_")),
    "github-oauth-token": ("cicd", lambda: crc_b62_token("gho_")),
    "github-user-to-server-token": ("cicd", lambda: crc_b62_token("ghu_")),
    "github-server-to-server-token": ("cicd", lambda: crc_b62_token("ghs_")),
    "github-refresh-token": ("cicd", lambda: crc_b62_token("ghr_")),
    "github-pat-fine-grained": ("cicd", lambda: "github_pat_11" + rnd(UP + DG, 20) + "_" + rnd(AN, 59)),
    "gitlab-pat": ("cicd", lambda: "glpat-" + rnd(URLS, 20)),
    "gitlab-pat-routable": ("cicd", lambda: gitlab_routable("glpat-")),
    "gitlab-deploy-token": ("cicd", lambda: "gldt-" + rnd(URLS, 20)),
    "gitlab-runner-auth-token": ("cicd", lambda: "glrt-" + rnd(URLS, 20)),
    "gitlab-runner-registration-token": ("cicd", lambda: "GR1348941" + rnd(URLS, 20)),
    "gitlab-pipeline-trigger-token": ("cicd", lambda: "glptt-" + hx(40)),
    "gitlab-cicd-job-token": ("cicd", lambda: "glcbt-" + rnd(AN, 2) + "_" + rnd(URLS, 20)),
    "gitlab-oauth-app-secret": ("cicd", lambda: "gloas-" + rnd(URLS, 64)),
    "gitlab-feed-token": ("cicd", lambda: "glft-" + rnd(URLS, 20)),
    "gitlab-kubernetes-agent-token": ("cicd", lambda: "glagent-" + rnd(URLS, 50)),
    "gitlab-scim-token": ("cicd", lambda: "glsoat-" + rnd(URLS, 20)),
    "gitlab-incoming-mail-token": ("cicd", lambda: "glimt-" + rnd(URLS, 25)),
    "gitlab-feature-flag-client-token": ("cicd", lambda: "glffct-" + rnd(URLS, 20)),
    "bitbucket-app-password": ("cicd", lambda: "ATBB" + rnd(AN, 24) + rnd("0123456789ABCDEF", 8)),
    "atlassian-api-token": ("saas", lambda: "ATATT3xFfGF0" + rnd(URLS, 165) + "=" + rnd("0123456789ABCDEF", 8)),
    "circleci-personal-token": ("cicd", lambda: "CCIPAT_" + rnd(AN, 22) + "_" + hx(40)),
    "buildkite-user-token": ("cicd", lambda: "bkua_" + hx(40)),
    "jenkins-api-token": ("cicd", lambda: "11" + hx(32)),
    "octopus-deploy-api-key": ("cicd", lambda: "API-" + rnd(UP + DG, 26)),
    "sonarqube-user-token": ("cicd", lambda: "squ_" + hx(40)),
    "sonarqube-project-token": ("cicd", lambda: "sqp_" + hx(40)),
    "snyk-api-token": ("cicd", uuid4),
    "codecov-upload-token": ("cicd", uuid4),
    "harness-pat": ("cicd", lambda: "pat." + rnd(URLS, 22) + "." + rnd(AN, 24) + "." + rnd(AN, 20)),
    "infracost-api-key": ("cicd", lambda: "ico-" + rnd(AN, 32)),
    "dockerhub-pat": ("registry", lambda: "dckr_pat_" + rnd(URLS, 27)),
    "dockerhub-org-access-token": ("registry", lambda: "dckr_oat_" + rnd(URLS, 32)),
    "jfrog-artifactory-api-key": ("registry", lambda: "AKCp" + rnd(AN, 69)),
    "jfrog-artifactory-reference-token": ("registry", artifactory_ref),
    "npm-access-token": ("registry", lambda: crc_b62_token("npm_")),
    "pypi-upload-token": ("registry", pypi_token),
    "rubygems-api-key": ("registry", lambda: "rubygems_" + hx(48)),
    "nuget-api-key": ("registry", lambda: "oy2" + rnd(LO + DG, 43)),
    "clojars-deploy-token": ("registry", lambda: "CLOJARS_" + rnd(LO + DG, 60)),
    "crates-io-api-token": ("registry", lambda: "cio" + rnd(AN, 32)),
    # --- messaging / SaaS ---
    "slack-bot-token": ("messaging", lambda: "xoxb-" + dig(12) + "-" + dig(13) + "-" + rnd(AN, 24)),
    "slack-user-token": ("messaging", lambda: "xoxp-" + dig(12) + "-" + dig(12) + "-" + dig(13) + "-" + hx(32)),
    "slack-app-token": ("messaging", lambda: "xapp-1-A" + rnd(UP + DG, 10) + "-" + dig(13) + "-" + hx(64)),
    "slack-config-refresh-token": ("messaging", lambda: "xoxe-1-" + rnd(UP + DG, 146)),
    "slack-webhook-url": ("messaging", lambda: "https://hooks.slack.com/services/T" + rnd(UP + DG, 8) + "/B" + rnd(UP + DG, 10) + "/" + rnd(AN, 24)),
    "discord-bot-token": ("messaging", discord_bot),
    "discord-webhook-url": ("messaging", lambda: "https://discord.com/api/webhooks/" + dig(19) + "/" + rnd(URLS, 68)),
    "telegram-bot-token": ("messaging", lambda: dig(10) + ":AA" + rnd(URLS, 33)),
    "microsoft-teams-webhook-url": ("messaging", lambda: "https://tidewater.webhook.office.com/webhookb2/" + uuid4() + "@" + uuid4() + "/IncomingWebhook/" + hx(32) + "/" + uuid4()),
    "twilio-api-key": ("messaging", lambda: "SK" + hx(32)),
    "twilio-auth-token": ("messaging", lambda: hx(32)),
    "sendgrid-api-key": ("messaging", lambda: "SG." + rnd(URLS, 22) + "." + rnd(URLS, 43)),
    "mailgun-api-key": ("messaging", lambda: "key-" + hx(32)),
    "mailchimp-api-key": ("messaging", lambda: hx(32) + "-us" + str(R.randint(10, 21))),
    "brevo-api-key": ("messaging", lambda: "xkeysib-" + hx(64) + "-" + rnd(AN, 16)),
    "postmark-server-token": ("messaging", uuid4),
    "intercom-access-token": ("saas", lambda: b64("tok:" + uuid4() + ":1:0")),
    "zendesk-api-token": ("saas", lambda: rnd(AN, 40)),
    "hubspot-private-app-token": ("saas", lambda: "pat-na1-" + uuid4()),
    "notion-integration-token": ("saas", lambda: "ntn_" + dig(11) + rnd(AN, 35)),
    "notion-integration-token-legacy": ("saas", lambda: "secret_" + rnd(AN, 43)),
    "linear-api-key": ("saas", lambda: "lin_api_" + rnd(AN, 40)),
    "asana-pat": ("saas", lambda: "2/" + dig(16) + "/" + dig(16) + ":" + hx(32)),
    "airtable-pat": ("saas", lambda: "pat" + rnd(AN, 14) + "." + hx(64)),
    "figma-pat": ("saas", lambda: "figd_" + rnd(URLS, 40)),
    "postman-api-key": ("saas", lambda: "PMAK-" + hx(24) + "-" + hx(34)),
    "shopify-admin-access-token": ("saas", lambda: "shpat_" + hx(32)),
    "shopify-shared-secret": ("saas", lambda: "shpss_" + hx(32)),
    "shopify-custom-app-token": ("saas", lambda: "shpca_" + hx(32)),
    "okta-api-token": ("saas", lambda: "00" + rnd(URLS, 40)),
    "auth0-client-secret": ("saas", lambda: rnd(URLS, 64)),
    "contentful-management-token": ("saas", lambda: "CFPAT-" + rnd(URLS, 43)),
    "typeform-pat": ("saas", lambda: "tfp_" + rnd(AN, 44) + "_" + rnd(AN, 14)),
    "mapbox-secret-token": ("saas", mapbox_sk),
    "dropbox-short-lived-token": ("saas", lambda: "sl." + rnd(URLS, 135)),
    "sentry-user-auth-token": ("saas", lambda: "sntryu_" + hx(64)),
    "sentry-org-auth-token": ("saas", sentry_org_token),
    "datadog-api-key": ("saas", lambda: hx(32)),
    "datadog-application-key": ("saas", lambda: hx(40)),
    "newrelic-user-api-key": ("saas", lambda: "NRAK-" + rnd(UP + DG, 27)),
    "newrelic-license-key": ("saas", lambda: hx(36) + "NRAL"),
    "grafana-service-account-token": ("saas", lambda: (lambda b: "glsa_" + b + "_" + format(zlib.crc32(b.encode()) & 0xFFFFFFFF, "08x"))(rnd(AN, 32))),
    "grafana-cloud-access-policy-token": ("saas", grafana_cloud),
    "dynatrace-api-token": ("saas", lambda: "dt0c01." + rnd(UP + DG, 24) + "." + rnd(UP + DG, 64)),
    "pagerduty-api-key": ("saas", lambda: "u+" + rnd(URLS, 18)),
    "launchdarkly-sdk-key": ("saas", lambda: "sdk-" + uuid4()),
    "launchdarkly-api-token": ("saas", lambda: "api-" + uuid4()),
    "algolia-admin-api-key": ("saas", lambda: hx(32)),
    "twitter-bearer-token": ("saas", lambda: "A" * 22 + rnd(AN, 30) + "%2B" + rnd(AN, 6) + "%3D" + rnd(AN, 50)),
    "facebook-access-token": ("saas", lambda: "EAAM" + rnd(AN, 190)),
    "1password-service-account-token": ("saas", op_service_account),
    "1password-secret-key": ("saas", lambda: "A3-" + rnd(UP + DG, 6) + "-" + rnd(UP + DG, 6) + "-" + rnd(UP + DG, 5) + "-" + rnd(UP + DG, 5) + "-" + rnd(UP + DG, 5) + "-" + rnd(UP + DG, 5)),
    # --- payment ---
    "stripe-secret-key": ("payment", lambda: "sk_live_51" + rnd(AN, 97)),
    "stripe-restricted-key": ("payment", lambda: "rk_live_51" + rnd(AN, 97)),
    "stripe-webhook-secret": ("payment", lambda: "whsec_" + rnd(AN, 32)),
    "braintree-access-token": ("payment", lambda: "access_token$production$" + rnd(LO + DG, 16) + "$" + hx(32)),
    "square-access-token": ("payment", lambda: "EAAA" + rnd(URLS, 60)),
    "square-oauth-secret": ("payment", lambda: "sq0csp-" + rnd(URLS, 43)),
    "plaid-access-token": ("payment", lambda: "access-production-" + uuid4()),
    "razorpay-key-secret": ("payment", lambda: rnd(AN, 24)),
    "paystack-secret-key": ("payment", lambda: "sk_live_" + hx(40)),
    "flutterwave-secret-key": ("payment", lambda: "FLWSECK-" + hx(32) + "-X"),
    "mollie-api-key": ("payment", lambda: "live_" + rnd(AN, 30)),
    "gocardless-access-token": ("payment", lambda: "live_" + rnd(URLS, 40)),
    "shippo-api-token": ("payment", lambda: "shippo_live_" + hx(40)),
    "easypost-api-key": ("payment", lambda: "EZAK" + rnd(AN, 54)),
    "checkout-com-secret-key": ("payment", lambda: "sk_" + uuid4()),
    # --- AI ---
    "openai-project-key": ("ai", lambda: "sk-proj-" + rnd(URLS, 74) + "T3BlbkFJ" + rnd(URLS, 74)),
    "openai-service-account-key": ("ai", lambda: "sk-svcacct-" + rnd(URLS, 74) + "T3BlbkFJ" + rnd(URLS, 74)),
    "openai-admin-key": ("ai", lambda: "sk-admin-" + rnd(URLS, 74) + "T3BlbkFJ" + rnd(URLS, 74)),
    "anthropic-api-key": ("ai", lambda: "sk-ant-api03-" + rnd(URLS, 93) + "AA"),
    "anthropic-admin-key": ("ai", lambda: "sk-ant-admin01-" + rnd(URLS, 93) + "AA"),
    "huggingface-access-token": ("ai", lambda: "hf_" + rnd(UP + LO, 34)),
    "huggingface-org-token": ("ai", lambda: "api_org_" + rnd(UP + LO, 34)),
    "cohere-api-key": ("ai", lambda: rnd(AN, 40)),
    "replicate-api-token": ("ai", lambda: "r8_" + rnd(AN, 37)),
    "groq-api-key": ("ai", lambda: "gsk_" + rnd(AN, 52)),
    "perplexity-api-key": ("ai", lambda: "pplx-" + rnd(AN, 48)),
    "mistral-api-key": ("ai", lambda: rnd(AN, 32)),
    "deepseek-api-key": ("ai", lambda: "sk-" + hx(32)),
    "xai-api-key": ("ai", lambda: "xai-" + rnd(AN, 80)),
    "langsmith-api-key": ("ai", lambda: "lsv2_pt_" + hx(32) + "_" + hx(10)),
    "pinecone-api-key": ("ai", lambda: "pcsk_" + rnd(AN, 5) + "_" + rnd(AN, 63)),
    "elevenlabs-api-key": ("ai", lambda: "sk_" + hx(48)),
    "wandb-api-key": ("ai", lambda: hx(40)),
    "cerebras-api-key": ("ai", lambda: "csk-" + rnd(LO + DG, 48)),
    # --- databases ---
    "postgres-uri-password": ("database", lambda: pw(20)),
    "mysql-uri-password": ("database", lambda: pw(16)),
    "mongodb-uri-password": ("database", lambda: pw(24)),
    "redis-uri-password": ("database", lambda: pw(32, AN)),
    "amqp-uri-password": ("database", lambda: pw(18)),
    "mssql-connection-string-password": ("database", lambda: pw(20, AN + "!#%*-_")),
    "jdbc-url-password": ("database", lambda: pw(16)),
    "clickhouse-cloud-api-secret": ("database", lambda: "4b1d" + rnd(AN, 38)),
    "planetscale-password": ("database", lambda: "pscale_pw_" + rnd(URLS, 43)),
    "planetscale-service-token": ("database", lambda: "pscale_tkn_" + rnd(URLS, 43)),
    "supabase-secret-key": ("database", lambda: "sb_secret_" + rnd(URLS, 31)),
    "datastax-astra-token": ("database", lambda: "AstraCS:" + rnd(AN, 24) + ":" + hx(64)),
    "elastic-cloud-api-key": ("database", lambda: "essu_" + b64(rnd(AN, 22) + ":" + rnd(AN, 40)).rstrip("=")),
    "elasticsearch-api-key": ("database", lambda: b64(rnd(URLS, 20) + ":" + rnd(URLS, 22))),
    "influxdb-api-token": ("database", lambda: b64url(rbytes(64), pad=True)),
    "cockroachdb-cloud-api-key": ("database", lambda: "CCDB1_" + rnd(AN, 22) + "_" + rnd(AN, 40)),
    # --- private keys ---
    "rsa-private-key": ("private-key", None),
    "pkcs8-private-key": ("private-key", None),
    "ec-private-key": ("private-key", None),
    "openssh-private-key": ("private-key", None),
    "pgp-private-key-block": ("private-key", None),
    "putty-private-key": ("private-key", None),
    "gcp-service-account-key": ("private-key", None),
    "age-secret-key": ("private-key", age_secret_key),
    "ethereum-private-key": ("private-key", lambda: "0x" + hx(64)),
    # --- generic credentials ---
    "generic-password": ("generic", lambda: pw(R.randint(14, 22))),
    "basic-auth-credentials": ("generic", None),
    "url-embedded-credentials": ("generic", lambda: pw(16)),
    "docker-registry-auth": ("registry", None),
    "jwt-bearer-token": ("generic", None),
    "jwt-signing-secret": ("generic", lambda: rnd(AN, 48)),
    "django-secret-key": ("generic", lambda: rnd(LO + DG + "!@#%^&*(-_=+)", 50)),
    "rails-secret-key-base": ("generic", lambda: hx(128)),
    "laravel-app-key": ("generic", lambda: "base64:" + b64(rbytes(32))),
    "symmetric-encryption-key": ("generic", lambda: b64(rbytes(32))),
    "wordpress-auth-salt": ("generic", lambda: rnd(AN + "!@#%^&*()-_[]<>~+=,.;:/?|", 64)),
    "sidekiq-enterprise-credentials": ("registry", lambda: hx(8) + ":" + hx(8)),
}

USED = {}


def S(fmt):
    cat, gen = F[fmt]
    v = gen()
    return v


# ---------------------------------------------------------------- corpus builder
FILES = {}
LABELS = []          # public records
CHECKS = []          # (path, line, value, end_line, end_value, label)
SECRET_VALUES = set()


class File:
    def __init__(self, path, syntax):
        assert path not in FILES, path
        assert not any(p in ("test", "tests", "fixtures") for p in path.split("/")), path
        self.path = path
        self.syntax = syntax
        self.lines = []
        FILES[path] = self

    def __call__(self, *lines):
        for block in lines:
            for ln in block.split("\n"):
                self.lines.append(ln)
        return self

    def s(self, template, fmt, val=None, syntax=None, enc=None, raw=None, check=None):
        """Add a line holding a secret. template uses {} for the value."""
        if val is None:
            val = S(fmt) if F[fmt][1] else (check or "")
        shown = val
        if enc == "base64" and raw is None:
            pass
        text = template.replace("{}", shown) if "{}" in template else template
        chk = check if check is not None else shown
        assert chk in text, (self.path, text, chk)
        self.lines.append(text)
        rec = {"path": self.path, "line": len(self.lines), "label": "secret", "format": fmt,
               "syntax": syntax or self.syntax}
        if enc:
            rec["encoding"] = enc
        LABELS.append(rec)
        CHECKS.append((self.path, len(self.lines), chk, None, None, "secret"))
        SECRET_VALUES.add(chk)
        USED[fmt] = USED.get(fmt, 0) + 1
        return val

    def n(self, template, kind, val, syntax=None):
        text = template.replace("{}", val) if "{}" in template else template
        assert val in text, (self.path, text, val)
        self.lines.append(text)
        if kind == "identifier-name" and len(val) < 20:
            return val   # too weak to be worth a label: left as an ordinary line
        LABELS.append({"path": self.path, "line": len(self.lines), "label": "negative", "kind": kind,
                       "syntax": syntax or self.syntax})
        CHECKS.append((self.path, len(self.lines), val, None, None, "negative"))
        return val

    def block(self, lines, fmt, syntax="pem", indent=""):
        start = len(self.lines) + 1
        for ln in lines:
            self.lines.append(indent + ln)
        end = len(self.lines)
        LABELS.append({"path": self.path, "line": start, "label": "secret", "format": fmt,
                       "syntax": syntax, "end_line": end})
        CHECKS.append((self.path, start, lines[0], end, lines[-1], "secret"))
        for ln in lines[1:-1]:
            if len(ln) >= 40:
                SECRET_VALUES.add(ln)
        USED[fmt] = USED.get(fmt, 0) + 1


def bq(s):
    return b64(s)


# ---------------------------------------------------------------- negatives vocabulary
AWS_DOC_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
JWT_IO = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
          ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
SLACK_DOC_HOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def sha256hex():
    return hashlib.sha256(rbytes(64)).hexdigest()


def gitsha():
    return hashlib.sha1(rbytes(40)).hexdigest()


def integrity():
    return "sha512-" + b64(hashlib.sha512(rbytes(64)).digest())


def ssh_pub():
    return "ssh-ed25519 " + b64(_sshstr("ssh-ed25519") + _sshstr(rbytes(32)))


def cert_lines():
    body = bytes.fromhex("308203") + rbytes(700)
    return ["-----BEGIN CERTIFICATE-----"] + wrap(b64(body)) + ["-----END CERTIFICATE-----"]


def pubkey_lines():
    body = bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + rbytes(256) + b"\x02\x03\x01\x00\x01"
    return ["-----BEGIN PUBLIC KEY-----"] + wrap(b64(body)) + ["-----END PUBLIC KEY-----"]


def sops_enc():
    return "ENC[AES256_GCM,data:" + b64(rbytes(24)) + ",iv:" + b64(rbytes(32)) + ",tag:" + b64(rbytes(16)) + ",type:str]"


def vault_lines():
    return ["$ANSIBLE_VAULT;1.1;AES256"] + [hx(80) for _ in range(5)] + [hx(44)]


def sealed():
    return "AgB" + rnd(B64, 380) + "=="


# ================================================================ infra
def build_infra():
    # ---------------- terraform
    f = File("infra/terraform/providers.tf", "hcl")
    f('terraform {', '  required_version = ">= 1.6.0"', '  required_providers {',
      '    aws        = { source = "hashicorp/aws", version = "~> 5.40" }',
      '    cloudflare = { source = "cloudflare/cloudflare", version = "~> 4.20" }',
      '    datadog    = { source = "DataDog/datadog", version = "~> 3.36" }', '  }',
      '  backend "s3" {', '    bucket = "tidewater-tfstate"', '    key    = "prod/core.tfstate"',
      '    region = "eu-west-1"', '  }', '}', '', 'provider "aws" {', '  region     = var.region')
    f.s('  access_key = "{}"', "aws-access-key-id")
    f.s('  secret_key = "{}"', "aws-secret-access-key")
    f('}', '', 'provider "cloudflare" {')
    f.s('  api_token = "{}"', "cloudflare-api-token")
    f('}', '', 'provider "datadog" {')
    f.s('  api_key = "{}"', "datadog-api-key")
    f.s('  app_key = "{}"', "datadog-application-key")
    f('  api_url = "https://api.datadoghq.eu/"', '}')

    f = File("infra/terraform/variables.tf", "hcl")
    f('variable "region" {', '  type    = string', '  default = "eu-west-1"', '}', '',
      'variable "db_password" {', '  type      = string', '  sensitive = true')
    f.n('  description = "Master password; supply via TF_VAR_db_password, e.g. {}"', "placeholder", "changeme")
    f('}', '', 'variable "github_token" {', '  type      = string', '  sensitive = true',
      '  default   = ""', '}', '', 'variable "ami_id" {')
    f.n('  default = "{}"', "identifier-name", "ami-0c55b159cbfafe1f0")
    f('}')

    f = File("infra/terraform/prod.tfvars", "hcl")
    f('region          = "eu-west-1"', 'environment     = "prod"', 'instance_type   = "m6i.large"')
    f.s('db_password     = "{}"', "generic-password")
    f.s('github_token    = "{}"', "github-pat-classic")
    f.s('tfc_token       = "{}"', "hashicorp-terraform-cloud-token")
    f.s('pagerduty_token = "{}"', "pagerduty-api-key")
    f.n('kms_key_arn     = "{}"', "identifier-name", "arn:aws:kms:eu-west-1:381492650727:key/" + uuid4())
    f.n('vpc_id          = "{}"', "identifier-name", "vpc-0a1b2c3d4e5f67890")

    f = File("infra/terraform/staging.tfvars", "hcl")
    f('region        = "eu-west-1"', 'environment   = "staging"')
    f.n('db_password   = "{}"', "placeholder", "REPLACE_ME")
    f.n('github_token  = "{}"', "placeholder", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    f('instance_type = "t3.medium"')

    f = File("infra/terraform/modules/rds/main.tf", "hcl")
    f('resource "aws_db_instance" "orders" {', '  identifier        = "orders-${var.environment}"',
      '  engine            = "postgres"', '  engine_version    = "16.2"', '  instance_class    = "db.r6g.large"',
      '  allocated_storage = 200', '  username          = "orders_admin"')
    f.n('  password          = {}', "template-variable", "var.db_password")
    f('  skip_final_snapshot = false', '}', '', 'resource "aws_secretsmanager_secret_version" "db" {',
      '  secret_id = aws_secretsmanager_secret.db.id')
    f.n('  secret_string = jsonencode({ password = {} })', "template-variable", "var.db_password")
    f('}')

    f = File("infra/terraform/modules/azure-storage/main.tf", "hcl")
    f('resource "azurerm_storage_account" "exports" {', '  name                     = "tidewaterexports"',
      '  resource_group_name      = azurerm_resource_group.data.name', '  location                 = "westeurope"',
      '  account_tier             = "Standard"', '  account_replication_type = "GRS"', '}', '',
      'locals {', '  # TODO: pull from key vault instead of hardcoding (INFRA-412)')
    k = S("azure-storage-account-key")
    f.s('  legacy_conn = "DefaultEndpointsProtocol=https;AccountName=tidewaterexports;AccountKey={};EndpointSuffix=core.windows.net"',
        "azure-storage-account-key", k)
    f.n('  dev_conn    = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"',
        "doc-example", AZURITE_KEY)
    f('}')

    f = File("infra/terraform/modules/azure-ad/app.tf", "hcl")
    f('resource "azuread_application" "portal" {', '  display_name = "tidewater-portal"', '}', '',
      'data "azuread_client_config" "current" {}', '', 'provider "azuread" {')
    f.n('  tenant_id     = "{}"', "uuid-identifier", uuid4())
    f.n('  client_id     = "{}"', "uuid-identifier", uuid4())
    f.s('  client_secret = "{}"', "azure-ad-client-secret")
    f('}')

    f = File("infra/terraform/modules/dns/cloudflare.tf", "hcl")
    f('resource "cloudflare_record" "api" {', '  zone_id = var.zone_id', '  name    = "api"',
      '  value   = aws_lb.public.dns_name', '  type    = "CNAME"', '  proxied = true', '}', '',
      'resource "cloudflare_origin_ca_certificate" "origin" {', '  csr                = tls_cert_request.origin.cert_request_pem',
      '  hostnames          = ["api.tidewater.io"]', '  request_type       = "origin-rsa"', '  requested_validity = 5475', '}', '',
      '# origin CA issuance uses the user service key, not the API token')
    f.s('# export CLOUDFLARE_API_USER_SERVICE_KEY={}', "cloudflare-origin-ca-key", syntax="hcl-comment")

    f = File("infra/terraform/modules/alicloud/main.tf", "hcl")
    f('provider "alicloud" {', '  region     = "cn-hangzhou"')
    f.s('  access_key = "{}"', "alibaba-access-key-id")
    f.s('  secret_key = "{}"', "alibaba-access-key-secret")
    f('}', '', 'resource "alicloud_oss_bucket" "cn_assets" {', '  bucket = "tidewater-cn-assets"', '  acl    = "private"', '}')

    f = File("infra/terraform/modules/tencent/main.tf", "hcl")
    f('provider "tencentcloud" {', '  region     = "ap-guangzhou"')
    f.s('  secret_id  = "{}"', "tencent-cloud-secret-id")
    f.s('  secret_key = "{}"', "tencent-cloud-secret-key")
    f('}')

    f = File("infra/terraform/modules/do/main.tf", "hcl")
    f('provider "digitalocean" {')
    f.s('  token = "{}"', "digitalocean-pat")
    f('}', '', 'resource "digitalocean_droplet" "bastion" {', '  image  = "ubuntu-24-04-x64"',
      '  name   = "bastion-ams3"', '  region = "ams3"', '  size   = "s-1vcpu-1gb"')
    f.n('  ssh_keys = ["{}"]', "hash", "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa")
    f('}')

    f = File("infra/terraform/.terraform.lock.hcl", "hcl")
    f('# This file is maintained automatically by "terraform init".', '',
      'provider "registry.terraform.io/hashicorp/aws" {', '  version     = "5.40.0"', '  constraints = "~> 5.40"', '  hashes = [')
    f.n('    "h1:{}",', "hash", b64(hashlib.sha256(rbytes(20)).digest()))
    f.n('    "zh:{}",', "hash", sha256hex())
    f.n('    "zh:{}",', "hash", sha256hex())
    f('  ]', '}')

    f = File("infra/terraform/terraform.tfstate.backup", "json")
    f('{', '  "version": 4,', '  "terraform_version": "1.7.5",', '  "serial": 112,',
      '  "lineage": "' + uuid4() + '",', '  "resources": [', '    {', '      "mode": "managed",',
      '      "type": "aws_iam_access_key",', '      "name": "ci_deployer",', '      "instances": [', '        {',
      '          "attributes": {')
    f.s('            "id": "{}",', "aws-access-key-id")
    f.s('            "secret": "{}",', "aws-secret-access-key")
    f('            "status": "Active",', '            "user": "ci-deployer"', '          }', '        }', '      ]', '    },', '    {',
      '      "type": "random_password",', '      "name": "grafana_admin",', '      "instances": [', '        {', '          "attributes": {')
    f.s('            "result": "{}",', "generic-password")
    f('            "length": 20', '          }', '        }', '      ]', '    }', '  ]', '}')

    # ---------------- kubernetes
    f = File("infra/k8s/base/db-credentials.yaml", "yaml")
    f('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: orders-db', '  namespace: orders', 'type: Opaque', 'data:')
    f.n('  username: {}', "identifier-name", b64("orders_app"))
    p = S("generic-password")
    f.s('  password: {}', "generic-password", b64(p), enc="base64")
    u = S("postgres-uri-password")
    f.s('  DATABASE_URL: {}', "postgres-uri-password",
        b64(f"postgresql://orders_app:{u}@orders-db.cluster-cq1x2y3z.eu-west-1.rds.amazonaws.com:5432/orders"), enc="base64")

    f = File("infra/k8s/base/registry-pull-secret.yaml", "yaml")
    tok = S("dockerhub-pat")
    cfg = json.dumps({"auths": {"https://index.docker.io/v1/": {"username": "tidewaterci", "password": tok,
                                                                 "auth": b64("tidewaterci:" + tok)}}})
    f('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: regcred', '  namespace: orders',
      'type: kubernetes.io/dockerconfigjson', 'data:')
    f.s('  .dockerconfigjson: {}', "dockerhub-pat", b64(cfg), enc="base64")

    f = File("infra/k8s/base/notify-secrets.yaml", "yaml")
    f('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: notify-worker', '  namespace: notify', 'type: Opaque', 'stringData:')
    f.s('  SLACK_BOT_TOKEN: "{}"', "slack-bot-token")
    f.s('  SENDGRID_API_KEY: "{}"', "sendgrid-api-key")
    f.s('  TWILIO_AUTH_TOKEN: "{}"', "twilio-auth-token")
    f.n('  TWILIO_ACCOUNT_SID: "{}"', "identifier-name", "AC" + hx(32))
    f.n('  SMTP_PASSWORD: "{}"', "placeholder", "<set-by-external-secrets>")

    f = File("infra/k8s/base/external-secret.yaml", "yaml")
    f('apiVersion: external-secrets.io/v1beta1', 'kind: ExternalSecret', 'metadata:', '  name: billing-api', 'spec:',
      '  refreshInterval: 1h', '  secretStoreRef:', '    name: aws-secrets-manager', '    kind: ClusterSecretStore',
      '  target:', '    name: billing-api', '  data:', '    - secretKey: STRIPE_SECRET_KEY', '      remoteRef:')
    f.n('        key: {}', "secret-store-reference", "prod/billing/stripe")
    f('        property: secret_key', '    - secretKey: DATABASE_URL', '      remoteRef:')
    f.n('        key: {}', "secret-store-reference", "prod/billing/database")

    f = File("infra/k8s/base/billing-deployment.yaml", "yaml")
    f('apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: billing-api', '  namespace: billing', 'spec:',
      '  replicas: 3', '  template:', '    spec:', '      containers:', '        - name: api')
    f.n('          image: {}', "hash", "ghcr.io/tidewater/billing-api@sha256:" + sha256hex())
    f('          env:', '            - name: STRIPE_SECRET_KEY', '              valueFrom:', '                secretKeyRef:',
      '                  name: billing-api', '                  key: STRIPE_SECRET_KEY', '            - name: PLAID_ACCESS_TOKEN')
    f.s('              value: "{}"', "plaid-access-token")
    f('            - name: SENTRY_AUTH_TOKEN')
    f.s('              value: {}', "sentry-user-auth-token")
    f('            - name: LOG_LEVEL', '              value: info')

    f = File("infra/k8s/base/sealed-billing.yaml", "yaml")
    f('apiVersion: bitnami.com/v1alpha1', 'kind: SealedSecret', 'metadata:', '  name: billing-extra', '  namespace: billing',
      'spec:', '  encryptedData:')
    f.n('    BRAINTREE_TOKEN: {}', "encrypted-value", sealed())
    f.n('    MOLLIE_KEY: {}', "encrypted-value", sealed())

    f = File("infra/k8s/overlays/prod/sops-secrets.enc.yaml", "yaml")
    f('apiVersion: v1', 'kind: Secret', 'metadata:', '    name: ledger', 'type: Opaque', 'stringData:')
    f.n('    LEDGER_DB_PASSWORD: {}', "encrypted-value", sops_enc())
    f.n('    OPENAI_API_KEY: {}', "encrypted-value", sops_enc())
    f('sops:', '    kms:', '        - arn: arn:aws:kms:eu-west-1:381492650727:alias/sops', '          created_at: "2026-03-02T10:11:12Z"')
    f.n('          enc: {}', "encrypted-value", b64(rbytes(180)))
    f('    lastmodified: "2026-03-02T10:11:14Z"')
    f.n('    mac: {}', "encrypted-value", sops_enc())
    f('    version: 3.8.1')

    f = File("infra/k8s/overlays/prod/ci-runner-secret.yaml", "yaml")
    f('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: gitlab-runner', '  namespace: ci', 'type: Opaque', 'data:')
    f.s('  runner-token: {}', "gitlab-runner-auth-token", b64(S("gitlab-runner-auth-token")), enc="base64")
    f.n('  runner-registration-token: {}', "placeholder", '""')

    f = File("infra/k8s/overlays/prod/kustomization.yaml", "yaml")
    f('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '  - ../../base',
      'secretGenerator:', '  - name: agent-token', '    literals:')
    f.s('      - token={}', "gitlab-kubernetes-agent-token")
    f('images:', '  - name: ghcr.io/tidewater/billing-api')
    f.n('    digest: {}', "hash", "sha256:" + sha256hex())

    f = File("infra/k8s/overlays/prod/configmap.yaml", "yaml")
    f('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: app-config', 'data:',
      '  FEATURE_FLAGS_URL: https://flags.tidewater.io', '  TOKEN_HEADER: Authorization')
    f.n('  TOKEN_TYPE: {}', "identifier-name", "Bearer")
    f.n('  REQUEST_ID_SAMPLE: {}', "uuid-identifier", uuid4())
    f.n('  STRIPE_PUBLISHABLE_KEY: {}', "publishable-key", "pk_live_51" + rnd(AN, 97))
    f('  MAX_RETRIES: "5"')

    f = File("infra/k8s/kubeconfig-prod.yaml", "yaml")
    cert = b64("\n".join(cert_lines()))
    f('apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:')
    f.n('    certificate-authority-data: {}', "certificate", cert)
    f('    server: https://4A7F0D2C91E5.gr7.eu-west-1.eks.amazonaws.com', '  name: prod', 'contexts:',
      '- context:', '    cluster: prod', '    user: ci-deployer', '  name: prod', 'current-context: prod', 'users:',
      '- name: ci-deployer', '  user:')
    f.s('    token: {}', "kubernetes-service-account-token")

    f = File("infra/k8s/kubeconfig-openshift.yaml", "yaml")
    f('apiVersion: v1', 'clusters:', '- cluster:', '    server: https://api.ocp.tidewater.internal:6443', '  name: ocp',
      'contexts:', '- context:', '    cluster: ocp', '    namespace: reporting', '    user: jkowalski/ocp', '  name: ocp',
      'current-context: ocp', 'kind: Config', 'users:', '- name: jkowalski/ocp', '  user:')
    f.s('    token: {}', "openshift-user-token")
    f('- name: admin-cert', '  user:')
    key = "\n".join(pem_ec())
    f.s('    client-key-data: {}', "ec-private-key", b64(key + "\n"), enc="base64", syntax="yaml")

    # ---------------- helm
    f = File("infra/helm/platform/values.yaml", "yaml")
    f('global:', '  imageRegistry: ghcr.io/tidewater', '  imagePullSecrets: [regcred]', '', 'postgresql:', '  auth:',
      '    username: platform')
    f.n('    password: "{}"', "template-variable", "{{ .Values.secrets.pgPassword }}")
    f.n('    existingSecret: {}', "identifier-name", "platform-postgresql")
    f('', 'grafana:', '  adminUser: admin')
    f.n('  adminPassword: {}', "placeholder", "changeme")
    f('', 'redis:', '  architecture: standalone', '  auth:', '    enabled: true')
    f.n('    password: "{}"', "template-variable", "${REDIS_PASSWORD}")

    f = File("infra/helm/platform/values-prod.yaml", "yaml")
    f('postgresql:', '  auth:')
    f.s('    password: "{}"', "generic-password")
    f('grafana:')
    f.s('  adminPassword: "{}"', "generic-password")
    f('  grafana.ini:', '    server:', '      root_url: https://grafana.tidewater.io', '', 'redis:', '  auth:')
    f.s('    password: {}', "redis-uri-password")
    f('', 'datadog:')
    f.s('  apiKey: {}', "datadog-api-key")
    f('  site: datadoghq.eu', '', 'newrelic-infrastructure:')
    f.s('  licenseKey: {}', "newrelic-license-key")
    f('', 'launchdarkly:')
    f.s('  sdkKey: {}', "launchdarkly-sdk-key")

    f = File("infra/helm/platform/templates/deployment.yaml", "yaml")
    f('apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ include "platform.fullname" . }}', 'spec:',
      '  template:', '    spec:', '      containers:', '        - name: app', '          env:',
      '            - name: DB_PASSWORD')
    f.n('              value: {}', "template-variable", '{{ .Values.postgresql.auth.password | quote }}')
    f('            - name: DD_API_KEY')
    f.n('              value: {}', "template-variable", '{{ required "datadog.apiKey" .Values.datadog.apiKey | quote }}')

    f = File("infra/helm/runner/values.yaml", "yaml")
    f('gitlabUrl: https://gitlab.tidewater.io/', 'concurrent: 8')
    f.s('runnerToken: "{}"', "gitlab-runner-auth-token")
    f.s('runnerRegistrationToken: "{}"', "gitlab-runner-registration-token")
    f('rbac:', '  create: true', 'runners:', '  config: |', '    [[runners]]', '      [runners.kubernetes]',
      '        namespace = "ci"', '        image = "alpine:3.19"', '      [runners.cache]', '        Type = "s3"',
      '        [runners.cache.s3]', '          ServerAddress = "s3.amazonaws.com"')
    f.s('          AccessKey = "{}"', "aws-access-key-id", syntax="toml")
    f.s('          SecretKey = "{}"', "aws-secret-access-key", syntax="toml")

    # ---------------- ansible
    f = File("infra/ansible/group_vars/all/vars.yml", "yaml")
    f('---', 'ntp_servers: [0.pool.ntp.org, 1.pool.ntp.org]', 'admin_users:', '  - jkowalski', '  - mokafor', '')
    f.n('ansible_become_password: "{}"', "template-variable", "{{ vault_become_password }}")
    f.n('mysql_root_password: "{}"', "template-variable", "{{ vault_mysql_root_password }}")
    f.n("backup_s3_secret: \"{}\"", "template-variable", "{{ lookup('env', 'BACKUP_S3_SECRET') }}")
    f.s('zabbix_api_password: "{}"', "generic-password")
    f.n('deploy_key_fingerprint: "{}"', "hash", "SHA256:" + b64(hashlib.sha256(rbytes(9)).digest()).rstrip("="))

    f = File("infra/ansible/group_vars/all/vault.yml", "yaml")
    vl = vault_lines()
    f.n(vl[0], "encrypted-value", vl[0])
    f(*vl[1:])

    f = File("infra/ansible/group_vars/dbservers.yml", "yaml")
    f('---', 'mysql_port: 3306', 'mysql_bind_address: 0.0.0.0', 'mysql_users:', '  - name: reporting', '    host: "10.20.%"')
    f.s('    password: {}', "generic-password")
    f('    priv: "reporting.*:SELECT"', '  - name: replicator', '    host: "%"')
    f.s('    password: "{}"', "generic-password")
    f('    priv: "*.*:REPLICATION SLAVE"')

    f = File("infra/ansible/inventory/prod.ini", "ini")
    f('[web]', 'web-01.tidewater.internal', 'web-02.tidewater.internal', '', '[dbservers]')
    f.s('db-01.tidewater.internal ansible_user=deploy ansible_password={}', "generic-password")
    f('', '[all:vars]', 'ansible_python_interpreter=/usr/bin/python3')

    f = File("infra/ansible/roles/monitoring/defaults/main.yml", "yaml")
    f('---', 'node_exporter_version: 1.8.1')
    f.n('node_exporter_checksum: "sha256:{}"', "hash", sha256hex())
    f('grafana_agent_remote_write_url: https://prometheus-prod-24-prod-eu-west-2.grafana.net/api/prom/push')
    f.s('grafana_agent_api_key: {}', "grafana-cloud-access-policy-token")

    # ---------------- docker
    f = File("infra/docker/docker-compose.yml", "yaml")
    f('services:', '  postgres:', '    image: postgres:16', '    environment:', '      POSTGRES_USER: tidewater')
    f.s('      POSTGRES_PASSWORD: {}', "generic-password")
    f('    ports: ["5432:5432"]', '  rabbitmq:', '    image: rabbitmq:3.13-management', '    environment:',
      '      RABBITMQ_DEFAULT_USER: orders')
    f.s('      RABBITMQ_DEFAULT_PASS: "{}"', "generic-password")
    f('  orders:', '    build: ../../services/orders-svc', '    environment:')
    a = S("amqp-uri-password")
    f.s('      - AMQP_URL=amqp://orders:{}@rabbitmq:5672/orders', "amqp-uri-password", a)
    f.n('      - DATABASE_URL={}', "template-variable", "postgres://tidewater:${POSTGRES_PASSWORD}@postgres:5432/orders")
    f('  minio:', '    image: minio/minio:RELEASE.2024-05-10T01-41-38Z', '    environment:', '      MINIO_ROOT_USER: minioadmin')
    f.n('      MINIO_ROOT_PASSWORD: {}', "doc-example", "minioadmin")

    f = File("infra/docker/docker-compose.prod.yml", "yaml")
    f('services:', '  metabase:', '    image: metabase/metabase:v0.50.3', '    environment:', '      MB_DB_TYPE: postgres',
      '      MB_DB_USER: metabase')
    f.s('      MB_DB_PASS: "{}"', "generic-password")
    f('  clickhouse-exporter:', '    image: ghcr.io/tidewater/ch-exporter:1.4', '    environment:')
    f.s('      CLICKHOUSE_CLOUD_KEY_SECRET: {}', "clickhouse-cloud-api-secret")
    f('  watchtower:', '    image: containrrr/watchtower', '    environment:')
    sh = S("slack-webhook-url")
    f.s('      WATCHTOWER_NOTIFICATION_SLACK_HOOK_URL: {}', "slack-webhook-url", sh)
    f('  influx:', '    image: influxdb:2.7', '    environment:', '      DOCKER_INFLUXDB_INIT_MODE: setup')
    f.s('      DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: {}', "influxdb-api-token")

    f = File("infra/docker/registry/config.json", "json")
    u1 = S("generic-password")
    f('{', '  "auths": {', '    "registry.tidewater.io": {')
    f.s('      "auth": "{}"', "docker-registry-auth", b64("deploy:" + u1), enc="base64")
    f('    },', '    "ghcr.io": {')
    g = S("github-pat-classic")
    f.s('      "auth": "{}"', "github-pat-classic", b64("tidewater-bot:" + g), enc="base64")
    f('    },', '    "https://index.docker.io/v1/": {}', '  },', '  "credsStore": "desktop",')
    f.n('  "currentContext": "{}"', "identifier-name", "default")
    f('}')

    f = File("infra/docker/swarm/README.md", "markdown")
    f('# Swarm (legacy batch cluster)', '', 'Workers join with:', '', '```')
    f.s('docker swarm join --token {} 10.30.0.10:2377', "docker-swarm-join-token", syntax="shell")
    f('```', '', 'Rotate with `docker swarm join-token --rotate worker` after offboarding.')


# ================================================================ services
def build_python_services():
    b = "services/billing-api"
    f = File(f"{b}/.env", "dotenv")
    f('# billing-api local overrides -- DO NOT COMMIT (oops)', 'APP_ENV=production', 'PORT=8080')
    f.s('STRIPE_SECRET_KEY={}', "stripe-secret-key")
    f.s('STRIPE_WEBHOOK_SECRET={}', "stripe-webhook-secret")
    f.n('STRIPE_PUBLISHABLE_KEY={}', "publishable-key", "pk_live_51" + rnd(AN, 97))
    pg = S("postgres-uri-password")
    f.s('DATABASE_URL=postgresql://billing:{}@billing-db.internal:5432/billing?sslmode=require', "postgres-uri-password", pg)
    f.s('BRAINTREE_ACCESS_TOKEN={}', "braintree-access-token")
    f.s('PLAID_ACCESS_TOKEN={}', "plaid-access-token")
    f.n('PLAID_CLIENT_ID={}', "identifier-name", hx(24))
    f.s('GOCARDLESS_ACCESS_TOKEN={}', "gocardless-access-token")
    f.s('SENTRY_AUTH_TOKEN={}', "sentry-org-auth-token")
    f('SENTRY_ENVIRONMENT=production', 'LOG_LEVEL=info')

    f = File(f"{b}/.env.example", "dotenv")
    f('APP_ENV=development', 'PORT=8080')
    f.n('STRIPE_SECRET_KEY={}', "placeholder", "sk_live_your_key_here")
    f.n('STRIPE_WEBHOOK_SECRET={}', "placeholder", "whsec_...")
    f.n('DATABASE_URL={}', "placeholder", "postgresql://billing:<password>@localhost:5432/billing")
    f.n('BRAINTREE_ACCESS_TOKEN={}', "placeholder", "access_token$sandbox$xxxxxxxxxxxxxxxx$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    f.n('PLAID_ACCESS_TOKEN={}', "placeholder", "access-sandbox-00000000-0000-0000-0000-000000000000")
    f('SENTRY_AUTH_TOKEN=')

    f = File(f"{b}/app/config.py", "python")
    f('import os', 'from functools import lru_cache', '', 'from pydantic_settings import BaseSettings', '', '',
      'class Settings(BaseSettings):', '    app_env: str = "development"')
    f.n('    stripe_secret_key: str = {}', "env-reference", 'os.environ.get("STRIPE_SECRET_KEY", "")')
    f.n('    database_url: str = {}', "env-reference", 'os.getenv("DATABASE_URL")')
    f('    # fallback used by the nightly reconciliation cron when env is missing')
    f.s('    reconciliation_api_key: str = "{}"', "stripe-restricted-key")
    f.n('    token_header: str = "{}"', "identifier-name", "X-Billing-Token")
    f('', '', '@lru_cache', 'def get_settings() -> Settings:', '    return Settings()')

    f = File(f"{b}/app/payments/square_client.py", "python")
    f('from square.client import Client', '', '')
    f.s('SQUARE_ACCESS_TOKEN = "{}"', "square-access-token")
    f.s('SQUARE_APP_SECRET = "{}"', "square-oauth-secret")
    f('', 'client = Client(access_token=SQUARE_ACCESS_TOKEN, environment="production")', '', '',
      'def list_locations():', '    return client.locations.list_locations().body["locations"]')

    f = File(f"{b}/app/payments/providers.py", "python")
    f('"""Regional payment providers."""', 'import razorpay', 'from paystackapi.paystack import Paystack', '')
    f.n('RAZORPAY_KEY_ID = "{}"', "publishable-key", "rzp_live_" + rnd(AN, 14))
    f.s('RAZORPAY_KEY_SECRET = "{}"', "razorpay-key-secret")
    f.s('paystack = Paystack(secret_key="{}")', "paystack-secret-key")
    f.s('FLW_SECRET = "{}"', "flutterwave-secret-key")
    f.s('mollie_client_key = "{}"', "mollie-api-key")
    f.s('CHECKOUT_SECRET_KEY = "{}"', "checkout-com-secret-key")
    f.n('TOKEN_RE = re.compile(r"{}")', "regex", r"^sk_(live|test)_[0-9a-zA-Z]{24,99}$")
    f('', '', 'def client():', '    return razorpay.Client(auth=(RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET))')

    f = File(f"{b}/app/shipping.py", "python")
    f('import easypost', 'import shippo', '')
    f.s('easypost_client = easypost.EasyPostClient("{}")', "easypost-api-key")
    f.s('shippo.config.api_key = "{}"', "shippo-api-token")
    f.n('shippo.config.api_version = "{}"', "identifier-name", "2018-02-08")

    f = File(f"{b}/settings/prod.py", "python")
    f('from .base import *  # noqa', '', 'DEBUG = False', 'ALLOWED_HOSTS = ["billing.tidewater.io"]')
    f.s("SECRET_KEY = '{}'", "django-secret-key")
    f('DATABASES = {', '    "default": {', '        "ENGINE": "django.db.backends.postgresql",', '        "NAME": "billing",',
      '        "USER": "billing",')
    f.s('        "PASSWORD": "{}",', "generic-password")
    f('        "HOST": "billing-db.internal",', '    }', '}', 'EMAIL_HOST = "smtp.mailgun.org"', 'EMAIL_HOST_USER = "postmaster@mg.tidewater.io"')
    f.s('EMAIL_HOST_PASSWORD = "{}"', "generic-password")
    f.s('ANYMAIL = {"MAILGUN_API_KEY": "{}"}', "mailgun-api-key")

    f = File(f"{b}/settings/base.py", "python")
    f('import os', 'from pathlib import Path', '', 'BASE_DIR = Path(__file__).resolve().parent.parent')
    f.n('SECRET_KEY = {}', "env-reference", 'os.environ["DJANGO_SECRET_KEY"]')
    f.n("PASSWORD_HASHERS = ['{}']", "identifier-name", "django.contrib.auth.hashers.Argon2PasswordHasher")
    f('AUTH_PASSWORD_VALIDATORS = [', '    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},', ']')

    f = File(f"{b}/requirements.txt", "text")
    f('django==5.0.6', 'stripe==9.6.0', 'razorpay==1.4.1', 'squareup==35.1.0.20240320')
    f.n('easypost==9.2.0 --hash=sha256:{}', "hash", sha256hex())
    f.n('shippo==3.4.0 --hash=sha256:{}', "hash", sha256hex())

    f = File(f"{b}/Dockerfile", "dockerfile")
    f('FROM python:3.12-slim', 'WORKDIR /app', 'COPY requirements.txt .')
    f.n('ARG PIP_INDEX_URL={}', "template-variable", "https://${PYPI_USER}:${PYPI_PASS}@pypi.tidewater.io/simple/")
    f('RUN pip install --no-cache-dir -r requirements.txt', 'COPY . .', 'ENV PORT=8080')
    f.n('ENV STRIPE_SECRET_KEY={}', "placeholder", '""')
    f('CMD ["gunicorn", "app.main:app", "-k", "uvicorn.workers.UvicornWorker"]')

    # ---------------- ml / notebooks
    m = "services/ml-forecast"
    f = File(f"{m}/.env", "dotenv")
    f.s('OPENAI_API_KEY={}', "openai-project-key")
    f.s('ANTHROPIC_API_KEY={}', "anthropic-api-key")
    f.s('HF_TOKEN={}', "huggingface-access-token")
    f.s('WANDB_API_KEY={}', "wandb-api-key")
    f.s('PINECONE_API_KEY={}', "pinecone-api-key")
    f.s('LANGSMITH_API_KEY={}', "langsmith-api-key")
    f('LANGSMITH_PROJECT=forecast-v3')
    f.s('GROQ_API_KEY={}', "groq-api-key")

    f = File(f"{m}/src/llm_clients.py", "python")
    f('import cohere', 'from mistralai import Mistral', 'from openai import OpenAI', 'import replicate', '')
    f.s('co = cohere.ClientV2(api_key="{}")', "cohere-api-key")
    f.s('mistral = Mistral(api_key="{}")', "mistral-api-key")
    f.s('deepseek = OpenAI(api_key="{}", base_url="https://api.deepseek.com")', "deepseek-api-key")
    f.s('grok = OpenAI(api_key="{}", base_url="https://api.x.ai/v1")', "xai-api-key")
    f.s('pplx = OpenAI(api_key="{}", base_url="https://api.perplexity.ai")', "perplexity-api-key")
    f.s('cerebras = OpenAI(api_key="{}", base_url="https://api.cerebras.ai/v1")', "cerebras-api-key")
    f.s('replicate_client = replicate.Client(api_token="{}")', "replicate-api-token")
    f.n('DEFAULT_MODEL = "{}"', "identifier-name", "claude-sonnet-4-5")
    f.n('openai_fallback = OpenAI(api_key={})', "env-reference", 'os.environ["OPENAI_API_KEY"]')

    f = File(f"{m}/src/azure_llm.py", "python")
    f('from openai import AzureOpenAI', '', 'client = AzureOpenAI(', '    azure_endpoint="https://tw-forecast.openai.azure.com/",')
    f.s('    api_key="{}",', "azure-openai-api-key")
    f('    api_version="2024-06-01",', ')')

    f = File(f"{m}/src/voice.py", "python")
    f('from elevenlabs.client import ElevenLabs', '')
    f.s('tts = ElevenLabs(api_key="{}")', "elevenlabs-api-key")
    f.n('VOICE_ID = "{}"', "identifier-name", rnd(AN, 20))

    f = File(f"{m}/src/bedrock.py", "python")
    f('import os', 'import boto3', '', '# long-term Bedrock API key for the eval runner (expires 2026-12-31)')
    f.s('os.environ["AWS_BEARER_TOKEN_BEDROCK"] = "{}"', "aws-bedrock-api-key")
    f('client = boto3.client("bedrock-runtime", region_name="us-east-1")')

    def nb_line(code, last=False):
        return "    " + json.dumps(code + ("" if last else "\n")) + ("" if last else ",")

    f = File(f"{m}/notebooks/01-explore-demand.ipynb", "jupyter")
    f('{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 3,', '   "metadata": {},', '   "outputs": [],',
      '   "source": [', nb_line("import pandas as pd"), nb_line("from openai import OpenAI"))
    k = S("openai-service-account-key")
    f.s(nb_line(f'client = OpenAI(api_key="{k}")'), "openai-service-account-key", k)
    hft = S("huggingface-org-token")
    f.s(nb_line(f'HF_ORG_TOKEN = "{hft}"', last=True), "huggingface-org-token", hft)
    f('   ]', '  },', '  {', '   "cell_type": "code",', '   "execution_count": 4,', '   "metadata": {},', '   "outputs": [', '    {',
      '     "name": "stdout",', '     "output_type": "stream",', '     "text": [')
    pgp = S("postgres-uri-password")
    f.s("      " + json.dumps(f"connecting to postgresql://analyst:{pgp}@warehouse.internal:5432/dw\n") + ",", "postgres-uri-password", pgp)
    f('      "rows: 1204331\\n"', '     ]', '    }', '   ],', '   "source": [', nb_line('df = pd.read_sql("select * from demand", engine)', last=True),
      '   ]', '  },', '  {', '   "cell_type": "markdown",', '   "metadata": {},', '   "source": [')
    f.n(nb_line("Set `OPENAI_API_KEY` to something like `sk-...` before running.", last=True), "placeholder", "sk-...")
    f('   ]', '  }', ' ],', ' "metadata": {', '  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}', ' },',
      ' "nbformat": 4,', ' "nbformat_minor": 5', '}')

    f = File(f"{m}/notebooks/02-gcs-export.ipynb", "jupyter")
    sa_key = "\n".join(pem_pkcs8()) + "\n"
    f('{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 1,', '   "metadata": {},', '   "outputs": [],', '   "source": [',
      nb_line("from google.oauth2 import service_account"), nb_line("info = {"), nb_line('  "type": "service_account",'),
      nb_line('  "project_id": "tidewater-analytics",'))
    f.n(nb_line(f'  "private_key_id": "{hx(40)}",'), "identifier-name", "private_key_id")
    sline = nb_line('  "private_key": ' + json.dumps(sa_key) + ",")
    f.s(sline, "gcp-service-account-key", check=sa_key.split("\n")[1][:60])
    f(nb_line('  "client_email": "exporter@tidewater-analytics.iam.gserviceaccount.com",'), nb_line("}"),
      nb_line("creds = service_account.Credentials.from_service_account_info(info)", last=True), '   ]', '  },', '  {',
      '   "cell_type": "code",', '   "execution_count": 2,', '   "metadata": {},', '   "outputs": [', '    {', '     "data": {',
      '      "text/plain": [')
    rt = S("google-oauth-refresh-token")
    f.s("       " + json.dumps("{'token': None, 'refresh_token': '" + rt + "', 'scopes': ['bigquery']}"), "google-oauth-refresh-token", rt)
    f('      ]', '     },', '     "execution_count": 2,', '     "metadata": {},', '     "output_type": "execute_result"', '    }', '   ],',
      '   "source": [', nb_line("creds.to_json()", last=True), '   ]', '  }', ' ],', ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', '}')

    f = File(f"{m}/notebooks/03-model-card.ipynb", "jupyter")
    f('{', ' "cells": [', '  {', '   "cell_type": "markdown",', '   "metadata": {},', '   "source": [', nb_line("# Model card"),
      nb_line("Artifacts are pinned by digest:"))
    f.n(nb_line(f"- weights: `sha256:{sha256hex()}`"), "hash", "sha256:")
    f.n(nb_line(f"- run id: `{uuid4()}`", last=True), "uuid-identifier", "run id")
    f('   ]', '  }', ' ],', ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', '}')

    f = File(f"{m}/pyproject.toml", "toml")
    f('[project]', 'name = "ml-forecast"', 'version = "0.9.2"', 'dependencies = ["pandas>=2.2", "openai>=1.40", "cohere>=5.5"]', '',
      '[[tool.uv.index]]', 'name = "tidewater"')
    pp = S("url-embedded-credentials")
    f.s('url = "https://ml-bot:{}@pypi.tidewater.io/simple/"', "url-embedded-credentials", pp)


def build_other_services():
    # ---------------- Go
    o = "services/orders-svc"
    f = File(f"{o}/go.mod", "go")
    f('module github.com/tidewater/orders-svc', '', 'go 1.22', '', 'require (', '\tgithub.com/jackc/pgx/v5 v5.6.0',
      '\tgithub.com/rabbitmq/amqp091-go v1.10.0', '\tgithub.com/slack-go/slack v0.13.0', ')')
    f = File(f"{o}/go.sum", "go")
    f.n('github.com/jackc/pgx/v5 v5.6.0 h1:{}=', "hash", b64(hashlib.sha256(rbytes(8)).digest()).rstrip("="))
    f.n('github.com/slack-go/slack v0.13.0 h1:{}=', "hash", b64(hashlib.sha256(rbytes(8)).digest()).rstrip("="))

    f = File(f"{o}/internal/config/config.go", "go")
    f('package config', '', 'import "os"', '', 'const (')
    f.s('\tdefaultDSN = "postgres://orders:{}@orders-db.internal:5432/orders?sslmode=verify-full"', "postgres-uri-password")
    f.s('\tslackBotToken = "{}"', "slack-bot-token")
    f.s('\tgithubAppInstallToken = "{}" // short-lived, copied from a debug session', "github-server-to-server-token")
    f.n('\ttokenEnv = "{}"', "identifier-name", "ORDERS_API_TOKEN")
    f(')', '', 'func DSN() string {', '\tif v := os.Getenv("DATABASE_URL"); v != "" {', '\t\treturn v', '\t}', '\treturn defaultDSN', '}')

    f = File(f"{o}/internal/queue/amqp.go", "go")
    f('package queue', '', 'import amqp "github.com/rabbitmq/amqp091-go"', '', 'func Dial() (*amqp.Connection, error) {')
    a = S("amqp-uri-password")
    f.s('\treturn amqp.Dial("amqps://orders:{}@b-3f1c.mq.eu-west-1.amazonaws.com:5671/")', "amqp-uri-password", a)
    f('}')

    f = File(f"{o}/internal/notify/telegram.go", "go")
    f('package notify', '', 'import (', '\t"fmt"', '\t"net/http"', ')', '')
    f.s('var botToken = "{}"', "telegram-bot-token")
    f('', 'func Send(chatID int64, text string) error {',
      '\turl := fmt.Sprintf("https://api.telegram.org/bot%s/sendMessage?chat_id=%d&text=%s", botToken, chatID, text)',
      '\t_, err := http.Get(url)', '\treturn err', '}')

    f = File(f"{o}/internal/auth/tokens.go", "go")
    f('package auth', '', 'import "regexp"', '', '// recognisers for tokens we refuse to log')
    f.n('var githubTokenRe = regexp.MustCompile(`{}`)', "regex", r"gh[pousr]_[A-Za-z0-9]{36}")
    f.n('var slackTokenRe = regexp.MustCompile(`{}`)', "regex", r"xox[baprs]-[0-9A-Za-z-]{10,}")
    f.n('const exampleToken = "{}" // from the GitHub docs, format illustration only', "near-miss", "ghp_" + rnd(AN, 20))
    f('', 'func Redact(s string) string {', '\ts = githubTokenRe.ReplaceAllString(s, "[REDACTED]")',
      '\treturn slackTokenRe.ReplaceAllString(s, "[REDACTED]")', '}')

    f = File(f"{o}/cmd/migrate/main.go", "go")
    f('package main', '', 'import (', '\t"database/sql"', '\t_ "github.com/go-sql-driver/mysql"', ')', '', 'func main() {')
    mp = S("mysql-uri-password")
    f.s('\tdb, err := sql.Open("mysql", "legacy:{}@tcp(mysql-legacy.internal:3306)/orders?parseTime=true")', "mysql-uri-password", mp)
    f('\tif err != nil {', '\t\tpanic(err)', '\t}', '\tdefer db.Close()', '}')

    f = File(f"{o}/.env.example", "dotenv")
    f.n('DATABASE_URL={}', "placeholder", "postgres://orders:<password>@localhost:5432/orders")
    f.n('SLACK_BOT_TOKEN={}', "placeholder", "xoxb-your-bot-token")
    f.n('TELEGRAM_BOT_TOKEN={}', "placeholder", "123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ")
    f.n('AWS_ACCESS_KEY_ID={}', "doc-example", AWS_DOC_ID)
    f.n('AWS_SECRET_ACCESS_KEY={}', "doc-example", AWS_DOC_SECRET)

    # ---------------- TypeScript / Node
    n = "services/notify-worker"
    f = File(f"{n}/.npmrc", "npmrc")
    f('registry=https://registry.npmjs.org/', '@tidewater:registry=https://npm.pkg.github.com/')
    f.s('//npm.pkg.github.com/:_authToken={}', "github-pat-classic")
    f.s('//registry.npmjs.org/:_authToken={}', "npm-access-token")
    f('always-auth=true')

    f = File(f"{n}/package.json", "json")
    f('{', '  "name": "@tidewater/notify-worker",', '  "version": "2.14.0",', '  "private": true,', '  "scripts": {',
      '    "build": "tsc -p .",', '    "start": "node dist/index.js"', '  },', '  "dependencies": {', '    "@slack/web-api": "^7.3.1",',
      '    "@sendgrid/mail": "^8.1.3",', '    "twilio": "^5.2.0"', '  }', '}')

    f = File(f"{n}/package-lock.json", "json")
    f('{', '  "name": "@tidewater/notify-worker",', '  "lockfileVersion": 3,', '  "packages": {', '    "node_modules/@slack/web-api": {',
      '      "version": "7.3.1",', '      "resolved": "https://registry.npmjs.org/@slack/web-api/-/web-api-7.3.1.tgz",')
    f.n('      "integrity": "{}"', "hash", integrity())
    f('    },', '    "node_modules/twilio": {', '      "version": "5.2.0",', '      "resolved": "https://registry.npmjs.org/twilio/-/twilio-5.2.0.tgz",')
    f.n('      "integrity": "{}"', "hash", integrity())
    f('    }', '  }', '}')

    f = File(f"{n}/.env.production", "dotenv")
    f.s('SLACK_APP_TOKEN={}', "slack-app-token")
    f.s('SLACK_USER_TOKEN={}', "slack-user-token")
    f.s('DISCORD_BOT_TOKEN={}', "discord-bot-token")
    f.s('TWILIO_API_KEY={}', "twilio-api-key")
    f.s('TWILIO_API_SECRET={}', "generic-password")
    f.s('MAILCHIMP_API_KEY={}', "mailchimp-api-key")
    f.s('BREVO_API_KEY={}', "brevo-api-key")
    f.s('POSTMARK_SERVER_TOKEN={}', "postmark-server-token")
    f.n('POSTMARK_MESSAGE_STREAM={}', "identifier-name", "outbound")

    f = File(f"{n}/src/slack.ts", "typescript")
    f("import { WebClient } from '@slack/web-api';", '')
    f.s("const FALLBACK_TOKEN = '{}';", "slack-bot-token")
    f.n("const token = {} ?? FALLBACK_TOKEN;", "env-reference", "process.env.SLACK_BOT_TOKEN")
    f('export const slack = new WebClient(token);', '')
    f.s("export const ALERT_WEBHOOK = '{}';", "slack-webhook-url")
    f.n("export const DOCS_WEBHOOK_EXAMPLE = '{}';", "doc-example", SLACK_DOC_HOOK)

    f = File(f"{n}/src/discord.ts", "typescript")
    f("import axios from 'axios';", '')
    f.s("const WEBHOOK = '{}';", "discord-webhook-url")
    f('export async function post(content: string) {', '  await axios.post(WEBHOOK, { content });', '}')

    f = File(f"{n}/src/teams.ts", "typescript")
    f("// #incidents channel connector")
    f.s("export const TEAMS_INCIDENT_HOOK = '{}';", "microsoft-teams-webhook-url")

    f = File(f"{n}/src/mailer.ts", "typescript")
    f("import sgMail from '@sendgrid/mail';", "import formData from 'form-data';", "import Mailgun from 'mailgun.js';", '')
    f.s("sgMail.setApiKey('{}');", "sendgrid-api-key")
    f("const mailgun = new Mailgun(formData);")
    f.s("export const mg = mailgun.client({ username: 'api', key: '{}', url: 'https://api.eu.mailgun.net' });", "mailgun-api-key")
    f.n("const API_KEY_HEADER = '{}';", "identifier-name", "X-Api-Key")

    f = File(f"{n}/src/intercom.js", "javascript")
    f("const { Client } = require('intercom-client');", '')
    f.s("const client = new Client({ tokenAuth: { token: '{}' } });", "intercom-access-token")
    f("module.exports = client;")

    f = File(f"{n}/src/crm.js", "javascript")
    f("const hubspot = require('@hubspot/api-client');", "const Airtable = require('airtable');", '')
    f.s("const hs = new hubspot.Client({ accessToken: '{}' });", "hubspot-private-app-token")
    f.s("const base = new Airtable({ apiKey: '{}' }).base('appQ3kL9xYz12AbCd');", "airtable-pat")
    f.s("const ZENDESK_TOKEN = '{}'; // agent: support-bot@tidewater.io", "zendesk-api-token")
    f.n("const AIRTABLE_BASE_ID = '{}';", "identifier-name", "appQ3kL9xYz12AbCd")
    f("module.exports = { hs, base, ZENDESK_TOKEN };")

    f = File(f"{n}/tsconfig.json", "json")
    f('{', '  "compilerOptions": {', '    "target": "ES2022",', '    "module": "commonjs",', '    "outDir": "dist",', '    "strict": true', '  }', '}')

    # ---------------- web frontend (Next.js)
    w = "web/portal"
    f = File(f"{w}/.env.local", "dotenv")
    f.n('NEXT_PUBLIC_MAPBOX_TOKEN={}', "publishable-key", "pk." + b64url('{"u":"tidewater-maps","a":"' + rnd(LO + DG, 25) + '"}') + "." + rnd(URLS, 22))
    f.s('MAPBOX_SECRET_TOKEN={}', "mapbox-secret-token")
    f.s('AUTH0_CLIENT_SECRET={}', "auth0-client-secret")
    f.n('AUTH0_CLIENT_ID={}', "identifier-name", rnd(AN, 32))
    f.s('AUTH_SECRET={}', "jwt-signing-secret")
    f.s('SUPABASE_SECRET_KEY={}', "supabase-secret-key")
    f.n('NEXT_PUBLIC_SUPABASE_URL={}', "identifier-name", "https://" + rnd(LO, 20) + ".supabase.co")
    f.s('CONTENTFUL_MANAGEMENT_TOKEN={}', "contentful-management-token")
    f.s('ALGOLIA_ADMIN_KEY={}', "algolia-admin-api-key")
    f.n('NEXT_PUBLIC_ALGOLIA_APP_ID={}', "identifier-name", rnd(UP + DG, 10))

    f = File(f"{w}/lib/figma-sync.ts", "typescript")
    f.s("const FIGMA_TOKEN = '{}';", "figma-pat")
    f("export async function fetchFile(key: string) {",
      "  const r = await fetch(`https://api.figma.com/v1/files/${key}`, { headers: { 'X-Figma-Token': FIGMA_TOKEN } });",
      "  return r.json();", "}")

    f = File(f"{w}/lib/typeform.ts", "typescript")
    f.s("const TYPEFORM_TOKEN = '{}';", "typeform-pat")
    f.n("const FORM_ID = '{}';", "identifier-name", rnd(AN, 8))

    f = File(f"{w}/lib/auth.ts", "typescript")
    f("import jwt from 'jsonwebtoken';", '')
    f.n("const secret = {};", "env-reference", "process.env.AUTH_SECRET!")
    f.n("// sample token for docs: {}", "doc-example", JWT_IO)
    f("export const sign = (sub: string) => jwt.sign({ sub }, secret, { expiresIn: '1h' });")

    # ---------------- Java / Spring
    j = "services/inventory"
    f = File(f"{j}/src/main/resources/application.properties", "properties")
    f('spring.application.name=inventory', 'server.port=8081')
    f.s('spring.datasource.url=jdbc:postgresql://inventory-db.internal:5432/inventory?user=inventory&password={}', "jdbc-url-password")
    f('spring.datasource.username=inventory')
    f.n('spring.datasource.password={}', "template-variable", "${INVENTORY_DB_PASSWORD}")
    f('spring.jpa.hibernate.ddl-auto=validate')
    f.s('spring.rabbitmq.password={}', "generic-password")
    f.n('management.endpoints.web.exposure.include={}', "identifier-name", "health,info,prometheus")
    f.s('okta.oauth2.client-secret={}', "generic-password")
    f.s('okta.client.token={}', "okta-api-token")

    f = File(f"{j}/src/main/resources/application-prod.yml", "yaml")
    f('spring:', '  datasource:', '    url: jdbc:sqlserver://sql-prod.tidewater.internal:1433;databaseName=inventory;encrypt=true', '    username: inv_svc')
    f.s('    password: {}', "mssql-connection-string-password")
    f('  data:', '    redis:', '      host: redis-prod.internal')
    f.s('      password: {}', "redis-uri-password")
    f('  cloud:', '    azure:', '      servicebus:')
    sb = S("azure-service-bus-shared-access-key")
    f.s('        connection-string: Endpoint=sb://tw-inventory.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={}',
        "azure-service-bus-shared-access-key", sb)
    f('      eventhubs:')
    eh = S("azure-event-hubs-shared-access-key")
    f.s('        connection-string: Endpoint=sb://tw-telemetry.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={};EntityPath=stock-events',
        "azure-event-hubs-shared-access-key", eh)
    f('elastic:')
    f.s('  api-key: {}', "elasticsearch-api-key", enc="base64")
    f('jwt:')
    f.n('  public-key-location: {}', "identifier-name", "classpath:keys/jwt-public.pem")

    f = File(f"{j}/src/main/java/io/tidewater/inventory/config/CloudConfig.java", "java")
    f('package io.tidewater.inventory.config;', '', 'import com.azure.storage.blob.BlobServiceClientBuilder;', '',
      'public final class CloudConfig {', '    private CloudConfig() {}', '')
    cs = S("azure-storage-sas-signature")
    enc = urllib.parse.quote(cs, safe="")
    f.s('    static final String SAS = "sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-31T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig={}";',
        "azure-storage-sas-signature", enc, enc="url")
    cos = S("azure-cosmosdb-account-key")
    f.s('    static final String COSMOS = "AccountEndpoint=https://tw-inventory.documents.azure.com:443/;AccountKey={};";',
        "azure-cosmosdb-account-key", cos)
    f.s('    static final String APPCONFIG = "Endpoint=https://tw-inventory.azconfig.io;Id=' + rnd(AN, 4) + '-l0-s0:' + rnd(AN, 20) + ';Secret={}";',
        "azure-app-configuration-secret")
    f.n('    static final String CONTAINER = "{}";', "identifier-name", "stock-snapshots")
    f('}')

    f = File(f"{j}/src/main/java/io/tidewater/inventory/clients/ErpClient.java", "java")
    f('package io.tidewater.inventory.clients;', '', 'import java.net.http.HttpRequest;', 'import java.util.Base64;', '',
      'public class ErpClient {')
    ep = S("generic-password")
    f.s('    private static final String ERP_PASSWORD = "{}";', "generic-password", ep)
    f.n('    private static final String PASSWORD_PROPERTY = "{}";', "identifier-name", "erp.password")
    f('    HttpRequest.Builder auth(HttpRequest.Builder b) {',
      '        String creds = Base64.getEncoder().encodeToString(("svc-inventory:" + ERP_PASSWORD).getBytes());',
      '        return b.header("Authorization", "Basic " + creds);', '    }', '}')

    f = File(f"{j}/pom.xml", "xml")
    f('<project>', '  <modelVersion>4.0.0</modelVersion>', '  <groupId>io.tidewater</groupId>', '  <artifactId>inventory</artifactId>',
      '  <version>3.2.0</version>', '  <distributionManagement>', '    <repository>', '      <id>tidewater-releases</id>',
      '      <url>https://tidewater.jfrog.io/artifactory/libs-release</url>', '    </repository>', '  </distributionManagement>', '</project>')

    f = File(f"{j}/settings.xml", "xml")
    f('<settings>', '  <servers>', '    <server>', '      <id>tidewater-releases</id>', '      <username>ci-publisher</username>')
    f.s('      <password>{}</password>', "jfrog-artifactory-api-key")
    f('    </server>', '    <server>', '      <id>tidewater-snapshots</id>', '      <username>ci-publisher</username>')
    f.s('      <password>{}</password>', "jfrog-artifactory-reference-token")
    f('    </server>', '    <server>', '      <id>central</id>', '      <username>tidewater</username>')
    f.n('      <password>{}</password>', "encrypted-value", "{" + b64(rbytes(33)) + "}")
    f('    </server>', '    <server>', '      <id>github</id>')
    f.n('      <password>{}</password>', "template-variable", "${env.GITHUB_TOKEN}")
    f('    </server>', '  </servers>', '</settings>')

    f = File(f"{j}/gradle.properties", "properties")
    f('org.gradle.jvmargs=-Xmx2g', 'org.gradle.caching=true')
    f('sonatypeUsername=tidewater-ci')
    f.s('sonatypePassword={}', "generic-password")
    f.s('signing.password={}', "generic-password")
    f.n('signing.keyId={}', "identifier-name", hx(8).upper())
    f.s('sonar.token={}', "sonarqube-user-token")
    f.s('clojarsToken={}', "clojars-deploy-token")

    # ---------------- C# / .NET
    d = "services/reporting"
    f = File(f"{d}/appsettings.json", "json")
    f('{', '  "Logging": { "LogLevel": { "Default": "Information" } },', '  "ConnectionStrings": {')
    f.n('    "Reporting": "{}",', "doc-example", "Server=(localdb)\\\\mssqllocaldb;Database=Reporting;Trusted_Connection=True")
    f.n('    "Cache": "{}"', "placeholder", "localhost:6379,password=<redis-password>")
    f('  },', '  "AzureAd": {', '    "Instance": "https://login.microsoftonline.com/",')
    f.n('    "ClientId": "{}",', "uuid-identifier", uuid4())
    f.n('    "ClientSecret": "{}"', "placeholder", "[set in user-secrets]")
    f('  }', '}')

    f = File(f"{d}/appsettings.Production.json", "json")
    f('{', '  "ConnectionStrings": {')
    ms = S("mssql-connection-string-password")
    f.s('    "Reporting": "Server=tcp:tw-reporting.database.windows.net,1433;Initial Catalog=reporting;User ID=rpt_app;Password={};Encrypt=True;",',
        "mssql-connection-string-password", ms)
    cp = S("redis-uri-password")
    f.s('    "Cache": "tw-cache.redis.cache.windows.net:6380,password={},ssl=True,abortConnect=False"', "redis-uri-password", cp)
    f('  },', '  "AzureAd": {')
    f.s('    "ClientSecret": "{}"', "azure-ad-client-secret")
    f('  },', '  "SendGrid": {')
    f.s('    "ApiKey": "{}"', "sendgrid-api-key")
    f('  },', '  "Dynatrace": {')
    f.s('    "ApiToken": "{}"', "dynatrace-api-token")
    f('  }', '}')

    f = File(f"{d}/Program.cs", "csharp")
    f('using Azure.Storage.Blobs;', 'using Microsoft.AspNetCore.Builder;', '', 'var builder = WebApplication.CreateBuilder(args);')
    sk = S("azure-storage-account-key")
    f.s('var blobs = new BlobServiceClient("DefaultEndpointsProtocol=https;AccountName=twreports;AccountKey={};EndpointSuffix=core.windows.net");',
        "azure-storage-account-key", sk)
    f.n('var vaultUri = new Uri({});', "env-reference", 'Environment.GetEnvironmentVariable("KEYVAULT_URI")')
    f.n('const string AuthScheme = "{}";', "identifier-name", "ApiKey")
    f('var app = builder.Build();', 'app.Run();')

    f = File(f"{d}/Services/PagerClient.cs", "csharp")
    f('namespace Reporting.Services;', '', 'public sealed class PagerClient', '{')
    f.s('    private const string LaunchDarklyApiToken = "{}";', "launchdarkly-api-token")
    f.s('    private const string NewRelicUserKey = "{}";', "newrelic-user-api-key")
    f.n('    private const string ApiTokenHeaderName = "{}";', "identifier-name", "Api-Key")
    f('}')

    f = File(f"{d}/nuget.config", "xml")
    f('<?xml version="1.0" encoding="utf-8"?>', '<configuration>', '  <packageSources>',
      '    <add key="tidewater" value="https://pkgs.dev.azure.com/tidewater/_packaging/internal/nuget/v3/index.json" />',
      '  </packageSources>', '  <packageSourceCredentials>', '    <tidewater>', '      <add key="Username" value="ci" />')
    f.s('      <add key="ClearTextPassword" value="{}" />', "azure-devops-pat")
    f('    </tidewater>', '  </packageSourceCredentials>', '  <apikeys>')
    f.s('    <add key="https://www.nuget.org/api/v2/package" value="{}" />', "nuget-api-key")
    f('  </apikeys>', '</configuration>')

    # ---------------- Ruby / Rails
    r = "services/admin"
    f = File(f"{r}/config/database.yml", "yaml")
    f('default: &default', '  adapter: postgresql', '  encoding: unicode', '  pool: 5', '', 'development:', '  <<: *default',
      '  database: admin_dev', '', 'production:', '  <<: *default', '  database: admin')
    f.n('  password: {}', "template-variable", "<%= ENV['ADMIN_DATABASE_PASSWORD'] %>")
    f('', 'reporting_replica:', '  <<: *default')
    f.s('  url: postgres://replica_ro:{}@pg-replica.internal/admin', "postgres-uri-password")

    f = File(f"{r}/config/initializers/services.rb", "ruby")
    f("Stripe.api_key = ENV.fetch('STRIPE_SECRET_KEY')", "")
    f.s("Shopify::Context.setup(api_key: '" + hx(32) + "', api_secret_key: '{}', host: 'admin.tidewater.io')", "shopify-shared-secret")
    f.s("SHOPIFY_ADMIN_TOKEN = '{}'", "shopify-admin-access-token")
    f.s("SHOPIFY_LEGACY_CUSTOM_APP_TOKEN = '{}'", "shopify-custom-app-token")
    f.s("Sidekiq::Pro::Web.secret = '{}'", "symmetric-encryption-key")

    f = File(f"{r}/config/secrets.yml", "yaml")
    f('development:')
    f.n('  secret_key_base: {}', "placeholder", "development_secret_key_base_not_for_prod")
    f('production:')
    f.s('  secret_key_base: {}', "rails-secret-key-base")

    f = File(f"{r}/config/master.key", "text")
    f.s('{}', "symmetric-encryption-key", hx(32), syntax="raw")

    f = File(f"{r}/app/services/linear_sync.rb", "ruby")
    f("require 'net/http'", '', 'class LinearSync')
    f.s("  API_KEY = '{}'.freeze", "linear-api-key")
    f.s("  ASANA_PAT = '{}'.freeze", "asana-pat")
    f.s("  NOTION_TOKEN = '{}'.freeze", "notion-integration-token")
    f.n("  TOKEN_ENV = '{}'.freeze", "identifier-name", "LINEAR_API_KEY")
    f('end')

    f = File(f"{r}/Gemfile", "ruby")
    f("source 'https://rubygems.org'", '')
    f.s("source 'https://{}@enterprise.contribsys.com/' do", "sidekiq-enterprise-credentials")
    f("  gem 'sidekiq-ent'", 'end', "gem 'rails', '~> 7.1'")

    f = File(f"{r}/.gem/credentials", "yaml")
    f('---')
    f.s(':rubygems_api_key: {}', "rubygems-api-key")

    # ---------------- PHP / Laravel
    p = "services/storefront"
    f = File(f"{p}/.env", "dotenv")
    f('APP_NAME=Storefront', 'APP_ENV=production')
    f.s('APP_KEY={}', "laravel-app-key")
    f('DB_CONNECTION=mysql', 'DB_HOST=storefront-db.internal', 'DB_DATABASE=storefront', 'DB_USERNAME=storefront')
    f.s('DB_PASSWORD={}', "generic-password")
    f('MAIL_MAILER=postmark')
    f.s('POSTMARK_TOKEN={}', "postmark-server-token")
    f.s('ALGOLIA_SECRET={}', "algolia-admin-api-key")
    f.n('PUSHER_APP_ID={}', "identifier-name", dig(7))
    f.n('CACHE_PASSWORD={}', "placeholder", "null")

    f = File(f"{p}/config/services.php", "php")
    f('<?php', '', 'return [', "    'stripe' => [", "        'key' => env('STRIPE_KEY'),")
    f.n("        'secret' => {},", "env-reference", "env('STRIPE_SECRET')")
    f('    ],', "    'paypal' => [")
    f.s("        'access_token' => '{}',", "braintree-access-token")
    f('    ],', "    'twitter' => [")
    f.s("        'bearer_token' => '{}',", "twitter-bearer-token")
    f('    ],', "    'facebook' => [")
    f.s("        'page_token' => '{}',", "facebook-access-token")
    f('    ],', '];')

    f = File(f"{p}/legacy/wp-config.php", "php")
    f('<?php', "define( 'DB_NAME', 'tw_blog' );", "define( 'DB_USER', 'blog' );")
    f.s("define( 'DB_PASSWORD', '{}' );", "generic-password")
    f("define( 'DB_HOST', 'blog-db.internal' );")
    f.s("define( 'AUTH_KEY',         '{}' );", "wordpress-auth-salt")
    f.n("define( 'SECURE_AUTH_KEY',  '{}' );", "placeholder", "put your unique phrase here")

    # ---------------- Rust
    rs = "services/edge-proxy"
    f = File(f"{rs}/src/main.rs", "rust")
    f('use std::env;', '')
    f.s('const UPSTREAM_TOKEN: &str = "{}";', "vercel-access-token")
    f.s('const FLY_TOKEN: &str = "{}";', "flyio-access-token")
    f.n('const TOKEN_VAR: &str = "{}";', "identifier-name", "EDGE_UPSTREAM_TOKEN")
    f('', 'fn main() {', '    let token = env::var("EDGE_UPSTREAM_TOKEN").unwrap_or_else(|_| UPSTREAM_TOKEN.to_string());',
      '    println!("starting edge-proxy with {} bytes of token", token.len());', '}')

    f = File(f"{rs}/.cargo/credentials.toml", "toml")
    f('[registry]')
    f.s('token = "{}"', "crates-io-api-token")

    f = File(f"{rs}/Cargo.lock", "toml")
    f('# This file is automatically @generated by Cargo.', 'version = 3', '', '[[package]]', 'name = "hyper"', 'version = "1.3.1"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"')
    f.n('checksum = "{}"', "hash", sha256hex())

    f = File(f"{rs}/Cargo.toml", "toml")
    f('[package]', 'name = "edge-proxy"', 'version = "0.4.0"', 'edition = "2021"', '', '[dependencies]', 'hyper = "1.3"', 'tokio = { version = "1", features = ["full"] }')


def build_ci():
    f = File(".github/workflows/deploy.yml", "yaml")
    f('name: deploy', 'on:', '  push:', '    branches: [main]', 'permissions:', '  id-token: write', '  contents: read', 'jobs:',
      '  deploy:', '    runs-on: ubuntu-latest', '    env:', '      AWS_REGION: eu-west-1')
    f.n('      AWS_ACCESS_KEY_ID: {}', "env-reference", "${{ secrets.AWS_ACCESS_KEY_ID }}")
    f.n('      AWS_SECRET_ACCESS_KEY: {}', "env-reference", "${{ secrets.AWS_SECRET_ACCESS_KEY }}")
    f('    steps:', '      - uses: actions/checkout@v4')
    f.n('      - uses: aws-actions/configure-aws-credentials@{} # v4.0.2', "hash", gitsha())
    f('      - name: Push image', '        run: |')
    f.s('          echo "{}" | docker login ghcr.io -u tidewater-bot --password-stdin', "github-pat-classic", syntax="shell")
    f('          docker push ghcr.io/tidewater/billing-api:${{ github.sha }}', '      - name: Pulumi up', '        env:')
    f.s('          PULUMI_ACCESS_TOKEN: {}', "pulumi-access-token")
    f('        run: pulumi up --yes --stack prod')

    f = File(".github/workflows/release.yml", "yaml")
    f('name: release', 'on:', '  release:', '    types: [published]', 'jobs:', '  publish:', '    runs-on: ubuntu-latest', '    steps:',
      '      - uses: actions/checkout@v4', '      - uses: actions/setup-node@v4', '        with:', '          registry-url: https://registry.npmjs.org',
      '      - run: npm publish --access public', '        env:')
    f.n('          NODE_AUTH_TOKEN: {}', "env-reference", "${{ secrets.NPM_TOKEN }}")
    f('      - name: Publish to PyPI', '        uses: pypa/gh-action-pypi-publish@release/v1', '        with:', '          user: __token__')
    f.s('          password: {}', "pypi-upload-token")
    f('      - name: Upload coverage', '        uses: codecov/codecov-action@v4', '        with:')
    f.s('          token: {}', "codecov-upload-token")
    f('      - name: Snyk', '        env:')
    f.s('          SNYK_TOKEN: {}', "snyk-api-token")
    f('        run: snyk test --all-projects')

    f = File(".github/workflows/nightly.yml", "yaml")
    f('name: nightly', 'on:', '  schedule:', "    - cron: '0 3 * * *'", 'jobs:', '  sync:', '    runs-on: ubuntu-latest', '    steps:',
      '      - name: Sync GitHub org membership', '        env:')
    f.s('          GH_TOKEN: {}', "github-pat-fine-grained")
    f('        run: ./scripts/sync-members.sh', '      - name: Infracost', '        env:')
    f.s('          INFRACOST_API_KEY: {}', "infracost-api-key")
    f.n('          INFRACOST_CURRENCY: {}', "identifier-name", "EUR")
    f('        run: infracost breakdown --path infra/terraform', '      - name: Notify', '        env:')
    f.n('          SLACK_WEBHOOK_URL: {}', "env-reference", "${{ secrets.SLACK_WEBHOOK_URL }}")
    f('        run: ./scripts/notify.sh')

    f = File(".gitlab-ci.yml", "yaml")
    f('stages: [build, test, deploy]', '', 'variables:', '  DOCKER_DRIVER: overlay2')
    f.n('  REGISTRY_PASSWORD: {}', "env-reference", "$CI_REGISTRY_PASSWORD")
    f.s('  DEPLOY_TOKEN: {}', "gitlab-deploy-token")
    f.s('  SONAR_TOKEN: "{}"', "sonarqube-project-token")
    f('', 'build:', '  stage: build', '  script:')
    f.n('    - docker login -u $CI_REGISTRY_USER -p {} $CI_REGISTRY', "env-reference", "$CI_JOB_TOKEN")
    f('    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .', '', 'trigger-infra:', '  stage: deploy', '  script:')
    f.s('    - curl -X POST -F token={} -F ref=main https://gitlab.tidewater.io/api/v4/projects/42/trigger/pipeline', "gitlab-pipeline-trigger-token", syntax="shell")
    f('', 'mirror-to-github:', '  stage: deploy', '  script:')
    f.s('    - git push https://oauth2:{}@gitlab.tidewater.io/platform/mirror.git HEAD:main', "gitlab-pat")
    f.s('    - git push https://x-access-token:{}@github.com/tidewater/platform.git HEAD:main', "github-user-to-server-token")

    f = File(".circleci/config.yml", "yaml")
    f('version: 2.1', 'jobs:', '  build:', '    docker:', '      - image: cimg/node:20.12', '        auth:', '          username: tidewaterci')
    f.s('          password: {}', "dockerhub-org-access-token")
    f('    environment:')
    f.s('      CIRCLE_TOKEN: {}', "circleci-personal-token")
    f.s('      BUILDKITE_API_TOKEN: {}', "buildkite-user-token")
    f('    steps:', '      - checkout', '      - run: npm ci && npm test')

    f = File("ci/Jenkinsfile", "groovy")
    f('pipeline {', '  agent any', '  environment {')
    f.n("    REGISTRY_CREDS = {}", "secret-store-reference", "credentials('tidewater-registry')")
    f.s("    JENKINS_API_TOKEN = '{}'", "jenkins-api-token")
    f.s("    OCTOPUS_API_KEY = '{}'", "octopus-deploy-api-key")
    f('  }', '  stages {', "    stage('Deploy') {", '      steps {')
    f.s("        sh 'curl -u deploy-bot:{} https://jenkins.tidewater.io/job/orders/buildWithParameters'", "jenkins-api-token", syntax="shell")
    f('      }', '    }', '  }', '}')

    f = File("ci/azure-pipelines.yml", "yaml")
    f('trigger: [main]', 'pool:', '  vmImage: ubuntu-latest', 'variables:')
    f.n('  - group: {}', "secret-store-reference", "reporting-prod-secrets")
    f('steps:', '  - script: |')
    f.s('      echo "{}" | az devops login --organization https://dev.azure.com/tidewater', "azure-devops-pat", syntax="shell")
    f('    displayName: az login', '  - script: dotnet nuget push *.nupkg --source tidewater --api-key az')

    f = File("ci/harness/pipeline.yaml", "yaml")
    f('pipeline:', '  name: reporting-cd', '  identifier: reporting_cd', '  projectIdentifier: reporting', '  properties:', '    ci:', '      codebase:',
      '        connectorRef: github_tw', '  variables:', '    - name: harness_api_key', '      type: Secret')
    f.n('      value: {}', "secret-store-reference", "<+secrets.getValue(\"harness_api_key\")>")
    f('# local smoke test key (remove!)')
    f.s('# HARNESS_API_KEY={}', "harness-pat")

    f = File("ci/runner/config.toml", "toml")
    f('concurrent = 4', 'check_interval = 0', '', '[[runners]]', '  name = "ci-docker-01"', '  url = "https://gitlab.tidewater.io/"')
    f.n('  id = {}', "identifier-name", "1187")
    f.s('  token = "{}"', "gitlab-pat-routable")
    f('  executor = "docker"', '  [runners.docker]', '    image = "alpine:3.19"')

    f = File("ci/scripts/upload-sourcemaps.sh", "shell")
    f('#!/usr/bin/env bash', 'set -euo pipefail')
    f.s('export SENTRY_AUTH_TOKEN="{}"', "sentry-user-auth-token")
    f('sentry-cli releases files "$VERSION" upload-sourcemaps ./dist')
    f.s('curl -sf -H "Authorization: Bearer {}" https://api.linear.app/graphql -d @release-note.json', "linear-api-key")


def build_home():
    h = "ops/home/jkowalski"
    f = File(f"{h}/.bash_history", "shell-history")
    f('cd ~/src/tidewater', 'git pull', 'kubectl get pods -n orders')
    mp = S("generic-password")
    f.s('mysql -h db-01.tidewater.internal -u root -p{} orders', "generic-password", mp)
    f('ls -la', 'vim infra/terraform/prod.tfvars')
    dp = S("generic-password")
    f.s('docker login registry.tidewater.io -u deploy -p {}', "generic-password", dp)
    f.s('curl -u admin:{} https://grafana.tidewater.io/api/datasources', "generic-password")
    f.s('curl -H "Authorization: token {}" https://api.github.com/user/repos', "github-oauth-token")
    f.s('export HEROKU_API_KEY={}', "heroku-api-key-v2")
    f('heroku apps', 'history | grep psql')
    f.s('PGPASSWORD={} psql -h orders-db.internal -U orders_admin orders', "generic-password")
    f.n('export GITHUB_TOKEN={}', "env-reference", "$(gh auth token)")
    f.n('aws configure set aws_access_key_id {}', "doc-example", AWS_DOC_ID)
    f.s('vault login {}', "hashicorp-vault-service-token")
    f('exit')

    f = File(f"{h}/.zsh_history", "shell-history")
    f(': 1733480011:0;brew upgrade')
    f.s(': 1733480122:0;export DIGITALOCEAN_ACCESS_TOKEN={}', "digitalocean-oauth-token")
    f.s(': 1733480190:0;doctl auth init --access-token {}', "digitalocean-refresh-token")
    f.s(': 1733480377:0;curl -H "X-Vault-Token: {}" https://vault.tidewater.io/v1/secret/data/ci', "hashicorp-vault-batch-token")
    f.s(': 1733480502:0;export CLOUDFLARE_API_KEY={}', "cloudflare-global-api-key")
    f(': 1733480600:0;terraform plan')
    f.s(': 1733480711:0;ibmcloud login --apikey {} -r eu-de', "ibm-cloud-api-key")
    f.s(': 1733480855:0;yc config set token {}', "yandex-cloud-api-key")
    f.s(': 1733480901:0;op signin --raw; export OP_SERVICE_ACCOUNT_TOKEN={}', "1password-service-account-token")
    f.n(': 1733481000:0;echo {} | sha256sum', "hash", sha256hex())

    f = File(f"{h}/.netrc", "netrc")
    f('machine github.com')
    f('  login jkowalski')
    f.s('  password {}', "github-pat-classic")
    f('machine api.heroku.com')
    f('  login jkowalski@tidewater.io')
    f.s('  password {}', "heroku-api-key-legacy")
    f.s('machine nexus.tidewater.io login deployer password {}', "generic-password")

    f = File(f"{h}/.git-credentials", "git-credentials")
    f.s('https://jkowalski:{}@github.com', "github-pat-fine-grained")
    f.s('https://jkowalski:{}@gitlab.tidewater.io', "gitlab-pat")
    f.s('https://jkowalski:{}@bitbucket.org', "bitbucket-app-password")
    f.s('https://tidewater:{}@dev.azure.com', "azure-devops-pat")

    f = File(f"{h}/.pypirc", "ini")
    f('[distutils]', 'index-servers =', '    pypi', '    tidewater', '', '[pypi]', 'username = __token__')
    f.s('password = {}', "pypi-upload-token")
    f('', '[tidewater]', 'repository = https://pypi.tidewater.io/', 'username = jkowalski')
    f.s('password = {}', "generic-password")

    f = File(f"{h}/.config/pip/pip.conf", "ini")
    f('[global]')
    pw1 = S("url-embedded-credentials")
    q = urllib.parse.quote(pw1 + "@!", safe="")
    f.s('index-url = https://jkowalski:{}@pypi.tidewater.io/simple/', "url-embedded-credentials", q, enc="url")
    f('timeout = 60')

    f = File(f"{h}/.docker/config.json", "json")
    f('{', '  "auths": {', '    "https://index.docker.io/v1/": {')
    f.s('      "auth": "{}"', "dockerhub-pat", b64("jkowalski:" + S("dockerhub-pat")), enc="base64")
    f('    },', '    "tidewater.jfrog.io": {')
    f.s('      "auth": "{}"', "docker-registry-auth", b64("jkowalski@tidewater.io:" + S("generic-password")), enc="base64")
    f('    },', '    "381492650727.dkr.ecr.eu-west-1.amazonaws.com": {}', '  },', '  "credHelpers": {')
    f.n('    "public.ecr.aws": "{}"', "identifier-name", "ecr-login")
    f('  }', '}')

    f = File(f"{h}/.kube/config", "yaml")
    f('apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:', '    server: https://k8s-staging.tidewater.internal:6443')
    f.n('    certificate-authority-data: {}', "certificate", b64("\n".join(cert_lines())))
    f('  name: staging', 'users:', '- name: jkowalski', '  user:')
    f.n('    client-certificate-data: {}', "certificate", b64("\n".join(cert_lines())))
    f.s('    client-key-data: {}', "rsa-private-key", b64("\n".join(pem_rsa()) + "\n"), enc="base64")
    f('- name: eks-prod', '  user:', '    exec:', '      apiVersion: client.authentication.k8s.io/v1beta1', '      command: aws',
      '      args: [eks, get-token, --cluster-name, prod]', 'contexts:', '- context: {cluster: staging, user: jkowalski}', '  name: staging')

    f = File(f"{h}/.ssh/id_ed25519", "pem")
    lines, pub = openssh_ed25519("jkowalski@laptop")
    f.block(lines, "openssh-private-key")
    f = File(f"{h}/.ssh/id_ed25519.pub", "text")
    f.n('{}', "public-key", pub)
    f = File(f"{h}/.ssh/known_hosts", "text")
    f.n('github.com {}', "public-key", ssh_pub())
    f.n('|1|{}', "hash", b64(rbytes(20)) + "|" + b64(rbytes(20)))

    f = File(f"{h}/.aws/credentials", "ini")
    f('[default]')
    f.s('aws_access_key_id = {}', "aws-access-key-id")
    f.s('aws_secret_access_key = {}', "aws-secret-access-key")
    f('', '[tw-prod-sso]')
    f.s('aws_access_key_id = {}', "aws-temporary-access-key-id")
    f.s('aws_secret_access_key = {}', "aws-secret-access-key")
    f.s('aws_session_token = {}', "aws-session-token")
    f('', '[docs]')
    f.n('aws_access_key_id = {}', "doc-example", AWS_DOC_ID)
    f.n('aws_secret_access_key = {}', "doc-example", AWS_DOC_SECRET)

    f = File(f"{h}/.config/gcloud/legacy_credentials/jkowalski@tidewater.io/adc.json", "json")
    f('{')
    f.n('  "client_id": "{}",', "identifier-name", dig(12) + "-" + rnd(LO + DG, 32) + ".apps.googleusercontent.com")
    f.s('  "client_secret": "{}",', "gcp-oauth-client-secret")
    f.s('  "refresh_token": "{}",', "google-oauth-refresh-token")
    f('  "type": "authorized_user"', '}')

    f = File(f"{h}/.config/age/keys.txt", "text")
    f('# created: 2026-02-11T09:14:03+01:00')
    f.n('# public key: {}', "public-key", "age1" + rnd(BECH32, 58))
    f.s('{}', "age-secret-key", syntax="raw")

    f = File(f"{h}/.terraformrc", "hcl")
    f('credentials "app.terraform.io" {')
    f.s('  token = "{}"', "hashicorp-terraform-cloud-token")
    f('}')

    f = File(f"{h}/.config/gh/hosts.yml", "yaml")
    f('github.com:', '    users:', '        jkowalski:')
    f.s('            oauth_token: {}', "github-oauth-token")
    f('    git_protocol: https', '    user: jkowalski')

    # second engineer (windows)
    w = "ops/home/mokafor"
    f = File(f"{w}/Documents/PowerShell/profile.ps1", "powershell")
    f('Import-Module posh-git', 'Set-PSReadLineOption -PredictionSource History')
    f.s('$env:AZURE_DEVOPS_EXT_PAT = "{}"', "azure-devops-pat")
    f.s('$env:OPENAI_API_KEY = "{}"', "openai-admin-key")
    f.n('$env:KUBECONFIG = "{}"', "identifier-name", "$HOME\\.kube\\config")

    f = File(f"{w}/AppData/Roaming/PSReadLine/ConsoleHost_history.txt", "powershell")
    f('Get-AzSubscription')
    sp = S("generic-password")
    f.s('$pw = ConvertTo-SecureString "{}" -AsPlainText -Force', "generic-password", sp)
    f('$cred = New-Object System.Management.Automation.PSCredential ("TIDEWATER\\svc-backup", $pw)')
    f.s('Connect-AzAccount -ServicePrincipal -Tenant ' + uuid4() + ' -Credential (New-Object PSCredential("' + uuid4() + '", (ConvertTo-SecureString "{}" -AsPlainText -Force)))',
        "azure-ad-client-secret")
    f.n('Get-Secret -Name {} -Vault TidewaterVault', "secret-store-reference", "ReportingSqlPassword")
    f.s('Invoke-RestMethod -Uri https://api.anthropic.com/v1/messages -Headers @{ "x-api-key" = "{}"; "anthropic-version" = "2023-06-01" }', "anthropic-admin-key")

    f = File(f"{w}/.ssh/putty-jump.ppk", "text")
    f.block(putty_key("mokafor@jump"), "putty-private-key", syntax="ppk")

    f = File(f"{w}/.gnupg/release-signing.asc", "pem")
    f.block(pgp_private_block(), "pgp-private-key-block")

    f = File(f"{w}/.gnupg/release-signing.pub.asc", "pem")
    pb = pgp_private_block()
    pb[0] = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
    pb[-1] = "-----END PGP PUBLIC KEY BLOCK-----"
    f.n(pb[0], "public-key", pb[0])
    f(*pb[1:])

    f = File(f"{w}/.yarnrc.yml", "yaml")
    f('nodeLinker: node-modules', 'npmScopes:', '  tidewater:', '    npmRegistryServer: "https://npm.pkg.github.com"')
    f.s('    npmAuthToken: "{}"', "npm-access-token")
    f.n('    npmAlwaysAuth: {}', "identifier-name", "true")


def build_scripts_docs():
    f = File("scripts/deploy.sh", "shell")
    f('#!/usr/bin/env bash', 'set -euo pipefail', '', 'ENVIRONMENT="${1:-staging}"')
    f.n(': "${{}:?must be set}"', "env-reference", "DOPPLER_TOKEN")
    f.s('export DOPPLER_TOKEN="${DOPPLER_TOKEN:-{}}"', "doppler-service-token")
    f('doppler run --project platform --config "$ENVIRONMENT" -- ./bin/migrate')
    bu = "deploy-bot:" + S("generic-password")
    f.s('curl -sf -H "Authorization: Basic {}" https://nexus.tidewater.io/service/rest/v1/status', "basic-auth-credentials", b64(bu), enc="base64")
    f.s('curl -sf -H "PRIVATE-TOKEN: {}" "https://gitlab.tidewater.io/api/v4/projects/42/releases"', "gitlab-pat")
    f.s('curl -sf -H "JOB-TOKEN: {}" https://gitlab.tidewater.io/api/v4/projects/42/packages/generic/cli/1.2.0/cli.tgz -o cli.tgz', "gitlab-cicd-job-token")

    f = File("scripts/backup-db.sh", "shell")
    f('#!/bin/sh', '# nightly logical backups -> s3', 'DATE=$(date +%F)')
    f.s('MONGO_URI="mongodb+srv://backup:{}@cluster0.x7k2p.mongodb.net/?retryWrites=true&w=majority"', "mongodb-uri-password")
    f('mongodump --uri "$MONGO_URI" --archive="/backups/mongo-$DATE.gz" --gzip')
    f.s('mysqldump -h mysql-legacy.internal -u backup --password={} --all-databases > /backups/mysql-$DATE.sql', "generic-password")
    f.n('PGPASSWORD="{}" pg_dumpall -h orders-db.internal -U postgres > /backups/pg-$DATE.sql', "env-reference", "$(cat /run/secrets/pg_backup_password)")
    f.s('redis-cli -u redis://default:{}@redis-prod.internal:6379 --rdb /backups/redis-$DATE.rdb', "redis-uri-password")
    f.s('AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=' + AWS_DOC_SECRET + ' aws s3 sync /backups s3://tw-backups/', "aws-access-key-id")

    f = File("scripts/rotate-keys.ps1", "powershell")
    f('param([string]$Environment = "prod")', '$ErrorActionPreference = "Stop"')
    f.s('$cosmosKey = "{}"', "azure-cosmosdb-account-key")
    f.n('$newKey = (Get-AzCosmosDBAccountKey -ResourceGroupName tw-data -Name tw-inventory -Type "Keys").{}', "identifier-name", "PrimaryMasterKey")
    f.n('$kvSecret = Get-AzKeyVaultSecret -VaultName tw-prod-kv -Name {} -AsPlainText', "secret-store-reference", "cosmos-primary-key")
    f.s('$headers = @{ Authorization = "Bearer {}" }', "databricks-pat")
    f('Invoke-RestMethod -Uri "https://adb-1234567890123456.7.azuredatabricks.net/api/2.0/secrets/put" -Headers $headers -Method Post')

    f = File("scripts/seed-dev-data.py", "python")
    f('#!/usr/bin/env python3', '"""Seed a local database with demo rows (dev only)."""', 'import psycopg', '')
    f.n('DSN = "{}"', "placeholder", "postgresql://postgres:postgres@localhost:5432/dev")
    f.n('DEMO_USER_PASSWORD = "{}"', "placeholder", "password123")
    f.n('DEMO_API_TOKEN = "{}"', "placeholder", "tok_" + "x" * 24)
    f('with psycopg.connect(DSN) as conn:', '    conn.execute("insert into users(email) values (%s)", ("demo@example.com",))')

    f = File("scripts/notify.sh", "shell")
    f('#!/usr/bin/env bash')
    f.n('curl -sf -X POST -H "Content-Type: application/json" -d "{\\"text\\": \\"$1\\"}" "{}"', "env-reference", "$SLACK_WEBHOOK_URL")
    f.s('curl -sf -H "Authorization: Bearer {}" -H "Notion-Version: 2022-06-28" https://api.notion.com/v1/pages -d @page.json', "notion-integration-token-legacy")

    f = File("scripts/sync-members.sh", "shell")
    f('#!/usr/bin/env bash', 'set -eu')
    f.s('ATLASSIAN_TOKEN="{}"', "atlassian-api-token")
    f('curl -s -u "platform-bot@tidewater.io:$ATLASSIAN_TOKEN" https://tidewater.atlassian.net/rest/api/3/groups/picker')
    f.s('curl -s -H "Authorization: Bearer {}" https://api.github.com/orgs/tidewater/members', "github-refresh-token")

    f = File("scripts/gitlab-admin.rb", "ruby")
    f("require 'gitlab'", '')
    f.s("OAUTH_APP_SECRET = '{}'", "gitlab-oauth-app-secret")
    f.s("FEED_TOKEN = '{}'", "gitlab-feed-token")
    f.s("SCIM_TOKEN = '{}'", "gitlab-scim-token")
    f.s("INCOMING_EMAIL = 'incoming+platform-42-{}-issue@gitlab.tidewater.io'", "gitlab-incoming-mail-token")
    f.s("UNLEASH_CLIENT_TOKEN = '{}'", "gitlab-feature-flag-client-token")
    f.n("OAUTH_APP_ID = '{}'", "identifier-name", hx(64))

    f = File("scripts/postman-export.js", "javascript")
    f.s("const POSTMAN_API_KEY = '{}';", "postman-api-key")
    f("fetch('https://api.getpostman.com/collections', { headers: { 'X-Api-Key': POSTMAN_API_KEY } });")

    f = File("scripts/dropbox-archive.py", "python")
    f('import dropbox', '')
    f.s('dbx = dropbox.Dropbox("{}")', "dropbox-short-lived-token")
    f.n('ARCHIVE_SHA = "{}"', "hash", gitsha())

    f = File("scripts/chain-watch.js", "javascript")
    f("const { ethers } = require('ethers');", "const provider = new ethers.JsonRpcProvider('https://mainnet.infura.io/v3/' + process.env.INFURA_ID);")
    f.s("const wallet = new ethers.Wallet('{}', provider);", "ethereum-private-key")
    f.n("const TREASURY = '{}';", "identifier-name", "0x" + hx(40))

    f = File("scripts/grafana-dashboards.sh", "shell")
    f('#!/usr/bin/env bash')
    f.s('GRAFANA_TOKEN={}', "grafana-service-account-token")
    f('for d in dashboards/*.json; do', '  curl -sf -H "Authorization: Bearer $GRAFANA_TOKEN" -H "Content-Type: application/json" \\',
      '    -d @"$d" https://grafana.tidewater.io/api/dashboards/db', 'done')

    f = File("scripts/planetscale.env", "dotenv")
    f('PLANETSCALE_ORG=tidewater')
    f.s('PLANETSCALE_SERVICE_TOKEN={}', "planetscale-service-token")
    f.n('PLANETSCALE_SERVICE_TOKEN_ID={}', "identifier-name", rnd(LO + DG, 12))
    f.s('DATABASE_URL=mysql://' + rnd(LO + DG, 20) + ':{}@aws.connect.psdb.cloud/catalog?sslaccept=strict', "planetscale-password")

    f = File("scripts/astra-cql.sh", "shell")
    f.s('export ASTRA_DB_APPLICATION_TOKEN="{}"', "datastax-astra-token")
    f.s('export EC_API_KEY="{}"', "elastic-cloud-api-key")
    f.s('export COCKROACH_API_KEY="{}"', "cockroachdb-cloud-api-key")
    f('cqlsh -u token -p "$ASTRA_DB_APPLICATION_TOKEN" tw-events.apps.astra.datastax.com')

    # ---------------- SQL dumps
    f = File("db/dumps/admin_users_2026-03-01.sql", "sql")
    f('-- PostgreSQL database dump', 'SET statement_timeout = 0;', '',
      'CREATE TABLE public.integrations (id integer, name text, api_token text, updated_at timestamptz);', '',
      'COPY public.integrations (id, name, api_token, updated_at) FROM stdin;')
    f.s('1\tslack\t{}\t2026-02-11 10:01:22+00', "slack-config-refresh-token")
    f.s('2\tlinear\t{}\t2026-02-12 08:44:03+00', "linear-api-key")
    f.s('3\tokta\t{}\t2026-02-20 16:30:00+00', "okta-api-token")
    f('\\.', '', 'CREATE TABLE public.users (id integer, email text, password_digest text);', 'COPY public.users (id, email, password_digest) FROM stdin;')
    f.n('1\tops@tidewater.io\t{}', "hash", "$2a$12$" + rnd(AN + "./", 53))
    f.n('2\tjkowalski@tidewater.io\t{}', "hash", "$argon2id$v=19$m=65536,t=3,p=4$" + b64(rbytes(16)).rstrip("=") + "$" + b64(rbytes(32)).rstrip("="))
    f('\\.')

    f = File("db/dumps/legacy_shop.sql", "sql")
    f('-- MySQL dump 10.13', 'DROP TABLE IF EXISTS `settings`;', 'CREATE TABLE `settings` (`k` varchar(64), `v` text);')
    f.s("INSERT INTO `settings` VALUES ('stripe_secret','{}'),('currency','EUR');", "stripe-secret-key")
    f.s("INSERT INTO `settings` VALUES ('smtp_password','{}');", "generic-password")
    f.n("INSERT INTO `settings` VALUES ('api_key_label','{}');", "identifier-name", "primary_api_key")
    f.n("INSERT INTO `sessions` VALUES ('{}', 42, '2026-01-02');", "hash", hashlib.md5(rbytes(8)).hexdigest())
    f.s("CREATE USER 'shop'@'%' IDENTIFIED BY '{}';", "generic-password")

    f = File("db/migrations/0042_service_accounts.sql", "sql")
    f('-- create read-only role for metabase')
    f.s("CREATE ROLE metabase_ro LOGIN PASSWORD '{}';", "generic-password")
    f.n("CREATE ROLE app_rw LOGIN PASSWORD '{}';", "template-variable", ":'app_rw_password'")
    f('GRANT SELECT ON ALL TABLES IN SCHEMA public TO metabase_ro;')

    # ---------------- logs
    f = File("logs/billing-api/2026-03-04.log", "log")
    f('2026-03-04T10:00:01.002Z INFO  billing-api starting version=4.12.0 commit=' + gitsha()[:12])
    f.n('2026-03-04T10:00:02.118Z INFO  request_id={} GET /healthz 200 1ms', "uuid-identifier", uuid4())
    jt = jwt({"alg": "HS256", "typ": "JWT"}, {"sub": "user_" + dig(6), "scope": "billing:admin", "iat": 1772618400, "exp": 1772622000})
    f.s('2026-03-04T10:02:13.551Z DEBUG outgoing headers={"Authorization": "Bearer {}", "Accept": "application/json"}', "jwt-bearer-token", jt)
    f.s('2026-03-04T10:02:14.003Z DEBUG stripe request: POST /v1/charges key={}', "stripe-restricted-key")
    f.n('2026-03-04T10:02:14.010Z INFO  stripe key in use: {}', "redacted", "sk_live_51****" + rnd(AN, 4))
    f('2026-03-04T10:05:44.991Z WARN  retrying webhook delivery attempt=2')
    gt = S("google-oauth-access-token")
    f.s('2026-03-04T10:06:00.120Z DEBUG GET https://www.googleapis.com/drive/v3/files?access_token={}&pageSize=100', "google-oauth-access-token", gt)
    f.n('2026-03-04T10:06:01.000Z INFO  auth header: {}', "redacted", "Authorization: Bearer [REDACTED]")

    f = File("logs/nginx/access.log", "log")
    f('10.20.1.14 - - [04/Mar/2026:10:11:02 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"')
    f.s('10.20.1.77 - - [04/Mar/2026:10:11:09 +0000] "GET /api/v1/export?api_key={}&format=csv HTTP/1.1" 200 88213 "-" "python-requests/2.31"', "gcp-api-key")
    pwd = S("url-embedded-credentials")
    enc_pw = urllib.parse.quote(pwd + "#1", safe="")
    f.s('10.20.1.80 - - [04/Mar/2026:10:12:44 +0000] "GET /login?user=ops&password={} HTTP/1.1" 302 0 "-" "curl/8.5.0"', "url-embedded-credentials", enc_pw, enc="url")
    f.n('10.20.1.91 - - [04/Mar/2026:10:13:00 +0000] "GET /assets/app.{}.js HTTP/1.1" 200 44120 "-" "Mozilla/5.0"', "hash", hx(20))

    f = File("logs/ci/build-1187.log", "log")
    f('Running with gitlab-runner 17.0.0 (44feccdf)', '  on ci-docker-01 t3_xx1, system ID: s_' + hx(12))
    f.n('$ echo "Using registry password {}"', "redacted", "[MASKED]")
    f.s('$ npm config set //registry.npmjs.org/:_authToken {}', "npm-access-token")
    f.s('+ export DOPPLER_TOKEN={}', "doppler-personal-token")
    f('Job succeeded')

    f = File("logs/notify-worker/errors.log", "log")
    f.s('[2026-03-05 02:13:44] ERROR slack api call failed: invalid_auth token={}', "slack-user-token")
    f.s('[2026-03-05 02:13:45] ERROR sendgrid 401 for key {}', "sendgrid-api-key")
    f.n('[2026-03-05 02:13:46] WARN  token fingerprint sha256={}', "hash", sha256hex())


def build_docs():
    f = File("docs/runbooks/database-failover.md", "markdown")
    f('# Database failover', '', '1. Page the on-call DBA.', '2. Promote the replica:', '', '```bash', 'aws rds promote-read-replica --db-instance-identifier orders-replica-1', '```', '',
      '3. Update the application secret:', '', '```bash')
    f.n('kubectl -n orders create secret generic orders-db --from-literal=password={} --dry-run=client -o yaml | kubectl apply -f -', "placeholder", "'<new-password>'")
    f('```', '', 'Break-glass login if IAM auth is down:', '', '```')
    f.s('psql "postgresql://break_glass:{}@orders-db.cluster-cq1x2y3z.eu-west-1.rds.amazonaws.com/orders"', "postgres-uri-password")
    f('```')

    f = File("docs/runbooks/onboarding.md", "markdown")
    f('# Engineer onboarding', '', '## Access', '', '- Request SSO groups in #it-help.', '- Install the 1Password CLI; the emergency kit secret key for the shared vault is:', '')
    f.s('  `{}`', "1password-secret-key")
    f('', '- AWS: never create long-lived keys. The format looks like this (AWS docs example):', '')
    f.n('      aws_access_key_id = {}', "doc-example", AWS_DOC_ID)
    f.n('      aws_secret_access_key = {}', "doc-example", AWS_DOC_SECRET)
    f('', '## Local services', '')
    f.n('Set `DATABASE_URL={}` in `.env`.', "placeholder", "postgres://user:pass@localhost/dev")
    f.n('GitHub tokens look like `{}` (40 chars).', "placeholder", "ghp_<36 chars>")

    f = File("docs/runbooks/incident-2026-02-slack-leak.md", "markdown")
    f('# Postmortem: Slack token in public gist', '', '## Timeline', '', '- 09:12 secret scanning alert for a bot token.',
      '- 09:20 token revoked; new token issued:', '')
    f.s('      SLACK_BOT_TOKEN={}', "slack-bot-token")
    f('', '(Yes, we pasted the new one here. Rotate again. -- mo)', '', '## Old token (revoked)', '')
    f.n('      {}', "redacted", "xoxb-****-****-" + rnd(AN, 4))

    f = File("docs/runbooks/vendors.md", "markdown")
    f('# Vendor API access', '', '| vendor | how to get a key | key |', '|---|---|---|')
    f.s('| PagerDuty | Integrations > API Access | `{}` |', "pagerduty-api-key")
    f.n('| Opsgenie | Settings > API | `{}` |', "secret-store-reference", "1Password: Ops/Opsgenie")
    f.s('| Dynatrace | Access tokens | `{}` |', "dynatrace-api-token")
    f.n('| Stripe | docs example | `{}` |', "doc-example", "sk_test_4eC39HqLyjWDarjtT1zdp7dc")
    f.n('| Twilio | console | `{}` |', "placeholder", "SK" + "x" * 32)

    f = File("docs/architecture/auth.md", "markdown")
    f('# Service-to-service auth', '', 'Services validate JWTs against the JWKS endpoint. Public signing key:', '', '```')
    pk = pubkey_lines()
    f.n(pk[0], "public-key", pk[0])
    f(*pk[1:])
    f('```', '', 'Token detection regex used by the log redactor:', '')
    f.n('    {}', "regex", r"(?i)authorization:\s*bearer\s+[a-z0-9._-]{20,}")
    f('', 'Example JWT (from jwt.io):', '')
    f.n('    {}', "doc-example", JWT_IO)

    f = File("docs/architecture/tls.md", "markdown")
    f('# TLS', '', 'Internal CA root (public, safe to distribute):', '', '```')
    c = cert_lines()
    f.n(c[0], "certificate", c[0])
    f(*c[1:])
    f('```')

    f = File("docs/howto/openai.md", "markdown")
    f('# Using the LLM gateway', '', 'Export your key:', '', '```bash')
    f.n('export OPENAI_API_KEY={}', "placeholder", "sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
    f.n('export ANTHROPIC_API_KEY={}', "placeholder", "<your-anthropic-key>")
    f('```', '', 'Key formats for the secret scanner allowlist discussion:', '')
    f.n('- project keys: `{}`', "regex", "sk-proj-[A-Za-z0-9_-]+T3BlbkFJ[A-Za-z0-9_-]+")
    f.n('- near miss from a unit of the redactor: `{}`', "near-miss", "sk-ant-api03-" + rnd(URLS, 20))
    f('', "Ops's personal key for the demo (rotate after the demo!):", '')
    f.s('    GEMINI_API_KEY={}', "gcp-api-key")

    f = File("docs/howto/kafka.md", "markdown")
    f('# Confluent Cloud access', '', 'Create an API key per service. In `client.properties`:', '', '```properties', 'bootstrap.servers=pkc-4nym6.eu-west-1.aws.confluent.cloud:9092',
      'security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN')
    f.n("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='{}' password='<API_SECRET>';", "placeholder", "<API_KEY>")
    f('```')

    f = File("README.md", "markdown")
    f('# tidewater platform', '', 'Monorepo for the logistics platform: services, infra and ops tooling.', '', '- `services/` application code',
      '- `infra/` terraform, kubernetes, helm, ansible', '- `ops/` shared shell config (to be removed; see SEC-118)', '', 'Secrets live in AWS Secrets Manager and 1Password.')
    f.n('Commit signing key fingerprint: `{}`', "hash", hx(40).upper())

    f = File(".gitignore", "text")
    f('.env', '.env.*', '!.env.example', '*.tfstate', '*.tfstate.backup', 'node_modules/', '__pycache__/', 'dist/')

    f = File(".pre-commit-config.yaml", "yaml")
    f('repos:', '  - repo: https://github.com/pre-commit/pre-commit-hooks')
    f.n('    rev: {}', "hash", gitsha())
    f('    hooks:', '      - id: check-yaml', '      - id: detect-private-key')

    # ---------------- keys dir
    f = File("infra/keys/github-app-deployer.private-key.pem", "pem")
    f.block(pem_rsa(), "rsa-private-key")
    f = File("infra/keys/saml-signing.key", "pem")
    f.block(pem_pkcs8(), "pkcs8-private-key")
    f = File("infra/keys/saml-signing.crt", "pem")
    c = cert_lines()
    f.n(c[0], "certificate", c[0])
    f(*c[1:])
    f = File("infra/keys/apns-auth.p8", "pem")
    f.block(pem_pkcs8()[:1] + wrap(b64(bytes.fromhex("308193020100301306072a8648ce3d020106082a8648ce3d030107047930770201010420") + rbytes(107))) + ["-----END PRIVATE KEY-----"], "pkcs8-private-key")

    f = File("infra/terraform/modules/gcp/sa-exporter.json", "json")
    key = "\n".join(pem_pkcs8()) + "\n"
    f('{', '  "type": "service_account",', '  "project_id": "tidewater-analytics",')
    f.n('  "private_key_id": "{}",', "identifier-name", hx(40))
    f.s('  "private_key": {},', "gcp-service-account-key", json.dumps(key), syntax="json")
    f('  "client_email": "exporter@tidewater-analytics.iam.gserviceaccount.com",', '  "client_id": "' + dig(21) + '",',
      '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",', '  "token_uri": "https://oauth2.googleapis.com/token"', '}')

    f = File("services/orders-svc/internal/tls/server.key", "pem")
    f.block(pem_ec(), "ec-private-key")

    # ---------------- misc config that leaks
    f = File("services/notify-worker/config/production.toml", "toml")
    f('[pusher]', 'app_id = "1784412"', 'cluster = "eu"')
    f.s('secret = "{}"', "generic-password")
    f('[telegram]')
    f.s('bot_token = "{}"', "telegram-bot-token")
    f('[discord]')
    f.n('application_id = "{}"', "identifier-name", dig(19))

    f = File("services/reporting/odbc.ini", "ini")
    f('[ReportingDW]', 'Driver=ODBC Driver 18 for SQL Server', 'Server=tcp:tw-dw.database.windows.net,1433', 'Database=dw', 'UID=rpt_loader')
    f.s('PWD={}', "mssql-connection-string-password")

    f = File("services/admin/config/storage.yml", "yaml")
    f('amazon:', '  service: S3')
    f.n('  access_key_id: {}', "template-variable", "<%= Rails.application.credentials.dig(:aws, :access_key_id) %>")
    f('  region: eu-west-1', '  bucket: tw-admin-uploads', 'microsoft:', '  service: AzureStorage', '  storage_account_name: twadmin')
    f.s('  storage_access_key: "{}"', "azure-storage-account-key")
    f('  container: uploads')

    f = File("services/ml-forecast/airflow/connections.yaml", "yaml")
    f('warehouse:', '  conn_type: snowflake', '  login: AIRFLOW_SVC')
    f.s('  password: "{}"', "generic-password")
    f('  extra:', '    account: tw12345.eu-west-1', 'mongo_events:', '  conn_type: mongo')
    mu = S("mongodb-uri-password")
    f.s('  uri: mongodb://events_ro:{}@mongo-0.internal:27017,mongo-1.internal:27017/events?replicaSet=rs0', "mongodb-uri-password", mu)
    f('databricks_default:', '  conn_type: databricks', '  host: adb-1234567890123456.7.azuredatabricks.net')
    f.s('  password: {}', "databricks-pat")

    f = File("services/ml-forecast/src/vector_store.py", "python")
    f('from pymongo import MongoClient', '')
    mu2 = S("mongodb-uri-password")
    q = urllib.parse.quote(mu2 + "@2026", safe="")
    f.s('client = MongoClient("mongodb+srv://vector:{}@vectors.x7k2p.mongodb.net/")', "mongodb-uri-password", q, enc="url")
    f.n('EMBEDDING_DIM = {}', "identifier-name", "1536")

    f = File("services/orders-svc/deploy/values-dev.yaml", "yaml")
    f('replicaCount: 1', 'env:')
    f.n('  DATABASE_URL: {}', "template-variable", '"{{ .Values.db.url }}"')
    f.n('  SLACK_BOT_TOKEN: {}', "near-miss", "xoxb-" + dig(6) + "-abc")
    f.n('  AWS_ACCESS_KEY_ID: {}', "near-miss", "AKIA" + rnd(LO + DG, 16))
    f.n('  GITHUB_TOKEN: {}', "near-miss", "ghp_" + rnd(AN, 30))
    f.n('  STRIPE_KEY: {}', "near-miss", "sk_live_" + rnd(AN, 6))
    f.n('  NPM_TOKEN: {}', "near-miss", "npm_" + rnd("!@#$%^&*", 4) + rnd(AN, 10))

    f = File("services/orders-svc/internal/ids/ids.go", "go")
    f('package ids', '', '// well-known ids used in smoke tests of the public API (not credentials)')
    f.n('const DemoTenantID = "{}"', "uuid-identifier", uuid4())
    f.n('const DemoOrderID = "{}"', "uuid-identifier", uuid4())
    f.n('const BuildCommit = "{}"', "hash", gitsha())
    f.n('const SecretsManagerArn = "{}"', "secret-store-reference", "arn:aws:secretsmanager:eu-west-1:381492650727:secret:orders/db-" + rnd(AN, 6))

    f = File("services/billing-api/app/webhooks.py", "python")
    f('import hmac', 'import hashlib', '')
    f.n('SIGNATURE_HEADER = "{}"', "identifier-name", "Stripe-Signature")
    f.n('secret = {}', "env-reference", 'settings.stripe_webhook_secret')
    f.n('EXPECTED_TEST_SIGNATURE = "{}"', "hash", hashlib.sha256(rbytes(10)).hexdigest())
    f('', 'def verify(payload: bytes, sig: str) -> bool:', '    mac = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()',
      '    return hmac.compare_digest(mac, sig)')


def build_filler():
    """Ordinary files with no labelled lines (the realistic bulk of a repo)."""
    simple = {
        "services/billing-api/app/main.py": ["from fastapi import FastAPI", "", "app = FastAPI(title='billing-api')", "", "@app.get('/healthz')", "def healthz():", "    return {'ok': True}"],
        "services/orders-svc/main.go": ["package main", "", "import (", "\t\"log\"", "\t\"net/http\"", ")", "", "func main() {", "\thttp.HandleFunc(\"/healthz\", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(\"ok\")) })", "\tlog.Fatal(http.ListenAndServe(\":8080\", nil))", "}"],
        "services/notify-worker/src/index.ts": ["import { slack } from './slack';", "import { post } from './discord';", "", "export async function main() {", "  await slack.chat.postMessage({ channel: '#ops', text: 'notify-worker up' });", "  await post('notify-worker up');", "}", "main();"],
        "services/inventory/src/main/java/io/tidewater/inventory/InventoryApplication.java": ["package io.tidewater.inventory;", "", "import org.springframework.boot.SpringApplication;", "import org.springframework.boot.autoconfigure.SpringBootApplication;", "", "@SpringBootApplication", "public class InventoryApplication {", "    public static void main(String[] args) {", "        SpringApplication.run(InventoryApplication.class, args);", "    }", "}"],
        "services/storefront/composer.json": ["{", "  \"name\": \"tidewater/storefront\",", "  \"require\": {", "    \"php\": \"^8.2\",", "    \"laravel/framework\": \"^11.0\"", "  }", "}"],
        "services/edge-proxy/README.md": ["# edge-proxy", "", "Thin reverse proxy in front of the public API. Reads `EDGE_UPSTREAM_TOKEN` from the environment."],
        "services/ml-forecast/README.md": ["# ml-forecast", "", "Demand forecasting. Notebooks in `notebooks/`, training code in `src/`.", "", "Keys come from `.env` (never commit it)."],
        "services/ml-forecast/src/train.py": ["import pandas as pd", "from sklearn.ensemble import GradientBoostingRegressor", "", "def train(df: pd.DataFrame):", "    model = GradientBoostingRegressor(n_estimators=400, max_depth=4)", "    model.fit(df.drop(columns=['y']), df['y'])", "    return model"],
        "infra/terraform/outputs.tf": ["output \"db_endpoint\" {", "  value = aws_db_instance.orders.endpoint", "}", "", "output \"db_password\" {", "  value     = var.db_password", "  sensitive = true", "}"],
        "infra/k8s/base/service.yaml": ["apiVersion: v1", "kind: Service", "metadata:", "  name: billing-api", "spec:", "  selector:", "    app: billing-api", "  ports:", "    - port: 80", "      targetPort: 8080"],
        "docs/adr/0007-secrets-management.md": ["# ADR 7: secrets management", "", "Status: accepted", "", "All runtime secrets are read from AWS Secrets Manager via External Secrets.", "Developers use 1Password; nothing is committed."],
    }
    for path, lines in simple.items():
        f = File(path, "text")
        f(*lines)


def build_more_leaks():
    f = File("infra/k8s/overlays/staging/app-secrets.env", "dotenv")
    f('# consumed by kustomize secretGenerator (envs:)')
    for key, fmt in [("STRIPE_SECRET_KEY", "stripe-secret-key"), ("SLACK_BOT_TOKEN", "slack-bot-token"),
                     ("SENDGRID_API_KEY", "sendgrid-api-key"), ("OPENAI_API_KEY", "openai-project-key"),
                     ("ANTHROPIC_API_KEY", "anthropic-api-key"), ("GITHUB_TOKEN", "github-pat-classic"),
                     ("GITLAB_TOKEN", "gitlab-pat"), ("DD_API_KEY", "datadog-api-key"), ("NEW_RELIC_LICENSE_KEY", "newrelic-license-key"),
                     ("SENTRY_AUTH_TOKEN", "sentry-user-auth-token"), ("TWILIO_API_KEY", "twilio-api-key"),
                     ("HF_TOKEN", "huggingface-access-token"), ("NPM_TOKEN", "npm-access-token"), ("DOCKERHUB_TOKEN", "dockerhub-pat")]:
        f.s(key + "={}", fmt)
    f.s("DATABASE_URL=postgresql://orders:{}@orders-db.staging.internal:5432/orders", "postgres-uri-password")
    f.n("FEATURE_FLAGS_KEY={}", "placeholder", "TODO")

    f = File("ops/home/mokafor/.bash_history", "shell-history")
    f("ssh jump.tidewater.io", "sudo -i")
    f.s("mysql -u root -p'{}' -e 'show databases'", "generic-password")
    f.s("docker login -u mokafor -p {} registry.tidewater.io", "generic-password")
    f.s("curl -u mokafor:{} https://tidewater.jfrog.io/artifactory/api/repositories", "jfrog-artifactory-api-key")
    f.s("curl -H 'Authorization: Bearer {}' https://api.openai.com/v1/models", "openai-project-key")
    f.s("curl -H 'x-api-key: {}' https://api.anthropic.com/v1/models", "anthropic-api-key")
    f.s("export GITLAB_TOKEN={}", "gitlab-pat-routable")
    f.s("glab auth login --token {}", "gitlab-pat")
    f.s("gh auth login --with-token <<< {}", "github-pat-fine-grained")
    f.s("export AWS_SECRET_ACCESS_KEY={}", "aws-secret-access-key")
    f.s("export AWS_ACCESS_KEY_ID={}", "aws-access-key-id")
    f.s("az login --service-principal -u " + uuid4() + " -p {} --tenant " + uuid4(), "azure-ad-client-secret")
    f.s("redis-cli -h redis-prod.internal -a {} info", "redis-uri-password")
    f.s("psql postgresql://postgres:{}@10.20.4.11/orders", "postgres-uri-password")
    f.s("http POST https://api.linear.app/graphql Authorization:{}", "linear-api-key")
    f.n("export VAULT_TOKEN={}", "env-reference", "$(vault print token)")
    f("history -c")

    f = File("docs/runbooks/credentials-handover-2024.md", "markdown")
    f("# Handover notes (Piotr -> Mo), Nov 2024", "", "Everything below should move to 1Password. Until then:", "",
      "| system | user | secret |", "|---|---|---|")
    f.s("| prod postgres | postgres | `{}` |", "generic-password")
    f.s("| grafana | admin | `{}` |", "generic-password")
    f.s("| jenkins | deploy-bot | `{}` |", "jenkins-api-token")
    f.s("| sonar | ci | `{}` |", "sonarqube-user-token")
    f.s("| octopus | api | `{}` |", "octopus-deploy-api-key")
    f.s("| terraform cloud | team token | `{}` |", "hashicorp-terraform-cloud-token")
    f.s("| vault | root (DR only) | `{}` |", "hashicorp-vault-service-token")
    f.s("| cloudflare | api token | `{}` |", "cloudflare-api-token")
    f.s("| pagerduty | api | `{}` |", "pagerduty-api-key")
    f.s("| shopify | admin api | `{}` |", "shopify-admin-access-token")
    f.s("| mailchimp | api | `{}` |", "mailchimp-api-key")
    f.s("| zendesk | support-bot | `{}` |", "zendesk-api-token")
    f.s("| okta | api | `{}` |", "okta-api-token")
    f.n("| aws | break-glass | `{}` |", "secret-store-reference", "see 1Password item 'AWS root (sealed envelope)'")
    f.n("| stripe | dashboard | `{}` |", "placeholder", "(ask finance)")

    f = File("services/billing-api/.env.staging", "dotenv")
    f("APP_ENV=staging")
    for key, fmt in [("STRIPE_SECRET_KEY", "stripe-secret-key"), ("STRIPE_WEBHOOK_SECRET", "stripe-webhook-secret"),
                     ("BRAINTREE_ACCESS_TOKEN", "braintree-access-token"), ("SQUARE_ACCESS_TOKEN", "square-access-token"),
                     ("GOCARDLESS_ACCESS_TOKEN", "gocardless-access-token"), ("PAYSTACK_SECRET_KEY", "paystack-secret-key"),
                     ("MOLLIE_API_KEY", "mollie-api-key"), ("SHIPPO_API_TOKEN", "shippo-api-token"), ("EASYPOST_API_KEY", "easypost-api-key")]:
        f.s(key + "={}", fmt)
    f.s("DATABASE_URL=postgresql://billing:{}@billing-db.staging.internal:5432/billing", "postgres-uri-password")
    f.n("STRIPE_PUBLISHABLE_KEY={}", "publishable-key", "pk_live_51" + rnd(AN, 97))

    f = File("deploy/legacy/heroku-config.txt", "text")
    f("=== tidewater-legacy-api Config Vars")
    for key, fmt in [("DATABASE_URL", None), ("REDIS_URL", None), ("CLOUDAMQP_URL", None),
                     ("SMTP_PASSWORD", "generic-password"), ("SENDGRID_API_KEY", "sendgrid-api-key"),
                     ("MAILGUN_API_KEY", "mailgun-api-key"), ("ADMIN_BASIC_AUTH_PASSWORD", "generic-password"),
                     ("SECRET_KEY_BASE", "rails-secret-key-base"), ("TWILIO_AUTH_TOKEN", "twilio-auth-token"),
                     ("AWS_ACCESS_KEY_ID", "aws-access-key-id"), ("AWS_SECRET_ACCESS_KEY", "aws-secret-access-key")]:
        if key == "DATABASE_URL":
            f.s(key.ljust(22) + "postgres://u" + rnd(LO + DG, 13) + ":{}@ec2-54-75-10-1.eu-west-1.compute.amazonaws.com:5432/d" + rnd(LO + DG, 13), "postgres-uri-password")
        elif key == "REDIS_URL":
            f.s(key.ljust(22) + "rediss://:{}@ec2-34-250-3-9.eu-west-1.compute.amazonaws.com:11269", "redis-uri-password")
        elif key == "CLOUDAMQP_URL":
            f.s(key.ljust(22) + "amqps://" + rnd(LO, 8) + ":{}@rattlesnake.rmq.cloudamqp.com/" + rnd(LO, 8), "amqp-uri-password")
        else:
            f.s(key.ljust(22) + "{}", fmt)
    f.n("HEROKU_APP_ID".ljust(22) + "{}", "uuid-identifier", uuid4())
    f.n("HEROKU_SLUG_COMMIT".ljust(22) + "{}", "hash", gitsha())

    f = File("logs/billing-api/2026-03-05-debug.log", "log")
    f("2026-03-05T08:00:00.000Z DEBUG http client tracing enabled")
    for host, hdr, fmt in [("api.stripe.com", "Authorization: Bearer {}", "stripe-secret-key"),
                           ("api.github.com", "Authorization: token {}", "github-server-to-server-token"),
                           ("api.sendgrid.com", "Authorization: Bearer {}", "sendgrid-api-key"),
                           ("api.openai.com", "Authorization: Bearer {}", "openai-project-key"),
                           ("api.datadoghq.eu", "DD-API-KEY: {}", "datadog-api-key"),
                           ("api.notion.com", "Authorization: Bearer {}", "notion-integration-token"),
                           ("slack.com", "Authorization: Bearer {}", "slack-bot-token")]:
        f.s("2026-03-05T08:0" + str(R.randint(0, 9)) + ":" + str(R.randint(10, 59)) + ".000Z DEBUG > POST https://" + host + " " + hdr, fmt)
    bu = b64("billing:" + S("generic-password"))
    f.s("2026-03-05T08:09:59.000Z DEBUG > GET https://erp.tidewater.internal/api/invoices Authorization: Basic {}", "basic-auth-credentials", bu, enc="base64")
    f.n("2026-03-05T08:10:00.000Z DEBUG > GET https://api.stripe.com/v1/balance Authorization: Bearer {}", "redacted", "sk_live_...redacted")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    build_infra()
    build_python_services()
    build_other_services()
    build_ci()
    build_home()
    build_scripts_docs()
    build_docs()
    build_more_leaks()
    build_filler()
    for path, f in FILES.items():
        full = os.path.join(OUT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", newline="\n") as fh:
            fh.write("\n".join(f.lines) + "\n")
    LABELS.sort(key=lambda r: (r["path"], r["line"]))
    with open(os.path.join(HERE, "labels.json"), "w") as fh:
        json.dump(LABELS, fh, indent=1)
        fh.write("\n")
    self_check()


def self_check():
    labels = json.load(open(os.path.join(HERE, "labels.json")))
    assert len(labels) == len(CHECKS)
    covered = {}
    seen = set()
    for path, line, val, end, endval, lab in CHECKS:
        lines = open(os.path.join(OUT, path)).read().split("\n")
        assert val in lines[line - 1], (path, line, val)
        assert (path, line) not in seen, ("duplicate label", path, line)
        seen.add((path, line))
        if end:
            assert endval in lines[end - 1], (path, end)
            for i in range(line, end + 1):
                covered.setdefault(path, set()).add(i)
        else:
            covered.setdefault(path, set()).add(line)
    # every secret value must sit only on labelled lines
    for path in FILES:
        lines = open(os.path.join(OUT, path)).read().split("\n")
        for i, ln in enumerate(lines, 1):
            if i in covered.get(path, ()):
                continue
            for v in SECRET_VALUES:
                if len(v) >= 8 and v in ln:
                    raise AssertionError(f"unlabelled secret value at {path}:{i}")
    for r in labels:
        assert set(r) <= {"path", "line", "label", "format", "kind", "syntax", "encoding", "end_line"}, r
        assert not any(p in ("test", "tests", "fixtures") for p in r["path"].split("/"))
    secret = [r for r in labels if r["label"] == "secret"]
    neg = [r for r in labels if r["label"] == "negative"]
    fmts = {r["format"] for r in secret}
    unused = sorted(set(F) - fmts)
    print(f"files={len(FILES)} labelled={len(labels)} secret={len(secret)} negative={len(neg)} "
          f"neg_share={len(neg) / len(labels):.1%} formats={len(fmts)}")
    if unused:
        print("unused formats:", unused)
    assert len(fmts) >= 120, len(fmts)
    assert 0.25 <= len(neg) / len(labels) <= 0.35, len(neg) / len(labels)
    print("self-check OK")


if __name__ == "__main__":
    main()
