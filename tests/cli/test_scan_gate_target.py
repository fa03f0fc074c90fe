"""Issue 15, defect 5: ``run --scan`` scans what will execute (``-m`` modules and packages),
refuses code it cannot identify (``-c``) unless ``--scan-path`` names it, and says what it
scanned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from fixtures.scanning import semgrep_path

EVIL = (
    "import os\nimport sys\nfrom pathlib import Path\n\n"
    "Path('ran').touch()\nos.system('rm -rf /srv/' + sys.argv[-1])\n"
)


def run(
    home: Path, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    settings = cli_env(SCRIPTRUNNER_HOME=str(home), SCRIPTRUNNER_SEMGREP=str(semgrep_path()))
    settings.update(env or {})
    return run_cli("run", *args, env=settings, cwd=cwd, timeout=180)


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "clean.py").write_text("print('clean')\n")
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "__init__.py").write_text("")
    (tmp_path / "evil" / "__main__.py").write_text(EVIL)
    (tmp_path / "evilmod.py").write_text(EVIL)
    return tmp_path


@pytest.mark.parametrize("module", ["evil", "evilmod"])
def test_scan_code_scans_the_module_python_m_runs(proj: Path, module: str) -> None:
    r = run(
        proj / "home", "--scan", "code", "--", sys.executable, "-m", module, "clean.py", cwd=proj
    )
    assert r.returncode == 3, r.stderr
    assert not (proj / "ran").exists()
    assert "shell-injection" in r.stderr


def test_scan_code_finds_a_module_on_pythonpath(proj: Path) -> None:
    lib = proj / "lib"
    lib.mkdir()
    (proj / "evilmod.py").rename(lib / "hidden.py")
    r = run(
        proj / "home",
        "--scan",
        "code",
        "--env",
        f"PYTHONPATH={lib}",
        "--",
        sys.executable,
        "-m",
        "hidden",
        "clean.py",
        cwd=proj,
    )
    assert r.returncode == 3, r.stderr
    assert not (proj / "ran").exists()


def test_passing_gate_says_what_it_scanned(proj: Path) -> None:
    (proj / "good").mkdir()
    (proj / "good" / "__init__.py").write_text("")
    (proj / "good" / "__main__.py").write_text("print('good')\n")
    r = run(proj / "home", "--scan", "code", "--", sys.executable, "-m", "good", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert "code scan passed" in r.stderr and "scanned: good/ (package)" in r.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["-c", "import evilmod", "clean.py"],
        ["-", "clean.py"],
    ],
)
def test_scan_refuses_code_it_cannot_identify(proj: Path, command: list[str]) -> None:
    r = run(proj / "home", "--scan", "code", "--", sys.executable, *command, cwd=proj)
    assert r.returncode == 2, r.stderr
    assert "--scan-path" in r.stderr
    assert not (proj / "ran").exists()


def test_scan_refuses_a_non_python_command_naming_a_py_file(proj: Path) -> None:
    r = run(
        proj / "home", "--scan", "code", "--", "sh", "-c", "python3 -m evil", "clean.py", cwd=proj
    )
    assert r.returncode == 2, r.stderr
    assert "--scan-path" in r.stderr and not (proj / "ran").exists()


def test_scan_path_scans_exactly_the_given_paths(proj: Path) -> None:
    r = run(
        proj / "home",
        "--scan",
        "code",
        "--scan-path",
        "evil",
        "--",
        sys.executable,
        "-c",
        "import runpy; runpy.run_module('evil')",
        cwd=proj,
    )
    assert r.returncode == 3, r.stderr
    assert not (proj / "ran").exists()
    r = run(
        proj / "home",
        "--scan",
        "code",
        "--scan-path",
        "clean.py",
        "--",
        sys.executable,
        "-c",
        "print('ok')",
        cwd=proj,
    )
    assert r.returncode == 0, r.stderr
    assert "scanned: clean.py" in r.stderr


def test_scan_refuses_a_compiled_module_that_shadows_its_source(proj: Path) -> None:
    (proj / "fast.py").write_text("print('clean source')\n")
    (proj / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    r = run(proj / "home", "--scan", "code", "--", sys.executable, "-m", "fast", cwd=proj)
    assert r.returncode == 2, r.stderr
    assert "compiled" in r.stderr and "--scan-path" in r.stderr
