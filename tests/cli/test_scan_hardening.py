"""Issue 15 through the real CLI: no secret leaks from code-scan reports (defect 6), a
named target that was not read fully is never clean (defect 7), environment errors exit 2
with one line (defect 11)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path

PASSWORD = "Tr0ub4dor&3-horse-battery"
AWS_KEY = "AKIAQ4LMVW7ZD2XHRTSP"
AWS_LINE = f'aws_access_key_id = "{AWS_KEY}"\n'
LEAKY = (
    "import requests\n\n"
    f'password = "{PASSWORD}"\n\n\n'
    f'def login(user, pw="{PASSWORD}"):\n'
    f'    return requests.post("https://x.invalid", auth=(user, pw), timeout=5, data=dict(password="{PASSWORD}"))\n'
)
OSV_RECORD = {
    "id": "PYSEC-1",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}],
        }
    ],
}
VULNERABLE = "import os\nimport sys\n\nos.system('rm -rf /srv/' + sys.argv[1])\n"


def scan(home: Path, *args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_SEMGREP=str(semgrep_path()))
    env.update(kw.pop("env", {}))  # type: ignore[arg-type]
    return run_cli(*args, env=env, cwd=cwd, timeout=180, **kw)  # type: ignore[arg-type]


def every_byte_under(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())


# -- defect 6: secrets never leak from code-scan reports ----------------------------------


def test_code_scan_redacts_hardcoded_passwords_in_every_format_store_and_cache(
    tmp_path: Path,
) -> None:
    home, proj = tmp_path / "home", tmp_path / "proj"
    proj.mkdir()
    (proj / "app.py").write_text(LEAKY)
    old = os.umask(0o022)
    try:
        both = scan(home, "scan", "code", "app.py", "--format", "json", cwd=proj)
        assert both.returncode == 1, both.stderr
        outputs = [both.stdout + both.stderr]
        # Bandit alone: its own message ("Possible hardcoded password: '...'") is reported.
        for fmt in ("json", "sarif", "github", "table"):
            r = scan(
                home,
                "scan",
                "code",
                "--tool",
                "bandit",
                "app.py",
                "--format",
                fmt,
                "--fail-on",
                "info",
                cwd=proj,
            )
            assert r.returncode == 1, r.stderr
            outputs.append(r.stdout + r.stderr)
    finally:
        os.umask(old)
    report = json.loads(outputs[1])
    passwords = [f for f in report["findings"] if f["rule_id"] == "hardcoded-password"]
    assert passwords, report["findings"]
    for text in outputs:
        assert PASSWORD not in text and PASSWORD[:6] not in text
    assert "Possible hardcoded password: 'Tr0u***'" in outputs[1]
    stored = every_byte_under(home)
    assert PASSWORD.encode() not in stored and PASSWORD[:6].encode() not in stored
    cache = home / "cache"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for f in cache.rglob("*"):
        if f.is_file():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_error_messages_mask_url_passwords(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = scan(
        home,
        "db",
        "update",
        "--from",
        "http://admin:hunter2secret@127.0.0.1:9/osv.zip",
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert "hunter2secret" not in r.stderr and "admin:***@127.0.0.1" in r.stderr
    (tmp_path / "requirements.txt").write_text("requests==2.0.0\n")
    r = scan(
        home,
        "scan",
        "deps",
        "requirements.txt",
        "--osv-url",
        "http://admin:hunter2secret@127.0.0.1:9",
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert "hunter2secret" not in r.stderr + r.stdout
    # A requirement that is a URL with a password: reported as unresolved, never quoted.
    (tmp_path / "requirements.txt").write_text(
        "demo @ https://ci:tok3nsecret@example.invalid/demo-1.0.tar.gz\n"
    )
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "PYSEC-1.json").write_text(json.dumps(OSV_RECORD))
    r = scan(
        home, "scan", "deps", "--db", "db", "requirements.txt", "--format", "json", cwd=tmp_path
    )
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout)["findings"][0]["rule_id"] == "SR-DEPS-UNRESOLVED"
    assert "tok3nsecret" not in r.stdout + r.stderr
    assert b"tok3nsecret" not in every_byte_under(home)


# -- defect 7: a named target that was not read fully is never clean ----------------------


@contextlib.contextmanager
def fed_fifo(path: Path, data: bytes) -> Iterator[None]:
    """A named FIFO at ``path`` that a thread writes ``data`` into once a reader opens it;
    released on exit if the scanner never read it."""
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as fh:  # blocks until a reader opens the FIFO
                fh.write(data)
        except BrokenPipeError:  # released below: the scanner never read it
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield
    finally:
        if thread.is_alive():
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
            thread.join(5)


def test_scan_secrets_reads_a_named_fifo(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    with fed_fifo(path, AWS_LINE.encode()):
        r = scan(tmp_path / "home", "scan", "secrets", "pipe", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["complete"] is True
    assert [f["location"]["path"] for f in report["findings"]] == ["pipe"]
    assert AWS_KEY not in r.stdout


def test_scan_secrets_reads_standard_input_given_as_dash(tmp_path: Path) -> None:
    r = scan(
        tmp_path / "home", "scan", "secrets", "-", "--format", "json", cwd=tmp_path, input=AWS_LINE
    )
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert len(report["findings"]) == 1 and AWS_KEY not in r.stdout


def test_scan_secrets_of_dev_stdin_reads_it(tmp_path: Path) -> None:
    r = scan(
        tmp_path / "home",
        "scan",
        "secrets",
        "/dev/stdin",
        "--format",
        "json",
        cwd=tmp_path,
        input=AWS_LINE,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(json.loads(r.stdout)["findings"]) == 1


@pytest.mark.parametrize("kind", ["socket", "dangling", "device-too-large", "unreadable"])
def test_a_named_target_that_cannot_be_read_fully_exits_2(tmp_path: Path, kind: str) -> None:
    name = {
        "socket": "sock",
        "dangling": "gone.env",
        "device-too-large": "/dev/zero",
        "unreadable": "/proc/self/mem",  # read() fails with EIO, even for root
    }[kind]
    server = None
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(tmp_path / name))
    elif kind == "dangling":
        (tmp_path / name).symlink_to(tmp_path / "nowhere")
    try:
        r = scan(tmp_path / "home", "scan", "secrets", name, "--format", "json", cwd=tmp_path)
    finally:
        if server is not None:
            server.close()
    assert r.returncode == 2, r.stdout + r.stderr
    assert json.loads(r.stdout)["complete"] is False
    assert "not read" in r.stderr and name in r.stderr


def test_scan_code_reads_a_fifo_and_standard_input(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    with fed_fifo(path, VULNERABLE.encode()):
        r = scan(
            tmp_path / "home",
            "scan",
            "code",
            "--tool",
            "bandit",
            "pipe",
            "--format",
            "json",
            cwd=tmp_path,
        )
    assert r.returncode == 1, r.stdout + r.stderr
    assert {f["location"]["path"] for f in json.loads(r.stdout)["findings"]} == {"pipe"}
    r = scan(
        tmp_path / "home",
        "scan",
        "code",
        "--tool",
        "bandit",
        "-",
        "--format",
        "json",
        cwd=tmp_path,
        input=VULNERABLE,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert json.loads(r.stdout)["findings"]


@pytest.mark.parametrize("name", ["gone.py", "/proc/self/mem"])
def test_scan_code_of_an_unreadable_named_target_exits_2(tmp_path: Path, name: str) -> None:
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    r = scan(
        tmp_path / "home",
        "scan",
        "code",
        "--tool",
        "bandit",
        name,
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert json.loads(r.stdout)["complete"] is False
    assert f"{name}: named target not read" in r.stderr


def test_scan_deps_reads_a_named_fifo(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    db = tmp_path / "db"
    db.mkdir()
    (db / "PYSEC-1.json").write_text(
        json.dumps(
            {
                "id": "PYSEC-1",
                "modified": "2024-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "demo"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9"}]}
                        ],
                    }
                ],
            }
        )
    )
    with fed_fifo(path, b"demo==1.0\n"):
        r = scan(
            tmp_path / "home",
            "scan",
            "deps",
            "--db",
            "db",
            "pipe",
            "--format",
            "json",
            cwd=tmp_path,
        )
    assert r.returncode == 1, r.stdout + r.stderr
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"]] == ["PYSEC-1"]


# -- defect 11: environment errors exit 2 with one line -----------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "code", "--tool", "bandit", "ok.py"],
        ["scan", "code", "--no-cache", "ok.py"],
        ["scan", "secrets", "ok.py"],
    ],
)
def test_unwritable_home_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "ok.py").write_text("print('hello')\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    r = scan(blocker / "home", *args, cwd=tmp_path, env={"HOME": str(blocker)})
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("scriptrunner: error:")]
    assert len(errors) == 1 and str(blocker) in errors[0], r.stderr


def test_scan_deps_refuses_a_dependency_file_over_the_limit(tmp_path: Path) -> None:
    huge = tmp_path / "requirements.txt"
    with huge.open("wb") as fh:
        fh.truncate(9 * 1024 * 1024)  # sparse: NULs, never read whole
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "PYSEC-1.json").write_text(json.dumps(OSV_RECORD))
    r = scan(tmp_path / "home", "scan", "deps", "--db", "db", "requirements.txt", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "requirements.txt" in r.stderr and "too large" in r.stderr
