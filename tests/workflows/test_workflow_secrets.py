"""Workflow ``secrets:``: checked at load, fetched at start from a real OpenBao and moto,
given to each task only as declared, and masked in outputs, history, events and spans."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.otel import Receiver

# Fixtures: importing them registers openbao and aws_sm (tests/fixtures/vaults.py).
from fixtures.vaults import (
    AwsSm,
    Bao,
    aws_sm_fixture,  # noqa: F401
    openbao_fixture,  # noqa: F401
)
from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.loader import parse_workflow
from scriptrunner.workflows.schema import workflow_schema

WORKFLOW = """\
name: with-secrets
secrets:
  DB_PASSWORD: vault://secret/app#password
tasks:
  produce:
    run: python3 produce.py
  consume:
    needs: produce
    secrets:
      AWS_DB: aws-sm://prod/db#password
    run: python3 consume.py "${{ needs.produce.outputs.token }}" "${{ secrets.DB_PASSWORD }}"
"""

PRODUCE = """\
import hashlib, os
value = os.environ["DB_PASSWORD"]
print("producing with", value)
with open(os.environ["SCRIPTRUNNER_OUTPUT"], "a") as f:
    f.write("token=" + value + "\\n")
with open("produce.proof", "w") as f:
    f.write(hashlib.sha256(value.encode()).hexdigest() + " " + str("AWS_DB" in os.environ))
"""

CONSUME = """\
import hashlib, os, sys
from_output, from_expression = sys.argv[1], sys.argv[2]
with open("consume.proof", "w") as f:
    f.write(" ".join([
        from_output,
        hashlib.sha256(from_expression.encode()).hexdigest(),
        hashlib.sha256(os.environ["AWS_DB"].encode()).hexdigest(),
    ]))
print("consumed", from_expression, os.environ["AWS_DB"])
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write(tmp_path: Path, workflow: str = WORKFLOW) -> None:
    (tmp_path / "wf.yaml").write_text(workflow)
    (tmp_path / "produce.py").write_text(PRODUCE)
    (tmp_path / "consume.py").write_text(CONSUME)


def test_secrets_are_injected_per_task_and_masked_everywhere(
    openbao: Bao, aws_sm: AwsSm, otlp_http_receiver: Receiver, tmp_path: Path
) -> None:
    write(tmp_path)
    value, aws_value = openbao.values["app.password"], aws_sm.values["db.password"]
    home = tmp_path / "home"
    env = cli_env(
        SCRIPTRUNNER_HOME=str(home),
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_http_receiver.url,
        OTEL_BSP_SCHEDULE_DELAY="50",
        **openbao.env(),
        **aws_sm.env(),
    )
    r = run_cli("workflow", "run", "--json", "--trace", "wf.yaml", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # Each task got its own secrets, real values; the workflow secret reached both.
    produced_digest, produce_saw_aws = (tmp_path / "produce.proof").read_text().split()
    assert produced_digest == sha(value) and produce_saw_aws == "False"
    from_output, expr_digest, aws_digest = (tmp_path / "consume.proof").read_text().split()
    assert expr_digest == sha(value) and aws_digest == sha(aws_value)
    # An output holding a secret is masked before a later task can read it.
    assert from_output == "***"
    summary = json.loads(r.stdout)
    assert summary["tasks"]["produce"]["outputs"] == {"token": "***"}

    spans = otlp_http_receiver.wait_for(3)
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for secret in (value, aws_value):
        assert secret not in r.stdout + r.stderr
        assert secret.encode() not in stored
        assert secret not in repr(spans)
    db = next(p for p in home.rglob("*") if p.suffix in (".db", ".sqlite", ".sqlite3"))
    with sqlite3.connect(db) as conn:
        tails = dict(conn.execute("select task_name, stdout_tail from runs where kind='task'"))
        commands = [c for (c,) in conn.execute("select command from runs where kind='task'")]
    assert tails["produce"] == "producing with ***\n"
    assert tails["consume"] == "consumed *** ***\n"
    assert any('"***"' in c for c in commands)  # ${{ secrets.X }} rendered, stored masked


def test_a_secret_that_cannot_be_fetched_runs_nothing(openbao: Bao, tmp_path: Path) -> None:
    write(tmp_path, WORKFLOW.replace("prod/db#password", "prod/missing"))
    home = tmp_path / "home"
    env = cli_env(SCRIPTRUNNER_HOME=str(home), **openbao.env(), AWS_REGION="us-east-1")
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there
    r = run_cli("workflow", "run", "wf.yaml", env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert "workflow 'with-secrets': secret AWS_DB could not be resolved" in r.stderr
    assert "aws-sm://prod/missing" in r.stderr
    assert not (tmp_path / "produce.proof").exists()
    history = run_cli("history", "--json", env=env, cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert "with-secrets" not in history.stdout and "produce" not in history.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("secrets:\n  DB: vault://secret\n", "wf.yaml:2: secrets.DB: secret reference"),
        ("secrets:\n  1X: vault://secret/app#pw\n", "secrets.1X: expected a variable name"),
        (
            "env:\n  DB: x\nsecrets:\n  DB: vault://secret/app#pw\n",
            "secrets.DB: DB is also in env; keep one of them",
        ),
    ],
)
def test_bad_secrets_are_load_errors_with_a_line(text: str, message: str) -> None:
    body = text + "tasks:\n  a:\n    run: 'true'\n"
    with pytest.raises(WorkflowError) as info:
        parse_workflow(body, source="wf.yaml", base_dir=Path("."))
    assert message in str(info.value)


def test_task_secret_may_not_shadow_env_at_any_level() -> None:
    text = "env:\n  DB: x\ntasks:\n  a:\n    run: 'true'\n    secrets:\n      DB: aws-sm://x\n"
    with pytest.raises(WorkflowError, match="tasks.a.secrets.DB: DB is also in the workflow's env"):
        parse_workflow(text, source="wf.yaml", base_dir=Path("."))


def test_loaded_secrets_and_schema_agree() -> None:
    spec = parse_workflow(WORKFLOW, source="wf.yaml", base_dir=Path("."))
    assert spec.secrets == {"DB_PASSWORD": "vault://secret/app#password"}
    assert spec.task_secrets(spec.tasks["consume"]) == {
        "DB_PASSWORD": "vault://secret/app#password",
        "AWS_DB": "aws-sm://prod/db#password",
    }
    validator = jsonschema.Draft202012Validator(workflow_schema())
    import yaml

    assert validator.is_valid(yaml.safe_load(WORKFLOW))
    assert not validator.is_valid({"secrets": {"X": "plain-text"}, "tasks": {"a": {"run": "x"}}})
