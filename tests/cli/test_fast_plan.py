"""``cli.fast_run.plan``: the fast path takes only the command lines it runs exactly as the
full path would; every other one (None) goes to the full path, which explains errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptrunner.cli.fast_run import plan
from scriptrunner.store.sqlite import SqliteHistory


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    SqliteHistory(home / "history.db").close()
    work = tmp_path / "work"
    work.mkdir()
    (work / "job.py").write_text("print('hi')\n")
    monkeypatch.chdir(work)
    return home


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"SCRIPTRUNNER_HOME": str(home), "HOME": str(home.parent), **extra}


def test_options_are_read_into_the_plan(home: Path) -> None:
    work = home.parent / "work"
    p = plan(
        [
            "run",
            *("--env", "A_1=x=y", "--tag", " team =ops", "--cwd", str(work)),
            *("--python", "/usr/bin/python3", "--tail-bytes", "64", "--keep-daemons", "-q"),
            *("job.py", "arg"),
        ],
        env(home),
    )
    assert p is not None
    assert (p.env, p.tags, p.chdir, p.tail_bytes, p.keep_daemons) == (
        {"A_1": "x=y"},
        {"team": "ops"},
        str(work),
        64,
        True,
    )
    assert p.command == ["/usr/bin/python3", f"{work}/job.py", "arg"]
    assert p.script == str((work / "job.py").resolve())
    assert p.store == f"{home}/history.db" and p.quiet


def test_the_home_option_and_the_default_homes_find_the_store(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = plan(["--home", str(home), "run", "--", "true"], {"HOME": "/nonexistent"})
    assert p is not None and p.store == f"{home}/history.db"
    xdg = {"XDG_DATA_HOME": str(home.parent), "HOME": "/nonexistent"}
    (home.parent / "scriptrunner").symlink_to(home)
    p = plan(["run", "--", "true"], xdg)
    assert p is not None and p.store == f"{home.parent}/scriptrunner/history.db"
    monkeypatch.setenv("HOME", str(home.parent))  # what ``~`` expands to
    p = plan(["run", "--", "true"], {"SCRIPTRUNNER_HOME": "~/home"})
    assert p is not None and p.store == f"{home}/history.db"


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--env", "A=1"],  # no target
        ["run", "--env"],  # option without its value
        ["run", "--tag", "-q", "--", "true"],  # a value that looks like an option
        ["run", "--env", "NOEQUALS", "--", "true"],
        ["run", "--env", "1BAD=x", "--", "true"],
        ["run", "--env", "A=x\0y", "--", "true"],
        ["run", "--env", "PATH=/bin", "--", "true"],  # looked up in the child's PATH
        ["run", "--tag", " =x", "--", "true"],
        ["run", "--cwd", "relative", "--", "true"],
        ["run", "--cwd", "/no/such/dir", "--", "true"],
        ["run", "--tail-bytes", "lots", "--", "true"],
        ["run", "--tail-bytes", "999999999999", "--", "true"],
        ["run", "--tag", "k=\udcff", "--", "true"],  # a lone surrogate
        ["run", "--"],  # no command after --
        ["run", "missing.py"],
        ["run", "//net/job.py"],
        ["run", "--unknown", "job.py"],
    ],
)
def test_command_lines_the_full_path_must_judge_are_handed_over(
    home: Path, argv: list[str]
) -> None:
    assert plan(argv, env(home)) is None


@pytest.mark.parametrize("home_value", ["//server/home", "relative/home"])
def test_an_unusual_home_is_handed_over(home: Path, home_value: str) -> None:
    assert plan(["run", "--", "true"], env(home, SCRIPTRUNNER_HOME=home_value)) is None


def test_a_store_that_is_not_sqlite_wal_is_handed_over(home: Path) -> None:
    other = home.parent / "other"
    other.mkdir()
    (other / "history.db").write_bytes(b"not sqlite" * 20)
    assert plan(["run", "--", "true"], env(other)) is None
    assert plan(["run", "--", "true"], env(home.parent / "empty")) is None  # no store yet
    assert plan(["run", "--", "true"], env(home)) is not None


def test_the_switch_or_a_setting_hands_every_run_over(home: Path) -> None:
    assert plan(["run", "--", "true"], env(home, SCRIPTRUNNER_FAST_PATH="0")) is None
    assert plan(["run", "--", "true"], env(home, SCRIPTRUNNER_TAIL_BYTES="5")) is None
    assert plan(["history"], env(home)) is None
    (home.parent / "work" / "scriptrunner.toml").write_text("tail_bytes = 10\n")
    assert plan(["run", "--", "true"], env(home)) is None  # settings: the full path reads them


def test_a_settings_file_that_cannot_be_read_is_handed_over(home: Path) -> None:
    (home.parent / "work" / "scriptrunner.toml").write_text("tail_bytes = [unclosed\n")
    assert plan(["run", "--", "true"], env(home)) is None  # the full path says what is wrong
