"""Supervision through the real CLI: a run is recorded before its child starts, nothing it
starts outlives its attempt unsupervised, and a runner killed outright leaves a ``lost`` row.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from fixtures.cli import (
    cli,
    cli_env,
    read_line,
    start_cli,
)
from fixtures.waiting import wait_until

pytestmark = pytest.mark.usefixtures("run_path")

#: Non-UTF-8 bytes are legal in Linux file names and arguments; Python hands them over as
#: surrogate escapes (``os.fsdecode``), which a strict UTF-8 encoder refuses.
BAD = os.fsdecode(b"\xff\xfe")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _stored_runs(home: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(home / "history.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute("SELECT * FROM runs ORDER BY started_at"))
    finally:
        conn.close()


def _processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        try:
            if p.info["status"] != psutil.STATUS_ZOMBIE and marker in " ".join(
                p.info["cmdline"] or []
            ):
                found.append(p)
        except psutil.Error:
            continue
    return found


def _kill_all(marker: str) -> None:
    for p in _processes_with(marker):
        with contextlib.suppress(psutil.Error):
            p.kill()


def test_non_utf8_argument_tag_cwd_and_script_name_are_recorded_losslessly(
    tmp_path: Path, home: Path
) -> None:
    where = tmp_path / f"dir{BAD}"
    where.mkdir()
    script = where / f"job{BAD}.py"
    script.write_text("import sys\nprint(len(sys.argv[1]))\n")
    r = cli(home, "run", "--tag", f"team=a{BAD}", "--cwd", str(where), str(script), f"x{BAD}")
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    (row,) = _stored_runs(home)
    assert row["status"] == "succeeded"
    # JSON columns keep the exact bytes (as \udcXX escapes, Python's surrogateescape).
    assert json.loads(row["command"])[-1] == f"x{BAD}"
    assert json.loads(row["tags"]) == {"team": f"a{BAD}"}
    # Text columns hold a documented, printable escape of the byte.
    assert row["cwd"] == str(tmp_path / "dir") + "\\xff\\xfe"
    shown = cli(home, "show", row["id"][:8])
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert "x\\xff\\xfe" in shown.stdout
    listed = cli(home, "history")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr


@contextlib.contextmanager
def _tiny_filesystem(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0 and os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root (make test runs as root in CI): {mounted.stderr}")
    assert mounted.returncode == 0, f"cannot mount a tmpfs as root: {mounted.stderr.strip()}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(directory: Path, leave: int) -> None:
    """Fill the file system, then free ``leave`` bytes (enough to open the store)."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 4096):
                pass
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)


def test_full_disk_runs_nothing_and_leaves_no_child_running(tmp_path: Path, run_path: str) -> None:
    """The full path writes the start row before it starts anything; the fast path starts
    the child first and, when the row cannot be written, kills its whole tree (the child
    may have begun: docs/performance.md).  Either way: exit 2, one line, nothing left
    running, no run recorded as running."""
    marker = f"sr-full-disk-{os.getpid()}-{time.monotonic_ns()}"
    ran = tmp_path / "ran"
    with _tiny_filesystem(tmp_path / "fs", "1m") as fs:
        home = fs / "home"
        assert cli(home, "run", "-q", "--", "true").returncode == 0  # the store exists
        _fill(fs, leave=0 if run_path == "fast" else 40 * 1024)
        # Only the full path takes --timeout: the fast path's child is ended by the
        # failed start row itself.
        timeout = ["--timeout", "1", "--kill-grace", "0.2"] if run_path == "full" else []
        try:
            r = cli(
                home,
                "run",
                *timeout,
                "--",
                "sh",
                "-c",
                f'touch "{ran}"; sleep 30; : {marker}',
                cwd=tmp_path,
            )
            assert r.returncode == 2, r.stderr
            assert "Traceback" not in r.stderr, r.stderr
            assert "cannot write history store" in r.stderr
            time.sleep(1.5)  # past the timeout: nothing of the run may be alive
            assert not _processes_with(marker)
            if run_path == "full":
                assert not ran.exists(), "the command ran although its start was not recorded"
        finally:
            _kill_all(marker)
        with sqlite3.connect(home / "history.db") as conn:
            statuses = [s for (s,) in conn.execute("SELECT status FROM runs")]
        assert statuses == ["succeeded"]  # the first run only: none left "running"


#: A classic double-fork daemon: leaves the session and process group, ignores SIGTERM and
#: SIGHUP, closes its output, and lives on with ``marker`` in its command line.
DAEMON = """
import os, signal, sys, time
if os.fork():
    sys.exit(0)
os.setsid()
if os.fork():
    os._exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
os.execvp("sh", ["sh", "-c", "trap '' TERM HUP; sleep 60; : " + sys.argv[1]])
"""


