"""Every number and name the user gives on the command line or in settings is checked before
anything runs (issue 15, defect 10 and the "silently accepted nonsense" rough edges): finite,
within documented bounds, else exit 2 with one line naming the flag or setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.cli import cli


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _refused(home: Path, flag: str, *args: str, cwd: Path | None = None) -> str:
    done = cli(home, *args, cwd=cwd)
    assert done.returncode == 2, (args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert flag in last, last  # the one error line names the flag or setting
    return last


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timeout", "nan"),  # timed out at once
        ("--timeout", "1e308"),  # OverflowError traceback, row left running
        ("--timeout", "inf"),
        ("--timeout", "0"),
        ("--timeout", "-1"),
        ("--kill-grace", "nan"),
        ("--kill-grace", "1e308"),
        ("--kill-grace", "-1"),
        ("--retries", "-1"),
        ("--retries", "10000000000"),
        ("--retries", "1.5"),
        ("--retry-delay", "1e308"),  # OverflowError traceback, row left running
        ("--retry-delay", "nan"),
        ("--retry-max-delay", "inf"),
        ("--retry-jitter", "2"),
        ("--retry-jitter", "nan"),
        ("--tail-bytes", "-1"),
        ("--tail-bytes", "1000000000000"),  # kept in memory per stream: capped
        ("--retry-on", "999"),  # exit codes are 0-255
        ("--retry-on", "1,-1"),
        ("--env", "BAD NAME=v"),
        ("--env", "=v"),
        ("--env", "1X=v"),
        ("--secret", "BAD NAME=vault://secret/app#password"),
    ],
)
def test_run_refuses_bad_numbers_and_names_before_running(
    home: Path, tmp_path: Path, flag: str, value: str
) -> None:
    marker = tmp_path / "ran"
    last = _refused(home, flag, "run", flag, value, "--retries", "0", "--", "touch", str(marker))
    assert value in last or value.split("=")[0] in last or value.split(",")[-1] in last
    assert not marker.exists()
    runs = cli(home, "history", "--json", "--all")
    assert runs.returncode == 0, runs.stderr
    assert json.loads(runs.stdout) == []  # nothing recorded, nothing left "running"


def test_run_accepts_good_values(home: Path) -> None:
    done = cli(
        home,
        "run",
        "--timeout",
        "30",
        "--kill-grace",
        "0",
        "--retries",
        "1",
        "--retry-delay",
        "0",
        "--retry-max-delay",
        "0.5",
        "--retry-jitter",
        "0.5",
        "--retry-on",
        "0,1,255",
        "--tail-bytes",
        "0",
        "--env",
        "_GOOD_1=a=b",
        "--",
        "sh",
        "-c",
        'test "$_GOOD_1" = a=b',
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("flag", "args"),
    [
        ("--limit", ("history", "--limit", "-1")),
        ("--limit", ("history", "--limit", "1e308")),
        ("--status", ("history", "--status", "bogus")),
        ("--limit", ("traces", "--limit", "-1")),
        ("--max-parallel", ("workflow", "run", "wf.yaml", "--max-parallel", "0")),
        ("--max-parallel", ("workflow", "run", "wf.yaml", "--max-parallel", "nan")),
        ("--workers", ("scan", "secrets", "--workers", "-1")),
        ("--workers", ("scan", "secrets", "--workers", "0")),
        ("--max-file-bytes", ("scan", "secrets", "--max-file-bytes", "-1")),
        ("--max-catalog-age", ("cost", "prices", "show", "--max-catalog-age", "-1")),
        ("--since", ("cost", "report", "--since", "1e308d")),
    ],
)
def test_other_commands_refuse_bad_numbers_and_choices(
    home: Path, tmp_path: Path, flag: str, args: tuple[str, ...]
) -> None:
    (tmp_path / "wf.yaml").write_text(
        "name: w\ntasks:\n  a:\n    run: touch ran\n", encoding="utf-8"
    )
    _refused(home, flag, *args, cwd=tmp_path)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SCRIPTRUNNER_SAMPLE_INTERVAL", "0"),
        ("SCRIPTRUNNER_SAMPLE_INTERVAL", "nan"),
        ("SCRIPTRUNNER_KILL_GRACE", "1e308"),
        ("SCRIPTRUNNER_BUSY_TIMEOUT", "inf"),
        ("SCRIPTRUNNER_TAIL_BYTES", "1000000000000"),
        ("SCRIPTRUNNER_MAX_SAMPLES", "1"),
        ("SCRIPTRUNNER_TRACE", "ture"),  # was silently false
    ],
)
def test_settings_refuse_bad_numbers(home: Path, tmp_path: Path, variable: str, value: str) -> None:
    marker = tmp_path / "ran"
    done = cli(home, "run", "--", "touch", str(marker), env={variable: value})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert variable in done.stderr and repr(value) in done.stderr
    assert not marker.exists()


def test_settings_file_refuses_zero_sample_interval(home: Path, tmp_path: Path) -> None:
    (tmp_path / "scriptrunner.toml").write_text("sample_interval = 0\n", encoding="utf-8")
    done = cli(home, "run", "--", "true", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "scriptrunner.toml" in done.stderr and "sample_interval" in done.stderr
