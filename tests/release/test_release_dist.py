"""The release (issue 22): the wheel and sdist ``make dist`` builds, installed and used as a user would.

Both are built once for the module with the venv's own build backend (``python -m build
--no-isolation``: hatchling is in the dev extra; nothing is fetched), the way ``make dist``
builds them, and checked by ``twine check --strict``.  The wheel is then installed
``--no-deps`` into a fresh venv whose site-packages reaches the dev venv's libraries through
one ``.pth`` *path line*: such a line only adds a directory to ``sys.path``, so the dev
venv's own ``.pth`` hooks (its editable install of this checkout among them) are not
processed, and the only ``scriptrunner`` there is the wheel's (checked: no other entry of
``sys.path`` can import it).  No network: installing the dependencies from the registry on
every run would be slow and is what the dev venv already did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest

from fixtures.ci_tools import venv_tool
from fixtures.cli import read_line
from fixtures.scanning import semgrep_path
from scriptrunner.version import __version__

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "scriptrunner"
#: Data files the package reads at run time (``Path(__file__)`` / ``importlib.resources``):
#: the bundled Semgrep rules, the JSON schemas, the price catalogs, the dashboard's files.
DATA_DIRS = {
    "scriptrunner/scanners/code/rules": ".yaml",
    "scriptrunner/costs/catalogs": ".json",
    "scriptrunner/server/static": "",
}
DATA_FILES = (
    "scriptrunner/workflows/workflow.schema.json",
    "scriptrunner/costs/catalog.schema.json",
    "scriptrunner/costs/catalogs/aws.json",
    "scriptrunner/costs/catalogs/azure.json",
    "scriptrunner/costs/catalogs/gcp.json",
    "scriptrunner/server/static/app.css",
    "scriptrunner/scanners/deps/inputs/dist_probe.py",  # run as a script in another Python
)
AWS_KEY = "AKIA" + "QZ4T7Y2W6R3E5U7I"


@dataclass(frozen=True, slots=True)
class Dist:
    wheel: Path
    sdist: Path


@dataclass(frozen=True, slots=True)
class Installed:
    """The fresh venv holding the wheel, and the environment to run its commands in."""

    root: Path
    site: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def run(self, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.root / "bin" / "scriptrunner"), *args],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    if find_spec("hatchling") is None:
        pytest.fail("hatchling not found: run `make install` (the dev extra has it)")
    out = tmp_path_factory.mktemp("dist")
    # The sdist, then the wheel built from the unpacked sdist: the sdist must be enough.
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == len(sdists) == 1, sorted(out.iterdir())
    return Dist(wheels[0], sdists[0])


@pytest.fixture(scope="module")
def wheel_names(dist: Dist) -> set[str]:
    with zipfile.ZipFile(dist.wheel) as whl:
        return set(whl.namelist())


def package_files() -> set[str]:
    """Every file of ``src/scriptrunner`` (no bytecode), as the wheel names it."""
    return {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in (".pyc", ".pyo")
    }


def test_names_carry_the_one_version(dist: Dist, wheel_names: set[str]) -> None:
    assert dist.wheel.name == f"scriptrunner-{__version__}-py3-none-any.whl"
    assert dist.sdist.name == f"scriptrunner-{__version__}.tar.gz"
    with zipfile.ZipFile(dist.wheel) as whl:
        meta = whl.read(f"scriptrunner-{__version__}.dist-info/METADATA").decode()
        entry_points = whl.read(f"scriptrunner-{__version__}.dist-info/entry_points.txt").decode()
    assert f"\nVersion: {__version__}\n" in meta
    assert "scriptrunner = scriptrunner.cli.main:entry" in entry_points


def test_the_wheel_is_the_package_with_its_data_and_nothing_else(wheel_names: set[str]) -> None:
    dist_info = f"scriptrunner-{__version__}.dist-info/"
    assert {n for n in wheel_names if not n.startswith(dist_info)} == package_files()
    for directory, suffix in DATA_DIRS.items():
        source = sorted((PACKAGE.parent / directory).iterdir())
        assert source and all(p.name.endswith(suffix) for p in source), directory
        assert {f"{directory}/{p.name}" for p in source} <= wheel_names
    assert set(DATA_FILES) <= wheel_names
    assert (
        sum(n.startswith("scriptrunner/server/static/") and n.endswith(".js") for n in wheel_names)
        >= 10
    )
    assert not [n for n in wheel_names if n.startswith(("tests/", "bench/")) or "__pycache__" in n]
    assert not [n for n in wheel_names if n.endswith((".pyc", ".pyo"))]


def test_the_sdist_has_source_tests_and_docs_but_no_corpora_or_tools(dist: Dist) -> None:
    top = f"scriptrunner-{__version__}/"
    with tarfile.open(dist.sdist) as tar:
        names = {m.name.removeprefix(top) for m in tar.getmembers() if m.isfile()}
    wanted = {"pyproject.toml", "README.md", "CHANGELOG.md", "Makefile", "mkdocs.yml", "PKG-INFO"}
    assert wanted <= names
    assert {f"src/{n}" for n in package_files()} <= names
    assert "tests/conftest.py" in names and "docs/architecture.md" in names
    unwanted = ("bench/", ".tools/", ".venv/", ".git/", "dist/", "build/", "site/")
    assert not [n for n in names if n.startswith(unwanted)]
    assert not [n for n in names if "__pycache__" in n or "node_modules" in n]


def test_twine_check_strict_passes(dist: Dist) -> None:
    proc = subprocess.run(
        [str(venv_tool("twine")), "check", "--strict", str(dist.wheel), str(dist.sdist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("venv") / "release"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The dev venv's libraries (the dependencies), as plain path lines.
    dev = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "dev-libraries.pth").write_text("".join(f"{p}\n" for p in dev), encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SCRIPTRUNNER_", "AWS_", "PYTHON", "VIRTUAL_ENV", "COV_CORE"))
    }
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", str(dist.wheel)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    env["SCRIPTRUNNER_HOME"] = str(root.parent / "home")
    env["SCRIPTRUNNER_SEMGREP"] = str(semgrep_path())
    yield Installed(root, site, env)


PROBE = """\
import importlib.machinery, importlib.metadata, json, sys
import scriptrunner
others = [p for p in sys.path if p != sys.argv[1]]
print(json.dumps({
    "file": scriptrunner.__file__,
    "version": scriptrunner.__version__,
    "metadata": importlib.metadata.version("scriptrunner"),
    "elsewhere": str(importlib.machinery.PathFinder.find_spec("scriptrunner", others)),
    "path": sys.path,
}))
"""


def test_the_venv_imports_the_wheel_and_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [str(installed.python), "-c", PROBE, str(installed.site)],
        env=installed.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    probe = json.loads(proc.stdout)
    assert Path(probe["file"]).is_relative_to(installed.root), probe["file"]
    assert probe["version"] == probe["metadata"] == __version__
    assert probe["elsewhere"] == "None", probe  # no other sys.path entry has scriptrunner
    assert str(REPO / "src") not in probe["path"] and str(REPO) not in probe["path"]
    assert not (installed.site / "_editable_impl_scriptrunner.pth").exists()


def test_version_run_and_workflow_run_from_the_wheel(installed: Installed, tmp_path: Path) -> None:
    version = installed.run("--version", cwd=tmp_path)
    assert (version.returncode, version.stdout) == (0, f"scriptrunner {__version__}\n")

    (tmp_path / "job.py").write_text(
        "import sys\nprint('processing', sys.argv[sys.argv.index('--date') + 1])\n"
    )
    run = installed.run("run", "job.py", "--date", "2026-12-07", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (0, "processing 2026-12-07\n"), run.stderr

    (tmp_path / "nightly.yaml").write_text(
        "tasks:\n"
        "  extract:\n    script: job.py\n    args: ['--date', '2026-12-07']\n"
        "  transform:\n    needs: [extract]\n"
        "    run: sh -c 'echo rows=3 >> \"$SCRIPTRUNNER_OUTPUT\"'\n"
    )
    wf = installed.run("workflow", "run", "nightly.yaml", "--json", cwd=tmp_path)
    assert wf.returncode == 0, wf.stdout + wf.stderr
    story = json.loads(wf.stdout)
    assert story["status"] == "succeeded", story
    history = installed.run("history", "--json", cwd=tmp_path)
    assert history.returncode == 0 and "job.py" in history.stdout, history.stderr


def test_scans_from_the_wheel_find_a_planted_key_and_use_the_bundled_rules(
    installed: Installed, tmp_path: Path
) -> None:
    (tmp_path / "config.py").write_text(f"AWS_KEY = '{AWS_KEY}'\n")
    (tmp_path / "app.py").write_text(
        "import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n"
    )
    secrets = installed.run("scan", "secrets", "--json", "config.py", cwd=tmp_path)
    assert secrets.returncode == 1, secrets.stderr  # 1: findings
    found = json.loads(secrets.stdout)["findings"]
    assert [(f["rule_id"], f["location"]["path"]) for f in found] == [
        ("aws-access-key-id", "config.py")
    ]
    assert AWS_KEY not in secrets.stdout  # redacted

    code = installed.run("scan", "code", "--json", "app.py", cwd=tmp_path)
    assert code.returncode == 1, code.stderr
    report = json.loads(code.stdout)
    assert report["complete"] is True and report["tools"]["taint"] == __version__
    rules = [f["properties"]["tool_rules"] for f in report["findings"]]
    # sr-* rules exist only in the rule files the wheel carries.
    assert {"semgrep": ["sr-yaml-unsafe-load"], "bandit": ["B506"]} in rules, rules


def test_serve_from_the_wheel_serves_the_dashboards_files(
    installed: Installed, tmp_path: Path
) -> None:
    help_ = installed.run("serve", "--help", cwd=tmp_path)
    assert help_.returncode == 0, help_.stderr
    assert help_.stdout.startswith("usage: scriptrunner serve")

    proc = subprocess.Popen(
        [str(installed.root / "bin" / "scriptrunner"), "serve", "--port", "0"],
        env=installed.env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        while not line.startswith("Serving on "):
            line = read_line(proc)
            assert line, proc.communicate()[1]
        url = line.removeprefix("Serving on ").strip()
        token = (Path(installed.env["SCRIPTRUNNER_HOME"]) / "serve-token").read_text().strip()
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
            for name in ("app.css", "dag.js"):
                got = http.get(f"/static/{name}")
                assert got.status_code == 200, (name, got.status_code)
                assert got.content == (PACKAGE / "server" / "static" / name).read_bytes()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
