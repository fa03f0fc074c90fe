"""``scriptrunner run``/``history``/``show``/``stats`` as users call them: real processes."""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.cli import (
    cli,
    cli_env,
    read_line,
    start_cli,
)
from scriptrunner.cli.main import main

pytestmark = pytest.mark.usefixtures("run_path")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_script_exit_code_and_output_pass_through(tmp_path: Path, home: Path) -> None:
    s = tmp_path / "job.py"
    s.write_text("import sys\nprint('hello', sys.argv[1:])\nsys.exit(4)\n")
    r = cli(home, "run", str(s), "a", "--flag")
    assert r.returncode == 4
    assert r.stdout == "hello ['a', '--flag']\n"
    assert "failed · exit 4" in r.stderr


def test_command_after_double_dash(home: Path) -> None:
    r = cli(home, "run", "--", "sh", "-c", "echo $0 $1; exit 3", "x", "y")
    assert r.returncode == 3
    assert r.stdout == "x y\n"


def test_timeout_exit_124(home: Path) -> None:
    r = cli(home, "run", "--timeout", "0.5", "--kill-grace", "0.5", "--", "sleep", "30")
    assert r.returncode == 124
    assert "timed out" in r.stderr


def test_usage_errors_exit_2_with_one_clear_message(tmp_path: Path, home: Path) -> None:
    r = cli(home, "run", str(tmp_path / "missing.py"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"scriptrunner: error: script not found: {tmp_path / 'missing.py'}; to run a command "
        "instead, put it after --: scriptrunner run -- COMMAND"
    ]
    assert cli(home, "run", "--retries", "x", "--", "true").returncode == 2
    r = cli(home, "run", "--retry-on", "1,x", "--", "true")
    assert r.returncode == 2 and "--retry-on" in r.stderr
    r = cli(home, "run", "--env", "NOEQUALS", "--", "true")
    assert r.returncode == 2 and "expected KEY=VALUE" in r.stderr
    assert cli(home, "run").returncode == 2


def test_unwritable_store_exits_2_before_running(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    marker = tmp_path / "ran"
    r = cli(blocker / "home", "run", "--", "touch", str(marker), cwd=tmp_path)
    assert r.returncode == 2
    assert "SCRIPTRUNNER_HOME" in r.stderr
    assert not marker.exists()


def test_json_summary_and_quiet(home: Path) -> None:
    r = cli(home, "run", "--json", "-q", "--tag", "team=data", "--", "sh", "-c", "echo hi")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["status"] == "succeeded"
    assert data["tags"] == {"team": "data"}
    assert data["stdout_tail"] == "hi\n"
    assert data["attempts"][0]["exit_code"] == 0
    assert r.stderr == ""


def test_retries_recorded_in_history(home: Path) -> None:
    r = cli(
        home,
        "run",
        "-q",
        "--retries",
        "2",
        "--retry-backoff",
        "fixed",
        "--retry-delay",
        "0.05",
        "--json",
        "--",
        "sh",
        "-c",
        "exit 9",
    )
    data = json.loads(r.stdout)
    assert r.returncode == 9
    assert [a["attempt"] for a in data["attempts"]] == [1, 2, 3]
    shown = json.loads(cli(home, "show", data["id"][:8], "--json").stdout)
    assert [a["exit_code"] for a in shown["attempts"]] == [9, 9, 9]
    types = [e["type"] for e in shown["events"]]
    assert types == ["run.started"] + ["run.attempt.finished"] * 3 + ["run.finished"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_runner_is_forwarded_and_run_cancelled(
    tmp_path: Path, home: Path, sig: int
) -> None:
    got = tmp_path / "got"
    s = tmp_path / "wait.py"
    s.write_text(
        "import signal, sys, time, pathlib\n"
        f"def h(n, f):\n    pathlib.Path({str(got)!r}).write_text(str(n)); sys.exit(1)\n"
        "signal.signal(signal.SIGTERM, h)\nsignal.signal(signal.SIGINT, h)\n"
        "print('ready', flush=True)\ntime.sleep(60)\n"
    )
    p = start_cli("run", str(s), env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=tmp_path)
    assert read_line(p) == "ready\n"
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 128 + sig
    assert got.read_text() == str(int(sig))
    runs = json.loads(cli(home, "history", "--json").stdout)
    assert runs[0]["status"] == "cancelled"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_the_runner_starts_cancels_cleanly(
    tmp_path: Path, home: Path, sig: int
) -> None:
    """A signal can land while the runner is still importing and writing its start row:
    it either ends the runner before anything ran (the default action, before handlers
    exist) or cancels the run; never a traceback, never a run left "running".  (SIGINT
    in the interpreter's own start-up is Python's KeyboardInterrupt, before any of our
    code: not tested here.)"""
    cli(home, "run", "-q", "--", "true")
    for delay in (0.0, 0.005, 0.01, 0.02, 0.04, 0.08):
        p = start_cli(
            "run", "--", "sleep", "30", env=cli_env(SCRIPTRUNNER_HOME=str(home)), cwd=tmp_path
        )
        time.sleep(delay)
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
        assert "Traceback" not in err, (delay, err)
        assert p.returncode in (-sig, 128 + sig), (delay, p.returncode, err)
    runs = json.loads(cli(home, "history", "--json").stdout)
    assert {r["status"] for r in runs[:-1]} <= {"cancelled"}, runs
    assert runs[-1]["status"] == "succeeded"


@pytest.mark.slow
def test_history_show_stats(tmp_path: Path, home: Path) -> None:
    ok = tmp_path / "ok.py"
    ok.write_text("print('fine')\n")
    for _ in range(3):
        assert cli(home, "run", "-q", str(ok)).returncode == 0
    assert cli(home, "run", "-q", "--", "false").returncode == 1
    table = cli(home, "history").stdout
    assert table.count("succeeded") == 3 and "failed" in table
    rows = json.loads(cli(home, "history", "--json", "--status", "succeeded").stdout)
    assert len(rows) == 3 and all(r["script"] == str(ok) for r in rows)
    assert len(json.loads(cli(home, "history", "--json", "--limit", "2").stdout)) == 2
    assert len(json.loads(cli(home, "history", "--json", "--script", "ok.py").stdout)) == 3
    shown = cli(home, "show", rows[0]["id"][:10]).stdout
    assert "fine" in shown and "succeeded" in shown
    stats = json.loads(cli(home, "stats", "--json").stdout)
    assert stats["runs"] == 4 and stats["failures"] == 1
    assert stats["failure_rate"] == pytest.approx(0.25)
    text = cli(home, "stats", "ok.py").stdout
    assert re.search(r"^runs +3 of ok\.py$", text, re.M) and re.search(
        r"^failures +0 \(0\.0%\)$", text, re.M
    )
    bad = cli(home, "show", "zzzzzz")
    assert bad.returncode == 2 and "no run with id" in bad.stderr


def test_empty_history_is_an_answer(home: Path) -> None:
    r = cli(home, "history")
    assert r.returncode == 0 and r.stdout.strip() == "no runs recorded yet"
    assert cli(home, "stats").stdout.strip() == "no finished runs"


def test_main_in_process_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--home", str(tmp_path), "run", str(tmp_path / "nope.py")])
    assert code == 2
    assert "script not found" in capsys.readouterr().err


def test_live_output_streams_before_exit(tmp_path: Path, home: Path) -> None:
    s = tmp_path / "slow.py"
    go = tmp_path / "go"
    # The script holds its second line until the test has read the first (or 2 s have passed).
    s.write_text(
        "import os, time\nprint('first')\ndeadline = time.monotonic() + 2\n"
        f"while not os.path.exists({str(go)!r}) and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\nprint('second')\n"
    )
    p = start_cli(
        "run",
        str(s),
        env=cli_env(SCRIPTRUNNER_HOME=str(home)),
        cwd=tmp_path,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    assert read_line(p) == "first\n"
    assert time.monotonic() - started < 1.8  # arrived while the script still waits
    go.touch()
    p.communicate(timeout=30)


def _stored(home: Path, sql: str) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(home / "history.db")
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def test_attempt_markers_are_shown_live_but_not_stored(home: Path) -> None:
    r = cli(
        home,
        "run",
        "--retries",
        "1",
        "--retry-delay",
        "0",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    )
    assert r.returncode == 3
    assert "scriptrunner: attempt 1 exited 3; retrying in 0.0 s (2 of 2)" in r.stderr  # live
    [(out, err)] = _stored(home, "SELECT stdout_tail, stderr_tail FROM runs")
    assert out == "out\nout\n"
    assert err == "err\nerr\n"


def test_retry_line_before_each_retry_and_stored_tails_are_the_scripts_own(home: Path) -> None:
    script = "echo out; echo err >&2; exit 2"
    r = cli(home, "run", "--retries", "2", "--retry-backoff", "fixed", "--retry-delay", "0",
            "--", "sh", "-c", script)  # fmt: skip
    assert r.returncode == 2
    assert [line for line in r.stderr.splitlines() if "retrying" in line] == [
        "scriptrunner: attempt 1 exited 2; retrying in 0.0 s (2 of 3)",
        "scriptrunner: attempt 2 exited 2; retrying in 0.0 s (3 of 3)",
    ]
    assert r.stdout == "out\n" * 3  # nothing of the runner's on the script's stdout
    [(out, err)] = _stored(home, "SELECT stdout_tail, stderr_tail FROM runs")
    assert (out, err) == ("out\n" * 3, "err\n" * 3)  # exactly what the script printed
    timed = cli(home, "run", "--timeout", "0.3", "--kill-grace", "0.2", "--retries", "1",
                "--retry-delay", "0", "--", "sleep", "5")  # fmt: skip
    assert timed.returncode == 124
    assert "scriptrunner: attempt 1 timed out; retrying in 0.0 s (2 of 2)" in timed.stderr
    quiet = cli(home, "run", "-q", "--retries", "1", "--retry-delay", "0", "--", "false")
    assert quiet.stderr == ""  # -q: nothing but errors


def test_run_fail_on_replaces_block_on_which_still_works(tmp_path: Path, home: Path) -> None:
    job = tmp_path / "job.py"
    job.write_text("KEY = '" + "sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN" + "'\n")
    r = cli(home, "run", "--scan", "secrets", "--fail-on", "high", str(job))
    assert r.returncode == 3 and "warning" not in r.stderr
    old = cli(home, "run", "--scan", "secrets", "--block-on", "high", str(job))
    assert old.returncode == 3
    assert "scriptrunner: warning: --block-on is now --fail-on" in old.stderr
    assert cli(home, "run", "--scan", "secrets", "--fail-on", "medium", str(job)).returncode == 3
    bad = cli(home, "run", "--scan", "secrets", "--fail-on", "severe", str(job))
    assert bad.returncode == 2 and "--fail-on" in bad.stderr
    alone = cli(home, "run", "--fail-on", "high", str(job))
    assert alone.returncode == 2 and "--fail-on needs --scan KINDS" in alone.stderr


def test_run_help_has_text_for_every_option_and_examples(home: Path) -> None:
    from scriptrunner.cli.main import build_parser

    parser = build_parser("run")
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    run = sub.choices["run"]
    missing = [a.option_strings for a in run._actions if a.option_strings and not a.help]
    assert missing == []
    helped = cli(home, "run", "--help").stdout
    assert "examples:" in helped and "--fail-on LEVEL" in helped and "--block-on" not in helped
    for flag in ("--retry-backoff", "--retry-delay", "--retry-max-delay"):
        assert re.search(rf"{flag} \S+\s+\w", helped), flag


def test_sigterm_during_retry_backoff_is_recorded_as_the_exit_code(
    tmp_path: Path, home: Path
) -> None:
    p = start_cli(
        "run",
        "--retries",
        "1",
        "--retry-backoff",
        "fixed",
        "--retry-delay",
        "60",
        "--",
        "sh",
        "-c",
        "echo ready; exit 1",
        env=cli_env(SCRIPTRUNNER_HOME=str(home)),
        cwd=tmp_path,
    )
    assert read_line(p) == "ready\n"
    # The first attempt is over once its row's attempt event is stored: now in the backoff.
    from fixtures.waiting import wait_until

    wait_until(
        lambda: (
            (home / "history.db").exists()
            and _stored(home, "SELECT count(*) FROM events WHERE type = 'run.attempt.finished'")
            == [(1,)]
        ),
        "the first attempt to be recorded",
    )
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    assert p.returncode == 143
    [(status, code)] = _stored(home, "SELECT status, exit_code FROM runs")
    assert (status, code) == ("cancelled", 143)


def test_tail_bytes_has_a_documented_upper_bound(home: Path) -> None:
    r = cli(home, "run", "--tail-bytes", str(64 * 2**20 + 1), "--", "true")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "scriptrunner run: error: argument --tail-bytes: must be between 0 and "
        f"{64 * 2**20}, got '{64 * 2**20 + 1}'"
    )
    env = cli(home, "run", "--", "true", env={"SCRIPTRUNNER_TAIL_BYTES": str(64 * 2**20 + 1)})
    assert env.returncode == 2 and "SCRIPTRUNNER_TAIL_BYTES" in env.stderr
    assert not (home / "history.db").exists() or _stored(home, "SELECT count(*) FROM runs") == [
        (0,)
    ]


def test_history_store_is_owner_only_whatever_the_umask(tmp_path: Path, home: Path) -> None:
    import os
    import stat

    assert cli(home, "run", "-q", "--", "true").returncode == 0
    # The console script inherits the test's umask; run once more under a permissive one.
    old = os.umask(0)
    try:
        assert cli(tmp_path / "open-home", "run", "-q", "--", "true").returncode == 0
    finally:
        os.umask(old)
    for where in (home, tmp_path / "open-home"):
        assert stat.S_IMODE(where.stat().st_mode) == 0o700
        files = [p for p in where.iterdir() if p.name.startswith("history.db")]
        assert files
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_secret_arguments_are_masked_in_stored_command_lines(home: Path) -> None:
    r = cli(
        home,
        "run",
        "-q",
        "--",
        "sh",
        "-c",
        "true",
        "--password",
        "hunter2",
        "--token=abc123",
        "API_KEY=xyz",
    )
    assert r.returncode == 0
    rows = _stored(home, "SELECT command FROM runs") + _stored(home, "SELECT payload FROM events")
    text = json.dumps([str(row) for row in rows])
    for secret in ("hunter2", "abc123", "xyz"):
        assert secret not in text
    [(command,)] = _stored(home, "SELECT command FROM runs")
    assert json.loads(str(command))[-3:] == ["***", "--token=***", "API_KEY=***"]
