"""``--trace`` never makes a command wait long for telemetry (issue 17): without a collector
configured the spans stay in the history store (said once, no exporter at all); with one
configured but unreachable the end of the command waits at most ``shutdown_timeout``.
And ``traces --run`` takes the ids ``traces`` lists."""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.postgres import free_port

HELLO = "print('hello')\n"
#: What importing OpenTelemetry and opening a tracing session may cost on a loaded machine.
SLACK = 1.5


def timed(*args: str, env: dict[str, str], cwd: Path) -> tuple[float, object]:
    t0 = time.monotonic()
    r = run_cli(*args, env=env, cwd=cwd)
    return time.monotonic() - t0, r


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel does) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


def test_trace_without_a_collector_keeps_spans_in_the_store_and_says_so_once(
    tmp_path: Path,
) -> None:
    (tmp_path / "hello.py").write_text(HELLO)
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))  # no OTEL_* variable at all
    plain_s, plain = timed("run", "-q", "hello.py", env=env, cwd=tmp_path)
    traced_s, traced = timed("run", "-q", "--trace", "hello.py", env=env, cwd=tmp_path)
    assert plain.returncode == traced.returncode == 0, traced.stderr  # type: ignore[attr-defined]
    lines = traced.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert lines[0].startswith("scriptrunner: warning: no trace collector configured")
    assert "history store only" in lines[0] and "scriptrunner traces" in lines[0]
    assert traced_s - plain_s < SLACK, (plain_s, traced_s)

    listed = run_cli("traces", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "run hello.py" in listed.stdout


@pytest.mark.parametrize("exporter", ["none", "otlp"])
def test_an_exporter_named_in_the_settings_is_not_told_about_the_store(
    tmp_path: Path, exporter: str
) -> None:
    """``exporter = "none"`` is a choice (nothing to say); naming ``otlp`` configures the
    default collector address (and a dead one is a warning, not the store-only note)."""
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"),
        SCRIPTRUNNER_TRACING=json.dumps({"exporter": exporter, "shutdown_timeout": 0.5}),
    )
    r = run_cli("run", "-q", "--trace", "--", "true", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "no trace collector configured" not in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("where", ["closed port", "black hole"])
@pytest.mark.parametrize("shutdown_timeout", [None, 0.5])
def test_an_unreachable_collector_delays_the_exit_by_at_most_the_shutdown_timeout(
    tmp_path: Path, black_hole: int, where: str, shutdown_timeout: float | None
) -> None:
    port = free_port() if where == "closed port" else black_hole
    extra = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"}
    if shutdown_timeout is not None:
        extra["SCRIPTRUNNER_TRACING"] = json.dumps({"shutdown_timeout": shutdown_timeout})
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), **extra)
    code = "import sys; sys.exit(7)"
    plain_s, plain = timed("run", "-q", "--", sys.executable, "-c", code, env=env, cwd=tmp_path)
    traced_s, traced = timed(
        "run", "-q", "--trace", "--", sys.executable, "-c", code, env=env, cwd=tmp_path
    )
    assert plain.returncode == traced.returncode == 7  # type: ignore[attr-defined]
    bound = 2.0 if shutdown_timeout is None else shutdown_timeout  # the documented default
    assert traced_s - plain_s < bound + SLACK, (plain_s, traced_s)
    lines = traced.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("scriptrunner: warning: trace export"), lines
    assert f"127.0.0.1:{port}" in lines[0] and "not exported" in lines[0]
    if where == "closed port":
        assert "connection refused" in lines[0]
        assert traced_s - plain_s < SLACK  # refused: nothing to wait for
    # The spans are in the store all the same.
    assert "run " in run_cli("traces", env=env, cwd=tmp_path).stdout


def test_traces_run_accepts_every_id_traces_lists(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(HELLO)
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    for _ in range(2):
        assert run_cli("run", "-q", "--trace", "hello.py", env=env, cwd=tmp_path).returncode == 0
    listed = run_cli("traces", env=env, cwd=tmp_path)
    rows = re.findall(r"^([0-9a-f]{32})\s.*\s([0-9a-f]{12})\s+run hello.py$", listed.stdout, re.M)
    assert len(rows) == 2, listed.stdout
    for index, (trace_id, run_id) in enumerate(rows):
        last = ("last",) if index == 0 else ()  # the newest is listed first
        for given in (trace_id, trace_id[:8], run_id, run_id[:6], *last):
            shown = run_cli("traces", "--run", given, env=env, cwd=tmp_path)
            assert shown.returncode == 0, (given, shown.stderr)
            assert shown.stdout.startswith(f"trace {trace_id} · 1 spans"), (given, shown.stdout)


def test_traces_run_with_an_unknown_id_says_so_in_one_line(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    assert run_cli("run", "-q", "--trace", "--", "true", env=env, cwd=tmp_path).returncode == 0
    missing = run_cli("traces", "--run", "zzzzzzzz", env=env, cwd=tmp_path)
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1, missing.stderr
    assert re.search(r"no run or trace .*zzzzzzzz", missing.stderr)
    assert "scriptrunner traces" in missing.stderr
    short = run_cli("traces", "--run", "ab", env=env, cwd=tmp_path)
    assert short.returncode != 0 and "too short" in short.stderr
