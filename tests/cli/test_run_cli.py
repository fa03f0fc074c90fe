"""``scriptrunner run``/``history``/``show``/``stats`` as users call them: real processes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.cli import cli, cli_env, read_line, start_cli
from scriptrunner.cli.main import main


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
    shown = json.loads(cli(home, "show", data["run_id"][:8], "--json").stdout)
    assert [a["exit_code"] for a in shown["attempt_rows"]] == [9, 9, 9]
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
    assert "runs          3" in text and "failures      0 (0.0%)" in text
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
