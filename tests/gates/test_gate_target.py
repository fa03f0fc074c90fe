"""What ``run --scan`` scans for each command shape (``gates/target.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ConfigError
from scriptrunner.gates.target import gate_target


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "job.py").write_text("print(1)\n")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "mod.py").write_text("")
    (tmp_path / "ns").mkdir()
    (tmp_path / "ns" / "tool.py").write_text("")
    (tmp_path / "single.py").write_text("")
    return tmp_path


def target(proj: Path, *words: str, env: dict[str, str] | None = None) -> tuple[Path, str]:
    spec = RunSpec(command=(sys.executable, *words), cwd=str(proj), env=env or {})
    found = gate_target(spec)
    return found.primary, found.described


@pytest.mark.parametrize(
    ("words", "primary", "described"),
    [
        (["job.py", "x"], "job.py", "job.py"),
        (["-u", "-W", "ignore", "job.py"], "job.py", "job.py"),
        (["-X", "dev", "--", "job.py"], "job.py", "job.py"),
        (["-m", "pkg"], "pkg", "pkg/ (package)"),
        (["-Bm", "pkg.sub.mod"], "pkg", "pkg/ (package of module pkg.sub.mod)"),
        (["-mpkg"], "pkg", "pkg/ (package)"),
        (["-m", "single", "job.py"], "single.py", "single.py (module single)"),
        (["-m", "ns.tool"], "ns", "ns/ (package of module ns.tool)"),
    ],
)
def test_the_code_python_runs_is_what_is_scanned(
    proj: Path, words: list[str], primary: str, described: str
) -> None:
    assert target(proj, *words) == (proj / primary, described)


def test_pythonpath_of_the_run_is_searched_and_isolated_mode_ignores_it(
    proj: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lib = tmp_path_factory.mktemp("lib")
    (lib / "hidden.py").write_text("")
    assert target(proj, "-m", "hidden", env={"PYTHONPATH": str(lib)})[0] == lib / "hidden.py"
    with pytest.raises(ConfigError, match="not found where Python will look"):
        target(proj, "-I", "-m", "hidden", env={"PYTHONPATH": str(lib)})
    with pytest.raises(ConfigError, match="not found"):
        target(proj, "-I", "-m", "single")  # -I leaves the working directory out


def test_the_interpreters_own_path_is_searched(proj: Path) -> None:
    primary, described = target(proj, "-m", "json.tool")
    assert (primary / "__init__.py").is_file() and primary.name == "json"
    assert described.endswith("(package of module json.tool)")


@pytest.mark.parametrize(
    ("words", "why"),
    [
        (["-c", "print(1)"], "-c CODE"),
        (["-Ic", "print(1)"], "-c CODE"),
        (["-"], "standard input"),
        ([], "interactive"),
        (["-m", "single.x"], "is a module, not a package"),
        (["-m", "nope"], "not found"),
        (["missing.py"], "does not exist"),
    ],
)
def test_code_that_cannot_be_identified_is_refused(proj: Path, words: list[str], why: str) -> None:
    with pytest.raises(ConfigError, match="--scan-path") as info:
        target(proj, *words)
    assert why in str(info.value)


def test_other_programs_are_refused_and_scan_paths_win(proj: Path) -> None:
    spec = RunSpec(command=("sh", "-c", "python3 job.py", "job.py"), cwd=str(proj))
    with pytest.raises(ConfigError, match="`sh` is not a Python interpreter"):
        gate_target(spec)
    found = gate_target(spec, [str(proj / "job.py"), str(proj / "pkg")])
    assert (found.primary, found.extra) == (proj / "job.py", (proj / "pkg",))
    with pytest.raises(ConfigError, match="--scan-path nope.py: no such file"):
        gate_target(spec, ["nope.py"])
