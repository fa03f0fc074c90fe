"""The launcher starts work as real ``scriptrunner`` processes recording into the server's
store, confines what it starts to the configured directories, and stops what it started."""

from __future__ import annotations

import json
import os
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.cli import cli, cli_env, start_cli
from fixtures.launching import Launching, launching
from fixtures.waiting import wait_until
from scriptrunner.server.confine import LaunchError
from scriptrunner.store.rows import run_start_row
from scriptrunner.store.sqlite import SqliteHistory

ECHO = "import json, os, sys\nprint(json.dumps([os.getcwd(), sys.argv[1:]]))\n"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Launching]:
    with launching(tmp_path) as launched:
        yield launched


def test_a_script_runs_under_the_returned_id_with_args_and_tags_as_data(
    env: Launching, tmp_path: Path
) -> None:
    name = 'it\'s a "job" $(touch pwned).py'
    (env.scripts / "sub").mkdir()
    (env.scripts / "sub" / name).write_text(ECHO)
    args = ["--help", "--", "; rm -rf /", "$(touch pwned)", "-q", "", "a b", "--run-id=x"]
    tags = {"team": "data", "odd key": "v=1; echo"}
    rid = env.launcher.start_script(f"sub/{name}", args, tags)
    row = env.wait_status(rid, "succeeded", "failed", "error")
    assert row["status"] == "succeeded", row
    cwd, argv = json.loads(row["stdout_tail"])
    assert argv == args
    assert cwd == str((env.scripts / "sub").resolve())
    assert row["tags"] == tags
    assert row["script"] == str((env.scripts / "sub" / name).resolve())
    assert not (tmp_path / "pwned").exists() and not (env.scripts / "sub" / "pwned").exists()
    wait_until(lambda: rid in env.launcher.ended, "the child to be reaped")
    assert env.launcher.ended[rid][0] == 0


def test_cancel_stops_a_long_script_and_it_is_recorded_cancelled(env: Launching) -> None:
    (env.scripts / "long.py").write_text("import time\nprint('up', flush=True)\ntime.sleep(60)\n")
    rid = env.launcher.start_script("long.py")
    env.wait_status(rid, "running")
    assert env.launcher.cancel(rid, kind="run") == rid
    row = env.wait_status(rid, "cancelled", "failed", "succeeded", "error", "lost")
    assert row["status"] == "cancelled"
    with pytest.raises(LaunchError) as info:
        env.launcher.cancel(rid)
    assert info.value.status == 409 and "not running (it is cancelled)" in str(info.value)


@pytest.fixture
def attack(env: Launching, tmp_path: Path) -> Launching:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text("print('escaped')\n")
    (tmp_path / "x.py").write_text("print('escaped')\n")
    (env.scripts / "out.py").symlink_to(outside / "x.py")
    (env.scripts / "linkdir").symlink_to(outside)
    (env.scripts / "dir.py").mkdir()
    (env.scripts / "job.sh").write_text("echo hi\n")
    (env.scripts / "sh.py").symlink_to(env.scripts / "job.sh")
    (env.scripts / "loop.py").symlink_to(env.scripts / "loop.py")
    return env


@pytest.mark.parametrize(
    ("requested", "says"),
    [
        ("../x.py", "must not contain '..'"),
        ("sub/../../x.py", "must not contain '..'"),
        ("/etc/passwd", "not absolute"),
        ("ABSOLUTE", "not absolute"),
        ("out.py", "leads outside its --scripts-dir"),
        ("linkdir/x.py", "leads outside its --scripts-dir"),
        ("dir.py", "is not a regular file"),
        ("job.sh", "is not a .py file"),
        ("sh.py", "is not a .py file"),
        ("loop.py", "is not a file under any --scripts-dir"),
        ("missing.py", "is not a file under any --scripts-dir"),
        ("a\0b.py", "control characters"),
        ("a\nb.py", "control characters"),
        ("", "relative to a --scripts-dir"),
        (None, "relative to a --scripts-dir"),
        (["x.py"], "relative to a --scripts-dir"),
        ("x" * 5000 + ".py", "too long"),
    ],
)
def test_scripts_outside_the_scripts_dir_are_refused(
    attack: Launching, tmp_path: Path, requested: object, says: str
) -> None:
    if requested == "ABSOLUTE":
        requested = str(tmp_path / "x.py")
    with pytest.raises(LaunchError) as info:
        attack.launcher.start_script(requested)
    assert info.value.status == 400
    assert says in str(info.value)
    assert attack.launcher.running() == [] and attack.launcher.ended == {}


@pytest.mark.parametrize(
    ("args", "tags", "says"),
    [
        ("--help", None, "args must be a list of strings"),
        (["ok", 3], None, "args must be a list of strings"),
        (["a\0b"], None, "NUL"),
        (None, ["k=v"], "tags must be an object"),
        (None, {"k": 1}, "tags must be an object"),
        (None, {"a=b": "v"}, "tag key 'a=b' is not usable"),
        (None, {" k": "v"}, "is not usable"),
        (None, {"": "v"}, "is not usable"),
        (None, {"k": "a\0"}, "NUL"),
    ],
)
def test_bad_args_and_tags_are_refused(
    env: Launching, args: object, tags: object, says: str
) -> None:
    (env.scripts / "ok.py").write_text("pass\n")
    with pytest.raises(LaunchError) as info:
        env.launcher.start_script("ok.py", args, tags)
    assert info.value.status == 400 and says in str(info.value)


