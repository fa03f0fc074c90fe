"""Provider-issued credentials: each has a prefix or shape the provider chose, so a match is
strong evidence on its own (confidence HIGH) once placeholders are ruled out.

Sample values in ``examples`` are templates (``{hex:32}`` = 32 random hex digits) that the
rule test fills with random characters, so this file holds no secret-shaped literals for
other scanners to trip over.
"""

from __future__ import annotations

import re

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.checksums import grade_crc32_base62, grade_pypi
from scriptrunner.scanners.secrets.rules.model import (
    ASSIGN,
    TOKEN_END,
    TOKEN_END_DASH,
    TOKEN_START,
    TOKEN_START_DASH,
    Rule,
)

PROVIDER_RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-access-key-id",
        title="AWS access key ID",
        keywords=("akia", "asia", "abia", "acca"),
        keyword_boundary=True,
        pattern=r"(?<![A-Za-z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])",
        min_entropy=3.0,
        allow=(r"EXAMPLE$",),
        examples=("aws_access_key_id = AKIA{aws:16}", 'key = "ASIA{aws:16}"'),
        counterexamples=("AKIAIOSFODNN7EXAMPLE", "AKIA{aws:15}", "xAKIA{aws:16}"),
    ),
    Rule(
        id="aws-secret-access-key",
        title="AWS secret access key",
        keywords=(
            "aws_secret",
            "aws-secret",
            "awssecret",
            "secret_access_key",
            "secretaccesskey",
            "secret-access-key",
        ),
        pattern=r"(?:aws[_.-]?secret(?:[_.-]?access)?(?:[_.-]?key)?|secret[_.-]?access[_.-]?key)"
        + ASSIGN
        + r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        flags=re.IGNORECASE,
        min_entropy=3.8,
        allow=(r"EXAMPLEKEY$",),
        examples=(
            "aws_secret_access_key = {b64:40}",
            'AWS_SECRET="{b64:40}"',
            '"SecretAccessKey": "{b64:40}",',
            'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "{b64:40}")',
            'aws_secret_key           = "{b64:40}"',
            "ENV AWS_SECRET_ACCESS_KEY {b64:40}",
            'app-cli login --aws-secret-access-key "{b64:40}"',
        ),
        counterexamples=(
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
            'aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]',
        ),
    ),
    Rule(
        id="aws-secret-access-key",
        title="AWS secret access key",
        # A credentials CSV or a one-line pair: the key ID followed by its secret.
        keywords=("akia", "asia"),
        keyword_boundary=True,
        pattern=r"(?:AKIA|ASIA)[A-Z2-7]{16}[\s,;:|\"'=]{1,6}(?P<secret>[A-Za-z0-9/+]{40})"
        r"(?![A-Za-z0-9/+=])",
        min_entropy=3.8,
        allow=(r"EXAMPLEKEY$",),
        examples=("AKIA{aws:16},{b64:40}",),
        counterexamples=(
            "AKIA{aws:16},{b64:39}",
            "AKIA{aws:16},wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ),
    Rule(
        id="aws-secret-access-key",
        title="AWS secret access key",
        keywords=("secret",),
        pattern=r"secret" + ASSIGN + r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        flags=re.IGNORECASE,
        min_entropy=3.8,
        context=("aws", "akia", "boto"),
        context_lines=10,
        allow=(r"EXAMPLEKEY$",),
        examples=('import boto3\nclient = boto3.client("s3", secret_key="{b64:40}")',),
        counterexamples=('secret_key = "{b64:40}"',),
    ),
    Rule(
        id="gcp-service-account",
        title="GCP service account key",
        keywords=("private_key",),
        pattern=r"private_key\\?[\"']\s*:\s*\\?[\"']-----BEGIN (?:RSA )?PRIVATE KEY-----"
        r"(?:\\\\?[nr]|\s){1,4}(?P<secret>[A-Za-z0-9+/=]{40,4096})",
        context=("service_account",),
        context_lines=-1,
        priority=40,
        report_at_match=True,
        examples=(
            '{\n  "type": "service_account",\n  "project_id": "demo",\n'
            '  "private_key": "-----BEGIN PRIVATE KEY-----\\n{b64:64}\\n{b64:64}\\n'
            '-----END PRIVATE KEY-----\\n",\n}',
        ),
        counterexamples=('"private_key": "-----BEGIN PRIVATE KEY-----\\n{b64:64}\\n"',),
    ),
    Rule(
        id="azure-storage-key",
        title="Azure storage account key",
        keywords=("accountkey", "account_key", "account-key", "storage_key", "storagekey"),
        pattern=r"(?:AccountKey=|(?:storage[_.-]?(?:account[_.-]?)?key|account[_.-]?key)"
        + ASSIGN
        + r")(?P<secret>[A-Za-z0-9+/]{86}==)",
        flags=re.IGNORECASE,
        min_entropy=4.0,
        examples=(
            "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey={b64:86}==;"
            "EndpointSuffix=core.windows.net",
            'AZURE_STORAGE_ACCOUNT_KEY = "{b64:86}=="',
        ),
        counterexamples=("AccountKey={b64:40}==;",),
    ),
    Rule(
        id="azure-storage-key",
        title="Azure shared access key",
        keywords=("sharedaccesskey=",),
        pattern=r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{42,43}=)",
        flags=re.IGNORECASE,
        min_entropy=4.0,
        severity=Severity.HIGH,
        examples=("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey={b64:43}=",),
        counterexamples=("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey={b64:30}=",),
    ),
    Rule(
        id="digitalocean-token",
        title="DigitalOcean token",
        keywords=("dop_v1_", "doo_v1_", "dor_v1_"),
        pattern=TOKEN_START + r"(?P<secret>do[opr]_v1_[a-f0-9]{64})" + TOKEN_END,
        min_entropy=3.0,
        examples=('DO_TOKEN="dop_v1_{hex:64}"',),
        counterexamples=("dop_v1_{hex:63}",),
    ),
    Rule(
        id="heroku-api-key",
        title="Heroku API key",
        keywords=("heroku",),
        lines_before=1,
        lines_after=3,
        pattern=r"(?:heroku[\w.-]{0,40}|password|token|key)"
        + ASSIGN.replace(r"(?:=>|:=|[:=])", r"(?:=>|:=|[:=]|\s)")
        + r"(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        r"(?![0-9a-f-])",
        flags=re.IGNORECASE,
        severity=Severity.CRITICAL,
        examples=(
            "HEROKU_API_KEY={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",
            "machine api.heroku.com\n  login me@example.com\n"
            "  password {hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",
            'heroku_key               = "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"',
            'os.environ.setdefault("HEROKU_API_TOKEN", "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}")',
            '<add key="HerokuApiToken" value="{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}" />',
            "<herokuApiKey>{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}</herokuApiKey>",
        ),
        counterexamples=('request_id = "{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}"',),
    ),
    Rule(
        id="heroku-api-key",
        title="Heroku API key",
        keywords=("hrku-",),
        pattern=TOKEN_START_DASH + r"(?P<secret>HRKU-[A-Za-z0-9_-]{60})" + TOKEN_END_DASH,
        min_entropy=3.5,
        examples=("HRKU-{url:60}",),
        counterexamples=("HRKU-{url:59}", "HRKU-{url:61}"),
    ),
    Rule(
        id="github-token",
        title="GitHub token",
        keywords=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        pattern=TOKEN_START
        + r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{82,250})"
        + TOKEN_END,
        min_entropy=3.5,
        # 36-character bodies end in a CRC32 checksum (checksums.py): LOW when it fails.
        grade=grade_crc32_base62,
        examples=(
            "GITHUB_TOKEN=ghp_{gh:36}",
            "gho_{gh:36}",
            'token: "github_pat_{alnum:22}_{alnum:59}"',
        ),
        counterexamples=("ghp_{alnum:35}", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ),
    Rule(
        id="gitlab-token",
        title="GitLab token",
        # GitLab's documented token prefixes ("Token prefixes" in the GitLab security docs).
        keywords=(
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glsoat-",
            "glcbt-",
            "glimt-",
            "gloas-",
            "glft-",
            "glffct-",
            "glagent-",
        ),
        pattern=TOKEN_START
        + r"(?P<secret>(?:glpat|gldt|glrt|glptt|glsoat|glcbt|glimt|gloas|glft|glffct|glagent)"
        r"-[A-Za-z0-9_-]{20,64}"
        r"(?:\.[0-9a-z]{2}\.[a-z0-9]{9})?)" + TOKEN_END_DASH,
        min_entropy=3.0,
        examples=("CI_TOKEN=glpat-{url:20}", "gldt-{url:20}", "glft-{url:20}", "glagent-{url:50}"),
        counterexamples=("glpat-{url:19}",),
    ),
    Rule(
        id="gitlab-token",
        title="GitLab runner registration token",
        keywords=("gr1348941",),
        pattern=TOKEN_START + r"(?P<secret>GR1348941[A-Za-z0-9_-]{20})" + TOKEN_END_DASH,
        min_entropy=3.0,
        examples=("registration-token: GR1348941{url:20}",),
        counterexamples=("GR1348941{url:12}",),
    ),
    Rule(
        id="npm-token",
        title="npm access token",
        keywords=("npm_",),
        keyword_boundary=True,
        pattern=TOKEN_START + r"(?P<secret>npm_[A-Za-z0-9]{36})" + TOKEN_END,
        min_entropy=3.5,
        grade=grade_crc32_base62,
        examples=("//registry.npmjs.org/:_authToken=npm_{gh:36}",),
        counterexamples=("npm_{alnum:35}", "my_npm_{alnum:36}"),
    ),
    Rule(
        id="npm-token",
        title="npm access token",
        keywords=("_authtoken",),
        pattern=r"_authToken\s{0,3}=\s{0,3}[\"']?(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}"
        r"-[0-9a-f]{4}-[0-9a-f]{12})",
        examples=("//registry.npmjs.org/:_authToken={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("//registry.npmjs.org/:_authToken=${NPM_TOKEN}",),
    ),
    Rule(
        id="pypi-token",
        title="PyPI upload token",
        keywords=("pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"),
        pattern=TOKEN_START_DASH
        + r"(?P<secret>pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000})"
        + TOKEN_END_DASH,
        # A v2 macaroon (checksums.py): HIGH when it parses, MEDIUM otherwise.
        grade=grade_pypi,
        examples=("password = pypi-AgEIcHlwaS5vcmc{url:70}", "password = {pypi:40}"),
        counterexamples=("pypi-AgEIcHlwaS5vcmc{url:20}",),
    ),
)

__all__ = ["PROVIDER_RULES"]