def _daemon_script(tmp_path: Path) -> Path:
    path = tmp_path / "daemon.py"
    path.write_text(DAEMON)
    return path


@pytest.mark.parametrize("how", ["double-fork", "setsid-subshell"])
def test_timeout_kills_descendants_that_left_the_process_group(
    tmp_path: Path, home: Path, how: str
) -> None:
    marker = f"sr-escape-{how}-{os.getpid()}-{time.monotonic_ns()}"
    if how == "double-fork":
        inner = f"python3 {_daemon_script(tmp_path)} {marker}; sleep 30"
    else:
        inner = f"( setsid sh -c \"trap '' TERM HUP; sleep 60; : {marker}\" >/dev/null 2>&1 & ); sleep 30"
    try:
        r = cli(home, "run", "-q", "--timeout", "1", "--kill-grace", "0.3", "--", "sh", "-c", inner)
        assert r.returncode == 124, r.stderr
        assert not _processes_with(marker), "a descendant outlived the timeout"
    finally:
        _kill_all(marker)


def test_daemons_are_ended_with_the_attempt_unless_kept(tmp_path: Path, home: Path) -> None:
    marker = f"sr-daemon-{os.getpid()}-{time.monotonic_ns()}"
    daemon = _daemon_script(tmp_path)
    try:
        r = cli(home, "run", "-q", "--", "python3", str(daemon), marker)
        assert r.returncode == 0, r.stderr
        assert not _processes_with(marker), "a daemon outlived its attempt"
        kept = cli(home, "run", "-q", "--keep-daemons", "--", "python3", str(daemon), marker)
        assert kept.returncode == 0, kept.stderr
        assert _processes_with(marker), "--keep-daemons: the daemon should still run"
    finally:
        _kill_all(marker)


@pytest.mark.parametrize("through", ["child", "grandchild"])
def test_killed_runner_takes_its_tree_and_its_row_becomes_lost(
    tmp_path: Path, home: Path, through: str
) -> None:
    marker = f"sr-lost-{os.getpid()}-{time.monotonic_ns()}"
    code = f"import time; print('ready', flush=True); time.sleep(60)  # {marker}"
    command = ["python3", "-c", code]
    if through == "grandchild":  # a shell in between: not the runner's direct child
        command = ["sh", "-c", 'python3 -c "$1"; true', "sh", code]
    env = cli_env(SCRIPTRUNNER_HOME=str(home))
    p = start_cli("run", "--", *command, env=env, cwd=tmp_path)
    try:
        assert read_line(p) == "ready\n"
        p.kill()  # kill -9: the runner records nothing
        p.communicate(timeout=30)
        wait_until(lambda: not _processes_with(marker), "the tree to die with its runner", 10)
    finally:
        _kill_all(marker)
    runs = json.loads(cli(home, "history", "--json").stdout)
    assert [r["status"] for r in runs] == ["lost"]
    assert _stored_runs(home)[0]["status"] == "lost"  # stored, not only shown
    shown = cli(home, "show", runs[0]["id"][:8])
    assert shown.returncode == 0 and "lost" in shown.stdout
    stats = json.loads(cli(home, "stats", "--json").stdout)
    assert stats["by_status"] == {"lost": 1}


def test_resume_handles_a_lost_workflow_and_cleans_its_outputs_dir(
    tmp_path: Path, home: Path
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    go, started = tmp_path / "go", tmp_path / "started"
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: killed\n"
        "tasks:\n"
        "  first:\n"
        '    run: "true"\n'
        "  second:\n"
        "    needs: [first]\n"
        f"    run: sh -c 'touch {started}; while ! test -e {go}; do sleep 0.05; done'\n"
    )
    env = cli_env(SCRIPTRUNNER_HOME=str(home), TMPDIR=str(tmp))
    p = start_cli("workflow", "run", str(wf), env=env, cwd=tmp_path)
    try:
        wait_until(started.exists, "the second task to start")
        live = list(json.loads(cli(home, "history", "--json").stdout))
        assert live[0]["status"] == "running"
        refused = cli(home, "workflow", "run", str(wf), "--resume", live[0]["id"], timeout=30)
        assert refused.returncode == 2 and "still running" in refused.stderr, refused.stderr
        p.kill()
        p.communicate(timeout=30)
    finally:
        go.touch()
    assert list(tmp.glob("scriptrunner-outputs-*")), "a killed workflow leaves its outputs dir"
    (row,) = json.loads(cli(home, "history", "--json").stdout)
    assert row["status"] == "lost"
    r = cli(
        home, "workflow", "run", str(wf), "--json", "--resume", row["id"], env={"TMPDIR": str(tmp)}
    )
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["tasks"]["first"]["reused_from"] is not None
    assert again["tasks"]["second"]["state"] == "succeeded"
    assert not list(tmp.glob("scriptrunner-outputs-*")), "the dead run's outputs dir is left"
