"""Installed environments: this interpreter in-process, another one in a subprocess."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.scanners.deps.inputs import load_environment
from scriptrunner.scanners.deps.inputs.environment import build

ENV = {"python_version": "3.11", "sys_platform": "linux"}


def test_current_environment_lists_installed_distributions() -> None:
    deps = {d.key: d for d in load_environment(None)}
    assert deps["packaging"].version == metadata.version("packaging")
    assert deps["packaging"].source == f"<environment {sys.executable}>"
    assert deps["cvss"].line is None


def test_other_interpreter_in_a_subprocess_gives_the_same_packages() -> None:
    # The test venv's interpreter, run as a separate process through --python's code path.
    other = {d.key: d.version for d in load_environment(sys.executable)}
    here = {d.key: d.version for d in load_environment(None)}
    assert other == here


def test_bad_interpreter_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such interpreter"):
        load_environment(str(tmp_path / "nope"))
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(ScannerError, match="exit 3.*broken"):
        load_environment(str(fake))


def test_graph_markers_extras_and_direct() -> None:
    dists = [
        {
            "name": "App",
            "version": "1.0",
            "license": "MIT",
            "requires": ["requests[socks]>=2", "colorama; sys_platform == 'win32'"],
        },
        {
            "name": "requests",
            "version": "2.19.0",
            "license": None,
            "requires": ["urllib3", "PySocks; extra == 'socks'", "chardet; extra == 'other'"],
        },
        {"name": "urllib3", "version": "1.23", "license": None, "requires": []},
        {"name": "PySocks", "version": "1.7", "license": None, "requires": []},
        {
            "name": "chardet",
            "version": "3.0",
            "license": None,
            "requires": ["not a [valid requirement"],
        },
        {"name": "colorama", "version": "0.4", "license": None, "requires": []},
    ]
    deps = {d.key: d for d in build(dists, ENV, "<environment /x/python>")}
    assert deps["app"].requires == ("requests",)  # colorama only on Windows
    assert deps["requests"].requires == ("pysocks", "urllib3")  # extra asked by App
    assert deps["app"].direct and not deps["requests"].direct and not deps["pysocks"].direct
    assert deps["chardet"].direct and deps["colorama"].direct  # nothing requires them here
    assert deps["app"].license == "MIT"
