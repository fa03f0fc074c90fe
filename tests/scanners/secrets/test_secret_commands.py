"""Credentials on command lines (``rules/commands.py`` and the generic flag syntax): every tool
form the issue names is found at the secret's columns, and the same command with a variable,
a prompt or a placeholder is silent."""

from __future__ import annotations

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.engine import scan_text

FOUND = [
    "curl -u ci-bot:«{pw:20}» https://ci.example.com/api/builds",
    "curl --user 'ci-bot:«{pw:20}»' https://ci.example.com/api/builds",
    "curl -fsSu ci-bot:«{pw:20}» https://ci.example.com/api/builds",
    'curl -su "«{alnum:40}»:" https://api.example.com/v1/account',
    'curl -H "Authorization: Bearer «{alnum:40}»" https://api.example.com/v1/me',
    'curl -H "Authorization: Token «{alnum:40}»" https://api.example.com/v1/me',
    'curl -H "Authorization: Basic «YnVpbGRlcjpSNW5xLVcyenQ4LVlwNGs=»" https://x.example/',
    'curl -H "X-Relay-ApiKey: «{alnum:40}»" https://api.example.com/v1/me',
    'curl -H "X-API-Key: «{alnum:40}»" https://api.example.com/v1/me',
    "wget --password=«{pw:20}» https://files.example.com/a.tgz",
    "wget --http-password '«{pw:20}»' https://files.example.com/a.tgz",
    "http -a ci-bot:«{pw:20}» GET https://api.example.com/me",
    "http GET https://api.example.com/me 'Authorization:Bearer «{alnum:40}»'",
    "mysql -h db -u root -p«{pw:20}» shop",
    "mysql -h db -u root --password=«{pw:20}» shop",
    "psql postgresql://etl:«{alnum:18}»@db.internal:5432/dw -c 'select 1'",
    "PGPASSWORD=«{pw:20}» psql -h db -U etl dw",
    "docker login -u builder -p «{pw:24}» registry.example.com",
    "docker login -u builder --password «{pw:24}» registry.example.com",
    "sshpass -p '«{pw:18}»' ssh deploy@10.0.0.5",
    "redis-cli -h cache -a «{pw:22}» PING",
]


@pytest.mark.parametrize("template", FOUND)
def test_command_line_credentials_are_found(template: str) -> None:
    for seed in range(3):
        filled = expand(template, seed)
        a, b = filled.index("«"), filled.index("»")
        text, secret = filled.replace("«", "").replace("»", ""), filled[a + 1 : b]
        found = [m for m in scan_text(text, "deploy.sh") if m.confidence != "LOW"]
        assert [m.secret.reveal() for m in found] == [secret], f"{text!r}: {found}"
        [m] = found
        assert text[m.start_column - 1 : m.end_column - 1] == secret


SILENT = [
    'curl -u "$CI_USER:$CI_PASSWORD" https://ci.example.com',
    "curl -u $API_KEY: https://api.example.com",
    'curl -H "Authorization: Token $API_TOKEN" https://api.example.com',
    'curl -H "Authorization: Basic $(echo -n u:p | base64)" https://x.example/',
    'curl -H "X-API-Key: <your-api-key>" https://api.example.com/v1/me',
    "wget --password=$FILES_PASSWORD https://files.example.com/a.tgz",
    "http -a ci-bot:changeme GET https://api.example.com/me",
    "mysql -h db -u root -p shop",
    'mysql -u root -p"${MYSQL_PASSWORD}" shop',
    "PGPASSWORD=$PGPASS psql -h db -U etl dw",
    "docker login -u builder --password-stdin registry.example.com",
    'sshpass -p "$SSHPASS" ssh deploy@10.0.0.5',
    "redis-cli -a $REDIS_PASSWORD PING",
]


@pytest.mark.parametrize("text", SILENT)
def test_commands_without_a_literal_secret_are_silent(text: str) -> None:
    assert not [m for m in scan_text(text, "deploy.sh") if m.confidence != "LOW"]
