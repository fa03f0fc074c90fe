"""pyproject.toml (PEP 621, PEP 735, Poetry) and lock files (poetry.lock, uv.lock,
Pipfile.lock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.deps.inputs import load_inputs

ENV = {"python_version": "3.11", "sys_platform": "linux", "python_full_version": "3.11.7"}


def load(path: Path, text: str) -> list:
    path.write_text(text)
    return load_inputs([path], path.parent, ENV)


def test_pep621_and_dependency_groups(tmp_path: Path) -> None:
    deps = load(
        tmp_path / "pyproject.toml",
        '[project]\nname = "me"\ndependencies = [\n  "requests==2.19.0",\n  "flask>=2",\n'
        "  \"winonly==1; sys_platform == 'win32'\",\n]\n\n[project.optional-dependencies]\n"
        'yaml = ["PyYAML===5.3"]\n\n[dependency-groups]\ntest = ["pytest~=8.0", {include-group = "x"}]\n',
    )
    got = [(d.name, d.version, d.line, d.unresolvable is None) for d in deps]
    assert got == [
        ("requests", "2.19.0", 4, True),
        ("flask", None, 5, False),
        ("PyYAML", "5.3", 10, True),
        ("pytest", None, 13, False),
    ]
    assert "pin it with ==" in (deps[1].unresolvable or "")


def test_poetry_tables_and_groups(tmp_path: Path) -> None:
    deps = load(
        tmp_path / "pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "2.19.0"\nflask = "^2.0"\n'
        'django = { version = "==3.2.0", extras = ["bcrypt"] }\n'
        'mine = { path = "../mine" }\n'
        'onwin = { version = "1.0", markers = "sys_platform == \'win32\'" }\n\n'
        '[tool.poetry.group.dev.dependencies]\nrequests = "2.31.0"\n',
    )
    got = [(d.name, d.version, d.line) for d in deps]
    assert got == [
        ("requests", "2.19.0", 3),
        ("flask", None, 4),
        ("django", "3.2.0", 5),
        ("mine", None, 6),
        ("requests", "2.31.0", 10),
    ]
    assert deps[2].extras == ("bcrypt",)
    assert "path dependency" in (deps[3].unresolvable or "")


POETRY_LOCK = """\
[[package]]
name = "requests"
version = "2.19.0"
optional = false
python-versions = "*"
files = [
    {file = "requests-2.19.0-py2.py3-none-any.whl", hash = "sha256:AAA"},
    {file = "requests-2.19.0.tar.gz", hash = "sha256:bbb"},
]

[package.dependencies]
urllib3 = ">=1.21.1,<1.24"

[[package]]
name = "urllib3"
version = "1.23"
files = []

[[package]]
name = "mine"
version = "0.1"
files = []

[package.source]
type = "directory"
url = "../mine"
"""


def test_poetry_lock(tmp_path: Path) -> None:
    deps = load(tmp_path / "poetry.lock", POETRY_LOCK)
    by = {d.key: d for d in deps}
    assert (by["requests"].version, by["requests"].line) == ("2.19.0", 2)
    assert by["requests"].hashes == ("sha256:aaa", "sha256:bbb")
    assert by["requests"].requires == ("urllib3",)
    assert by["requests"].direct and not by["urllib3"].direct
    assert by["mine"].version is None and "local directory" in (by["mine"].unresolvable or "")


UV_LOCK = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "me"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "requests" }]

[package.optional-dependencies]
yaml = [{ name = "pyyaml" }]

[[package]]
name = "requests"
version = "2.19.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "urllib3" }]
sdist = { url = "https://x/requests-2.19.0.tar.gz", hash = "sha256:CCC", size = 1 }
wheels = [{ url = "https://x/requests-2.19.0-py3-none-any.whl", hash = "sha256:ddd", size = 1 }]

[[package]]
name = "urllib3"
version = "1.23"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pyyaml"
version = "5.3"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_skips_the_project_and_marks_its_requirements_direct(tmp_path: Path) -> None:
    deps = load(tmp_path / "uv.lock", UV_LOCK)
    by = {d.key: d for d in deps}
    assert sorted(by) == ["pyyaml", "requests", "urllib3"]
    assert by["requests"].hashes == ("sha256:ccc", "sha256:ddd")
    assert by["requests"].direct and by["pyyaml"].direct and not by["urllib3"].direct
    assert by["requests"].line == 14 and by["requests"].source == "uv.lock"


def test_pipfile_lock(tmp_path: Path) -> None:
    data = {
        "_meta": {"hash": {"sha256": "x"}},
        "default": {
            "requests": {
                "version": "==2.19.0",
                "hashes": ["sha256:EEE"],
                "markers": "python_version >= '3.6'",
            },
            "winonly": {"version": "==1.0", "markers": "sys_platform == 'win32'"},
            "gitdep": {"git": "https://github.com/o/r.git", "ref": "abc"},
        },
        "develop": {"pytest": {"version": "==7.0.0", "hashes": []}},
    }
    deps = load(tmp_path / "Pipfile.lock", json.dumps(data, indent=4))
    got = [(d.name, d.version, d.hashes) for d in deps]
    assert got == [
        ("requests", "2.19.0", ("sha256:eee",)),
        ("gitdep", None, ()),
        ("pytest", "7.0.0", ()),
    ]
    assert deps[0].line is not None and "git dependency" in (deps[1].unresolvable or "")


@pytest.mark.parametrize("name", ["pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock"])
def test_broken_files_are_config_errors_naming_the_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load(tmp_path / name, "this is [not valid\n")
