"""The token table, serve's option checks, and signalling a runner found in the store: in
process, on a real SQLite store and real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from scriptrunner.errors import ConfigError, StoreError
from scriptrunner.server.auth import MAX_FAILURES, AuthState
from scriptrunner.server.confine import LaunchError
from scriptrunner.server.options import ServeOptions, check_options, is_loopback
from scriptrunner.server.run_rows import stop_foreign_runner
from scriptrunner.store.liveness import process_started
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.tokens import TokenStore


@pytest.fixture
def tokens(tmp_path: Path) -> TokenStore:
    reader = HistoryReader(f"sqlite:///{tmp_path / 'history.db'}")
    yield TokenStore(reader.engine, reader.where)
    reader.close()


def test_tokens_roles_revocation_and_malformed_input(tokens: TokenStore) -> None:
    with pytest.raises(ConfigError, match="unknown token role 'admin': use viewer or operator"):
        tokens.create("admin")
    viewer, viewer_token = tokens.create("viewer", "wall")
    operator, _ = tokens.create("operator")
    assert operator.name == "operator" and operator.operator and not viewer.operator
    assert tokens.count_active() == 2
    assert tokens.verify(viewer_token) is not None
    assert tokens.active(viewer.id) is not None
    first = tokens.revoke(viewer.id)
    again = tokens.revoke(viewer.id)
    assert first.revoked_at is not None and again.revoked_at == first.revoked_at
    assert tokens.verify(viewer_token) is None and tokens.active(viewer.id) is None
    assert [t.id for t in tokens.list(include_revoked=False)] == [operator.id]
    assert tokens.count_active() == 1
    assert tokens.active("nosuchid") is None
    for bad in ("", "not-ours", "sr_" + "x" * 200, viewer_token[:-1]):
        assert tokens.verify(bad) is None


def test_token_table_errors_are_store_errors_naming_the_store(tokens: TokenStore) -> None:
    _info, token = tokens.create("viewer")
    with tokens.engine.begin() as conn:
        conn.execute(text("DROP TABLE api_tokens"))
    calls = [
        lambda: tokens.create("viewer"),
        tokens.list,
        tokens.count_active,
        lambda: tokens.revoke("x"),
        lambda: tokens.verify(token),
        lambda: tokens.active("x"),
    ]
    for call in calls:
        with pytest.raises(
            StoreError, match=r"cannot \w+ (a )?tokens?.* in history store .*history\.db"
        ):
            call()


def test_failed_attempts_expire_from_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    state = AuthState()
    for _ in range(MAX_FAILURES):
        state.failed("10.0.0.1")
    assert state.limited("10.0.0.1") and not state.limited("10.0.0.2")
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert not state.limited("10.0.0.1")


def test_sessions_expire_and_close(monkeypatch: pytest.MonkeyPatch, tokens: TokenStore) -> None:
    state = AuthState()
    info, _ = tokens.create("viewer")
    sid = state.open_session(info)
    assert state.session_token(sid) == info.id
    state.close_session(sid)
    assert state.session_token(sid) is None
    old = state.open_session(info)
    later = time.time() + 13 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert state.session_token(old) is None
    state.open_session(info)  # opening a session sweeps the expired ones
    assert old not in state.sessions


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_options_are_checked_before_anything_starts(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    with pytest.raises(ConfigError, match="go together"):
        check_options(ServeOptions(tls_cert=cert))
    with pytest.raises(ConfigError, match=r"TLS file .*key\.pem does not exist"):
        check_options(ServeOptions(tls_cert=cert, tls_key=key))
    key.write_text("x")
    remote = ServeOptions(host="0.0.0.0", tls_cert=cert, tls_key=key)
    check_options(remote)  # TLS: fine anywhere
    assert remote.scheme == "https"
    check_options(ServeOptions(host="0.0.0.0", insecure_remote=True))
    with pytest.raises(ConfigError, match="not a TCP port"):
        check_options(ServeOptions(port=70000))
    with pytest.raises(ConfigError, match=r"--scripts-dir .*nowhere is not a directory"):
        check_options(ServeOptions(scripts_dirs=(tmp_path / "nowhere",)))


def _row(pid: int | None, started: int | None, host: str | None = None) -> dict[str, object]:
    return {
        "id": "ab" * 16,
        "hostname": host or os.uname().nodename,
        "pid": pid,
        "pid_started": started,
    }


def test_a_runner_elsewhere_on_this_host_is_signalled_only_when_it_is_the_same_process() -> None:
    proc = subprocess.Popen(["sleep", "30"])
    try:
        started = process_started(proc.pid)
        assert started is not None
        with pytest.raises(LaunchError, match="runs on host elsewhere"):
            stop_foreign_runner(_row(proc.pid, started, host="elsewhere"))
        with pytest.raises(LaunchError, match="no runner process recorded"):
            stop_foreign_runner(_row(None, None))
        with pytest.raises(LaunchError, match="is gone"):
            stop_foreign_runner(_row(proc.pid, started + 1))  # a reused pid: never signalled
        assert proc.poll() is None
        stop_foreign_runner(_row(proc.pid, started))
        assert proc.wait(timeout=10) == -signal.SIGTERM
        with pytest.raises(LaunchError, match="is gone"):
            stop_foreign_runner(_row(proc.pid, started))  # reaped: no such process
    finally:
        proc.kill()
        proc.wait()


def test_recorded_paths_args_and_tags_are_bounded(tmp_path: Path) -> None:
    from scriptrunner.server.confine import (
        MAX_ARGS,
        MAX_TAGS,
        checked_args,
        checked_tags,
        confine_recorded,
    )

    inside = tmp_path / "flows"
    inside.mkdir()
    (inside / "a.yml").write_text("x")
    (tmp_path / "outside.yml").write_text("x")
    missing_dir = tmp_path / "gone"
    assert confine_recorded(inside / "a.yml", [missing_dir, inside]) == (inside / "a.yml")
    assert confine_recorded(tmp_path / "outside.yml", [inside]) is None
    assert confine_recorded(tmp_path / "nothing.yml", [inside]) is None
    with pytest.raises(LaunchError, match="too many or too long args"):
        checked_args(["x"] * (MAX_ARGS + 1))
    with pytest.raises(LaunchError, match="NUL character"):
        checked_args(["a\0b"])
    with pytest.raises(LaunchError, match="args must be a list of strings"):
        checked_args("--help")
    with pytest.raises(LaunchError, match="too many tags"):
        checked_tags({f"k{i}": "v" for i in range(MAX_TAGS + 1)})
    with pytest.raises(LaunchError, match="tags must be an object"):
        checked_tags(["k=v"])
    assert checked_args(None) == [] and checked_tags(None) == {}
