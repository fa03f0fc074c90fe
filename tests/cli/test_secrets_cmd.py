"""``scriptrunner secrets get REF``: a real OpenBao; masked unless --reveal; exit 2 on failure."""

from __future__ import annotations

from pathlib import Path

from fixtures.cli import cli_env, run_cli

# Fixtures: importing them registers openbao and aws_sm (tests/fixtures/vaults.py).
from fixtures.vaults import (
    Bao,
    openbao_fixture,  # noqa: F401
)


def test_get_says_it_resolved_without_showing_it(openbao: Bao, tmp_path: Path) -> None:
    value = openbao.values["app.password"]
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), **openbao.env())
    r = run_cli("secrets", "get", "vault://secret/app#password", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"vault://secret/app#password: resolved ({len(value)} characters)\n"
    assert value not in r.stdout + r.stderr


def test_get_reveal_prints_only_the_value(openbao: Bao, tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), **openbao.env())
    r = run_cli("secrets", "get", "--reveal", "vault://kv1/legacy#password", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == openbao.values["legacy.password"] + "\n"


def test_get_failure_exits_2_with_the_reason(openbao: Bao, tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), **openbao.env(VAULT_TOKEN="bogus"))
    r = run_cli("secrets", "get", "vault://secret/app#password", env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "error: cannot resolve vault://secret/app#password: permission denied" in r.stderr


def test_get_bad_reference_exits_2(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    r = run_cli("secrets", "get", "s3://bucket/key", env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert "expected one of vault://, aws-sm://, azure-kv://" in r.stderr
