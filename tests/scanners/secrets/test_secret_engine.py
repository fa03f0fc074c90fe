"""The engine: lines and columns, pragmas, overlaps, both prefilter paths, hostile input."""

from __future__ import annotations

import time

import pytest
from secret_samples import expand

from scriptrunner.scanners.secrets.allowlist import pragma_on
from scriptrunner.scanners.secrets.engine import Secret, scan_text
from scriptrunner.scanners.secrets.entropy import charset, looks_random, random_floor, shannon
from scriptrunner.scanners.secrets.redact import redact


def test_line_and_columns_point_at_the_secret() -> None:
    token = expand("ghp_{gh:36}")
    text = f"import os\n\nTOKEN = '{token}'  # deploy\n"
    [m] = scan_text(text, "app.py")
    assert (m.rule_id, m.line, m.end_line) == ("github-token", 3, 3)
    line = text.splitlines()[2]
    assert line[m.start_column - 1 : m.end_column - 1] == token
    assert m.confidence == "HIGH" and m.redacted == "ghp_***"


def test_private_key_is_reported_at_its_begin_line() -> None:
    text = expand(
        "x = 1\n-----BEGIN RSA PRIVATE KEY-----\n{b64:64}\n{b64:64}\n-----END RSA PRIVATE KEY-----\n"
    )
    [m] = scan_text(text, "id_rsa")
    assert (m.rule_id, m.line, m.end_line, m.start_column) == ("private-key", 2, 3, 1)


def test_service_account_key_wins_over_the_private_key_it_contains() -> None:
    text = (
        expand(
            '{{\n  "type": "service_account",\n  "private_key_id": "{hex:40}",\n'
            '  "private_key": "-----BEGIN PRIVATE KEY-----\\n{b64:64}\\n-----END PRIVATE KEY-----\\n",\n'
            '  "client_email": "x@p.iam.gserviceaccount.com"\n}}\n'
        )
        .replace("{{", "{")
        .replace("}}", "}")
    )
    found = [(m.rule_id, m.line) for m in scan_text(text, "sa.json")]
    assert found == [("gcp-service-account", 4)]


@pytest.mark.parametrize(
    "comment",
    [
        "# scriptrunner:allow-secret",
        "# gitleaks:allow",
        "// pragma: allowlist secret",
        "/* gitleaks:allow */",
        "-- pragma: allowlist secret",
        "<!-- scriptrunner:allow-secret -->",
    ],
)
def test_inline_pragma_suppresses_but_keeps_the_finding(comment: str) -> None:
    text = expand("TOKEN = 'ghp_{gh:36}' ") + comment + "\n"
    [m] = scan_text(text, "app.py")
    assert m.pragma is not None and m.rule_id == "github-token"


def test_nextline_pragma_applies_to_the_next_line_only() -> None:
    text = expand("# pragma: allowlist nextline secret\nA = 'ghp_{gh:36}'\nB = 'ghp_{gh:36}'\n")
    found = [(m.line, m.pragma is not None) for m in scan_text(text, "app.py")]
    assert found == [(2, True), (3, False)]
    assert pragma_on("x = 1", None) is None


def test_non_ascii_text_finds_the_same_secrets() -> None:
    body = expand(
        'api = "AIza{url:35}"\npassword = "{pw:14}"\n'
        "DATABASE_URL=postgres://app:{alnum:16}@db/app\n"
    )
    ascii_found = [(m.rule_id, m.line, m.start_column) for m in scan_text(body, "a.env")]
    text = "# Grüße, İstanbul, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n" + body
    other = [(m.rule_id, m.line - 1, m.start_column) for m in scan_text(text, "a.env")]
    assert ascii_found == other and len(other) == 3


@pytest.mark.parametrize(
    ("hostile", "path"),
    [
        pytest.param("eyJ" * 200_000, "evil.txt", id="jwt"),
        pytest.param("a=" * 200_000, "evil.txt", id="assign"),
        pytest.param("password=" + "x" * 400_000, "evil.txt", id="long-value"),
        pytest.param("postgres://" + ":" * 200_000, "evil.txt", id="url"),
        pytest.param("-----BEGIN RSA PRIVATE KEY-----" * 20_000, "evil.txt", id="pem"),
        pytest.param("https://" + "a:" * 200_000 + "@", "evil.txt", id="auth-url"),
        pytest.param("secret_key = '" + "A" * 300_000, "evil.txt", id="unclosed"),
        pytest.param(("token " * 50_000) + "\n", "evil.txt", id="many-hits"),
        # One long line of code: each pair must not look back to the line start again.
        pytest.param("token = a ||" * 50_000, "evil.py", id="fallback"),
        pytest.param('("token", "' * 50_000, "evil.py", id="call"),
        pytest.param("password: str " * 50_000, "evil.py", id="annotation"),
        pytest.param("token=a(" * 50_000, "evil.py", id="nested-calls"),
        pytest.param('key="secret" value="' * 30_000, "evil.xml", id="xml"),
        pytest.param("--password " * 50_000, "evil.sh", id="flags"),
        pytest.param("ENV TOKEN x\n" * 50_000, "Dockerfile", id="env"),
        pytest.param('"source": [\n"password=x\\n",\n' * 30_000, "evil.ipynb", id="notebook"),
    ],
)
def test_pathological_input_finishes_quickly(hostile: str, path: str) -> None:
    t0 = time.perf_counter()
    scan_text(hostile, path)
    assert time.perf_counter() - t0 < 3.0


