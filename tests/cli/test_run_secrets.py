"""``scriptrunner run --secret``: real processes, a real OpenBao and moto, and every place a
value could end up (output, the history database's bytes, events, spans) checked for it."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

from fixtures.cli import cli_env, run_cli
from fixtures.otel import Receiver

# Fixtures: importing them registers openbao and aws_sm (tests/fixtures/vaults.py).
from fixtures.vaults import (
    AwsSm,
    Bao,
    aws_sm_fixture,  # noqa: F401
    openbao_fixture,  # noqa: F401
)

# Prints the secret to stdout in two flushed halves with a pause (so the runner reads it in
# two chunks), whole to stderr, base64-encoded, in an exception, and its digest to a file.
LEAKY = """\
import base64, hashlib, os, sys, time
value = os.environ["DB_PASSWORD"]
half = len(value) // 2
sys.stdout.write("password=" + value[:half]); sys.stdout.flush()
time.sleep(0.3)
sys.stdout.write(value[half:] + "\\n"); sys.stdout.flush()
print("stderr copy:", value, file=sys.stderr)
print("b64:", base64.b64encode(("user:" + value).encode()).decode())
print("argv:", sys.argv[1:])
with open(sys.argv[1], "w") as f:
    f.write(hashlib.sha256(value.encode()).hexdigest() + " " + os.environ["AWS_DB"])
raise SystemExit("fatal: could not log in with " + value)
"""


def home_bytes(home: Path) -> bytes:
    """Every byte scriptrunner stored (the database, its WAL, anything else)."""
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def database(home: Path) -> Path:
    return next(p for p in home.rglob("*") if p.suffix in (".db", ".sqlite", ".sqlite3"))


def test_secret_reaches_the_child_and_nothing_else(
    openbao: Bao, aws_sm: AwsSm, otlp_http_receiver: Receiver, tmp_path: Path
) -> None:
    value = openbao.values["app.password"]
    script = tmp_path / "leaky.py"
    script.write_text(LEAKY)
    home = tmp_path / "home"
    proof = tmp_path / "proof.txt"
    env = cli_env(
        SCRIPTRUNNER_HOME=str(home),
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_http_receiver.url,
        OTEL_BSP_SCHEDULE_DELAY="50",
        DB_PASSWORD="inherited-value-loses",
        **openbao.env(),
        **aws_sm.env(),
    )
    r = run_cli(
        "run",
        "--trace",
        "--json",
        "--secret",
        "DB_PASSWORD=vault://secret/app#password",
        "--secret",
        "AWS_DB=aws-sm://prod/db#password",
        str(script),
        str(proof),
        value,  # the user typed the value on the command line too
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stderr
    # The child got the real values (the secret won over the inherited variable).
    digest, aws_value = proof.read_text().split()
    assert digest == hashlib.sha256(value.encode()).hexdigest()
    assert aws_value == aws_sm.values["db.password"]

    # Output: masked live, whatever the chunking.
    assert value not in r.stdout and value not in r.stderr
    assert aws_sm.values["db.password"] not in r.stdout + r.stderr
    assert "stderr copy: ***" in r.stderr
    assert "fatal: could not log in with ***" in r.stderr
    summary = json.loads(r.stdout[r.stdout.index("{\n") :])
    assert "password=***" in summary["stdout_tail"]
    # base64("user:" + value): the characters that encode the value are masked.
    encoded = base64.b64encode(("user:" + value).encode()).decode()
    assert encoded not in r.stdout and "b64: dXNlcjp***" in summary["stdout_tail"]
    assert summary["command"][-1] == "***"

    # History: no table holds it (checked on the raw bytes of every stored file).
    spans = otlp_http_receiver.wait_for(1)
    stored = home_bytes(home)
    assert value.encode() not in stored
    assert aws_sm.values["db.password"].encode() not in stored
    with sqlite3.connect(database(home)) as db:
        tail, command = db.execute("select stdout_tail, command from runs").fetchone()
        events = [row[0] for row in db.execute("select payload from events")]
        span_rows = db.execute("select count(*) from spans").fetchone()[0]
    assert "password=***" in tail and "***" in command
    assert events and not any(value in e for e in events)
    assert span_rows >= 1  # the spans table was written, and the bytes check covered it
    # Spans sent to the collector.
    assert value not in repr(spans)
    assert spans[0].attributes["scriptrunner.args"][-1] == "***"


def test_a_secret_that_cannot_be_fetched_stops_the_run(openbao: Bao, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), **openbao.env())
    r = run_cli(
        "run",
        "--secret",
        "OK=vault://secret/app#password",
        "--secret",
        "DB_PASSWORD=vault://secret/app#nope",
        "--",
        "touch",
        str(marker),
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 2
    assert not marker.exists()
    assert "secret DB_PASSWORD could not be resolved: vault://secret/app#nope" in r.stderr
    assert "fields: password, user" in r.stderr
    assert openbao.values["app.password"] not in r.stderr + r.stdout
    assert not home.exists() or not any(home.rglob("*.db")) or b"touch" not in home_bytes(home)


def test_secret_clashing_with_env_is_refused(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    r = run_cli(
        "run", "--env", "X=1", "--secret", "X=vault://secret/app#pw", "--", "true",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2
    assert "X is set by both --env and --secret" in r.stderr


def test_bad_reference_is_refused_before_anything(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    r = run_cli("run", "--secret", "X=vault:/oops", "--", "true", env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert "X: secret reference 'vault:/oops': expected one of vault://" in r.stderr
