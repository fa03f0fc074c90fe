"""The decoding pass (``decoding.py``, ``unwrap.py``) and what a match's place says about it
(``context.py``, near misses in ``literals.py``).

Wrapped credentials are reported under the decoded rule's id, at the wrapped value's line and
columns, with ``encoding`` set; wrapped placeholders stay silent; a token found inside test
fixtures is one level less sure, and one whose name says it is fake is LOW.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets import decoding
from scriptrunner.scanners.secrets.context import is_test_path
from scriptrunner.scanners.secrets.engine import engine, scan_text
from scriptrunner.scanners.secrets.report import to_findings


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def jwt(seed: int) -> str:
    return expand("{jwt}", seed)


SLACK = "xoxb-{digits:12}-{digits:13}-{alnum:24}"
WRAPPED = [
    # (path, line template with {wrapped}, plain template, rule id)
    ("k8s/secret.yaml", "  chat-bot: {wrapped}", SLACK, "slack-token"),
    ("app.env", "SESSION_COOKIE_B64={wrapped}", "{jwt}", "jwt"),
    ("notes.md", "Paste `session={wrapped}` into the cookie jar.", "{jwt}", "jwt"),
    ("app.env", "MAILER_DSN_B64={wrapped}", "postgresql://mailer:{alnum:18}@db.internal/mail", "database-url"),
    ("ci.yml", "  tls_key_b64: {wrapped}", "-----BEGIN RSA PRIVATE KEY-----\n{b64:64}\n{b64:64}\n", "private-key"),
    ("Config.swift", 'static let basicAuthValue = "{wrapped}"', "ci-bot:{pw:20}", "generic-password"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "line", "plain", "rule_id"), WRAPPED)
def test_base64_wrapped_credentials_are_found_as_what_they_wrap(
    path: str, line: str, plain: str, rule_id: str
) -> None:
    for seed in range(3):
        wrapped = b64(expand(plain, seed))
        text = "# header\n" + line.replace("{wrapped}", wrapped) + "\n"
        found = [m for m in scan_text(text, path) if m.rule_id == rule_id]
        assert found, f"{text!r}: {scan_text(text, path)}"
        [m] = found
        assert (m.line, m.encoding) == (2, "base64")
        assert text.split("\n")[1][m.start_column - 1 : m.end_column - 1] == wrapped


def test_base64_twice_is_found_and_three_times_is_not() -> None:
    token = jwt(4)
    twice = b64(b64(token))
    [m] = scan_text(f"cookie: {twice}\n", "app.log")
    assert (m.rule_id, m.encoding) == ("jwt", "base64+base64")
    assert not scan_text(f"cookie: {b64(twice)}\n", "app.log")


def test_url_encoded_credentials_are_found_at_their_escaped_place() -> None:
    dsn = expand("postgresql://etl:{alnum:16}@warehouse.internal:5432/dw", 3)
    hook = expand("https://hooks.slack.com/services/T{UPPER:8}/B{UPPER:8}/{alnum:24}", 3)
    text = (
        f"2025-01-01 DEBUG connect dsn={quote(dsn, safe='')}\n"
        f"2025-01-01 DEBUG notify target={quote(hook, safe='')}&retries=3\n"
    )
    found = {(m.line, m.rule_id, m.encoding) for m in scan_text(text, "worker.log")}
    assert found == {(1, "database-url", "url"), (2, "slack-webhook", "url")}
    [db] = [m for m in scan_text(text, "worker.log") if m.line == 1]
    password = dsn.split(":")[2].split("@")[0]
    assert text.split("\n")[0][db.start_column - 1 : db.end_column - 1] == password


NOT_WRAPPED_SECRETS = [
    "DB_PASSWORD_B64={wrapped:password}",
    "SIGNING_KEY_BASE64={wrapped:0123456789abcdef0123456789abcdef}",
    "client_secret: {wrapped:WeAreNotTelling}",
    "bot-token: {wrapped:xoxb-12345-abcd234}",
    "logo: {wrapped:just a line of prose that happens to be encoded}",
]


@pytest.mark.parametrize("template", NOT_WRAPPED_SECRETS)
def test_wrapped_placeholders_and_near_misses_are_silent(template: str) -> None:
    head, _, rest = template.partition("{wrapped:")
    text = head + b64(rest[:-1]) + "\n"
    assert not [m for m in scan_text(text, "deploy/secret.yaml") if m.confidence != "LOW"]


def test_a_percent_in_a_password_is_not_an_escape() -> None:
    assert decoding.url_decoded("Marble%4550summit") is None
    assert decoding.url_decoded("a%2Fb") == ("a/b", [0, 1, 4, 5])


def test_wrapped_findings_say_how_they_were_wrapped() -> None:
    text = "token: " + b64(expand(SLACK, 1)) + "\n"
    [finding] = to_findings("k8s.yaml", scan_text(text, "k8s.yaml"))
    assert finding.properties["encoding"] == "base64"
    assert "(base64-encoded)" in finding.message


def test_decoding_is_cheap_when_nothing_decodes() -> None:
    blob = base64.b64encode(bytes(range(256)) * 12).decode()  # binary: decodes to no text
    lines = [f"  image{i}: {blob[:4000]}" for i in range(300)]
    lines += [f"token_{i}: {b64('x' * 40)[:4000]}" for i in range(300)]
    text = "\n".join(lines)
    engine()
    t0 = time.process_time()
    assert not [m for m in scan_text(text, "data.yaml") if m.confidence != "LOW"]
    assert time.process_time() - t0 < 1.0


def test_base64_keywords_are_what_blobs_start_with() -> None:
    once, twice = decoding.b64_keywords(["eyJ"])
    assert b64(jwt(1)).lower().startswith(once)
    assert b64(b64(jwt(1))).lower().startswith(twice)
    assert decoding.b64_keywords(["T"]) == ()  # too short to look for


# -- where a match is ------------------------------------------------------------------------


def test_test_fixtures_lower_confidence_by_one_level() -> None:
    line = expand('ADMIN_API_TOKEN = "{alnum:40}"\n', 2)
    [plain] = scan_text(line, "app/settings.py")
    [fixture] = scan_text(line, "app/tests/test_settings.py")
    assert (plain.confidence, fixture.confidence) == ("HIGH", "MEDIUM")
    assert is_test_path("pkg/client_test.go") and is_test_path("web/src/api.spec.ts")
    assert is_test_path("src/test/resources/app.properties") and is_test_path(".env.example")
    assert not is_test_path("src/contest/app.py") and not is_test_path("latest/app.py")


@pytest.mark.parametrize("name", ["FAKE_API_TOKEN", "dummyApiToken", "mock_api_token"])
def test_values_named_fake_are_low(name: str) -> None:
    [m] = scan_text(expand(f'{name} = "{{alnum:40}}"\n', 3), "app/settings.py")
    assert m.confidence == "LOW"


def medium_plus(text: str, path: str) -> list[str]:
    return [m.rule_id for m in scan_text(text, path) if m.confidence != "LOW"]


def test_a_provider_prefix_of_the_wrong_shape_is_a_near_miss() -> None:
    short = expand('SLACK_BOT_TOKEN = "xoxb-{alnum:20}"', 1)  # no team/user ids: not Slack's
    assert not medium_plus(short, "app/settings.py")
    bearer = expand('curl -H "Authorization: Bearer AKIA{alnum:12}" https://x.example', 1)
    assert not medium_plus(bearer, "run.sh")
    other = expand('RELAY_TOKEN = "rly_{alnum:40}"', 1)  # a prefix no rule knows: generic
    assert [m.rule_id for m in scan_text(other, "app/settings.py")] == ["generic-secret"]


def test_json_credentials_inside_base64_are_found() -> None:
    doc = {"auths": {"registry.example.com": {"auth": b64(expand("ci:{pw:20}", 2))}}}
    text = ".dockerconfig: " + b64(json.dumps(doc)) + "\n"
    assert any(m.encoding == "base64" for m in scan_text(text, "secret.yaml"))


def test_a_keyword_starting_inside_another_is_not_hidden() -> None:
    from scriptrunner.scanners.secrets.prefilter import Prefilter

    prefilter = Prefilter([(("vendor_admin",), False), (("admin_key",), False)])
    for text in ("VENDOR_ADMIN_KEY=x", "vendor_admin_key=x\u00e9"):  # RE2 and Aho-Corasick
        assert {rule for _, rule in prefilter.hits(text)} == {0, 1}


def test_a_keyword_overlapping_itself_is_found_everywhere_in_linear_time() -> None:
    """X bearer tokens start with 21 ``A``: in a run of ``A`` the keyword starts at every
    place.  Looking for hidden keywords recursively here was exponential (a 52-character
    counterexample never finished) and overflowed the stack on long runs."""
    import time

    from scriptrunner.scanners.secrets.prefilter import Prefilter

    prefilter = Prefilter([(("a" * 21,), False)])
    for text in ("A" * 200_000, "A" * 200_000 + "\u00e9"):  # RE2 and Aho-Corasick
        t0 = time.process_time()
        assert sum(1 for _ in prefilter.hits(text)) == 200_000 - 20
        assert time.process_time() - t0 < 2.0