def test_a_text_dense_with_keywords_is_prefiltered_quickly_on_both_paths() -> None:
    """Every keyword back to back, 1 MB on one line: each path stays linear and fast (RE2's
    DFA with its default 8 MiB budget rebuilt its states over and over here: ~4 s)."""
    import copy

    from scriptrunner.scanners.secrets.engine import engine

    fast = engine().prefilter
    slow = copy.copy(fast)
    slow._re2 = None
    text = "".join(fast.keywords) * (1_000_000 // sum(map(len, fast.keywords)) + 1)
    for pf in (fast, slow):
        t0 = time.process_time()
        assert sum(1 for _ in pf.hits(text)) > 100_000
        assert time.process_time() - t0 < 1.5


def test_secret_value_type_never_shows_itself() -> None:
    value = expand("sk_live_{alnum:32}")
    s = Secret(value)
    assert value not in repr(s) and value not in str(s) and s.reveal() == value
    [m] = scan_text(f"key = '{value}'", "a.py")
    assert value not in repr(m)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("AKIAABCDEFGHIJKLMNOP", "AKIA***"), ("hunter22", "***"), ("", "***"), ("abcdefghijk", "***")],
)
def test_redact_keeps_four_characters_of_long_values_only(value: str, shown: str) -> None:
    assert redact(value) == shown


def test_entropy_thresholds_separate_random_from_words() -> None:
    assert shannon("") == 0.0 and shannon("aaaa") == 0.0 and shannon("ab") == 1.0
    assert charset("deadbeef") == "hex" and charset("AbC1") == "alnum"
    assert charset("a+b/") == "base64" and charset("a!b") == "any"
    assert random_floor("hex", 64) > random_floor("hex", 16)
    for seed in range(20):
        assert looks_random(expand("{alnum:32}", seed))
        assert looks_random(expand("{hex:40}", seed))
    for word in ("get_random_secret_key", "correcthorsebatterystaple", "aaaaaaaaaaaaaaaa"):
        assert not looks_random(word)


@pytest.mark.parametrize(
    ("path", "template", "rule_id"),
    [
        ("nb.ipynb", '    "password = \\"{pw:14}\\"\\n",', "generic-password"),
        ("main.tf", 'resource "x" "y" {{\n  password = "{pw:16}"\n}}', "generic-password"),
        ("Dockerfile", "ENV DB_PASSWORD={pw:14}", "generic-password"),
        (
            "db.py",
            'psycopg2.connect("dbname=app user=app password={pw:14} host=db")',
            "generic-password",
        ),
        ("Db.cs", 'var cs = "Server=db;User Id=sa;Password={pw:14};";', "generic-password"),
        ("app.js", "const config = {{ apiKey: '{alnum:32}' }};", "generic-secret"),
        ("x.properties", "spring.datasource.password={pw:14}", "generic-password"),
        (".env", "DJANGO_SECRET_KEY={django:50}", "encryption-key"),
        ("values.yaml", "auth:\n  token: {alnum:40}", "generic-secret"),
    ],
)
def test_assignment_formats_of_many_languages(path: str, template: str, rule_id: str) -> None:
    text = expand(template, 11).replace("{{", "{").replace("}}", "}")
    assert [m.rule_id for m in scan_text(text, path)] == [rule_id]


def test_re2_and_aho_corasick_prefilters_trigger_the_same_rules_per_line() -> None:
    import copy
    from pathlib import Path

    from scriptrunner.scanners.secrets.engine import engine
    from scriptrunner.scanners.secrets.prefilter import Prefilter

    fast = engine().prefilter
    slow = copy.copy(fast)
    slow._re2 = None
    texts = [expand(t, 2) for r in engine().pattern_rules for t in r.examples]
    texts.append(Path(__file__).read_text())

    def per_line(pf: Prefilter, text: str) -> set[tuple[int, int]]:
        return {(text.count("\n", 0, start), rule) for start, rule in pf.hits(text)}

    for text in texts:
        assert per_line(fast, text) == per_line(slow, text), text[:80]