def test_no_scripts_dir_means_no_start(tmp_path: Path) -> None:
    with launching(tmp_path) as env:
        env.ctx.options = type(env.ctx.options)()
        with pytest.raises(LaunchError, match="no --scripts-dir is configured"):
            env.launcher.start_script("x.py")
        with pytest.raises(LaunchError, match="no --workflows-dir is configured"):
            env.launcher.start_workflow("x.yml")


def test_close_leaves_no_child_running_and_records_the_cancel(env: Launching) -> None:
    (env.scripts / "long.py").write_text("import time\ntime.sleep(60)\n")
    (env.workflows / "wf.yml").write_text("name: w\ntasks:\n  a: {run: 'sleep 60'}\n")
    ids = [env.launcher.start_script("long.py"), env.launcher.start_workflow("wf.yml")]
    for rid in ids:
        env.wait_status(rid, "running")
    pids = [env.row(rid)["pid"] for rid in ids]  # type: ignore[index]
    env.launcher.close()
    assert env.launcher.running() == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert [env.row(rid)["status"] for rid in ids] == ["cancelled", "cancelled"]  # type: ignore[index]
    with pytest.raises(LaunchError) as info:
        env.launcher.start_script("long.py")
    assert info.value.status == 503


def write_flaky_workflow(env: Launching, tmp_path: Path) -> tuple[Path, Path]:
    counter, marker = tmp_path / "count", tmp_path / "ready"
    (env.workflows / "flaky.yml").write_text(
        textwrap.dedent(
            f"""\
            name: flaky
            tasks:
              first:
                run: sh -c 'echo x >> {counter}'
              second:
                needs: [first]
                run: test -e {marker}
            """
        )
    )
    return counter, marker


def test_resume_of_a_failed_workflow_reruns_only_what_failed(
    env: Launching, tmp_path: Path
) -> None:
    counter, marker = write_flaky_workflow(env, tmp_path)
    first = env.launcher.start_workflow("flaky.yml", {})
    assert env.wait_status(first, "failed", "succeeded")["status"] == "failed"
    marker.write_text("")
    second = env.launcher.resume(first)
    row = env.wait_status(second, "failed", "succeeded")
    assert row["status"] == "succeeded"
    assert counter.read_text() == "x\n"  # "first" ran once in all
    with pytest.raises(LaunchError) as info:  # a succeeded run has nothing to resume
        env.launcher.resume(second)
    assert info.value.status == 409 and "is succeeded" in str(info.value)


def test_resume_refuses_what_it_must_not_run(env: Launching, tmp_path: Path) -> None:
    (env.scripts / "ok.py").write_text("pass\n")
    plain = env.launcher.start_script("ok.py")
    env.wait_status(plain, "succeeded")
    with pytest.raises(LaunchError) as info:
        env.launcher.resume(plain)
    assert info.value.status == 404 and "no workflow run" in str(info.value)
    for unknown in ("0" * 32, "nothex", "../etc"):
        with pytest.raises(LaunchError) as info:
            env.launcher.resume(unknown)
        assert info.value.status == 404
    # A failed workflow started from a file outside every --workflows-dir (by the CLI).
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("name: e\ntasks:\n  a: {run: 'false'}\n")
    done = cli(env.ctx.settings.home, "workflow", "run", "-q", "--json", str(elsewhere))
    rid = json.loads(done.stdout)["id"]
    with pytest.raises(LaunchError) as info:
        env.launcher.resume(rid)
    assert info.value.status == 409
    assert "is no longer a file under a --workflows-dir" in str(info.value)


def test_cancel_reaches_a_run_started_by_the_cli_on_this_host(
    env: Launching, tmp_path: Path
) -> None:
    environment = cli_env(SCRIPTRUNNER_HOME=str(env.ctx.settings.home))
    proc = start_cli("run", "-q", "--json", "--", "sleep", "60", env=environment, cwd=tmp_path)
    try:
        rid = wait_until(
            lambda: next(iter(_running_ids(env)), None), "the CLI's run to be recorded"
        )
        assert env.launcher.cancel(rid[:8]) == rid
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM
        assert json.loads(out)["status"] == "cancelled"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _running_ids(env: Launching) -> list[str]:
    from sqlalchemy import select

    from scriptrunner.store import schema

    r = schema.runs
    with env.ctx.reader.engine.connect() as conn:
        return [row.id for row in conn.execute(select(r.c.id).where(r.c.status == "running"))]


@pytest.mark.parametrize(
    ("host", "started_delta", "says"),
    [
        ("another-host", 0, "runs on host another-host"),
        (None, 12345, "its runner (pid"),  # this pid, but started at another time: reused
    ],
)
def test_cancel_never_signals_a_runner_it_cannot_verify(
    env: Launching, host: str | None, started_delta: int, says: str
) -> None:
    from scriptrunner.store.liveness import process_started

    rid = os.urandom(16).hex()
    row = run_start_row(
        run_id=rid, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    row["pid_started"] = (process_started(os.getpid()) or 0) + started_delta
    if host is not None:
        row["hostname"] = host
    store = SqliteHistory(env.ctx.settings.home / "history.db")
    store.start_run(row)
    store.close()
    with pytest.raises(LaunchError) as info:  # this test process must survive
        env.launcher.cancel(rid)
    assert info.value.status == 409 and says in str(info.value)
    with pytest.raises(LaunchError) as info:
        env.launcher.cancel(rid, kind="workflow")
    assert info.value.status == 404
