"""A scan whose secret engine cannot load (the ``secrets`` packages missing) fails with one
line naming the fix, exit 2: never a traceback, never a report it could not redact.

The packages are installed here; a module on ``PYTHONPATH`` that fails to import stands in
for a machine without them (the one thing that cannot be produced for real in this venv).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli

FLOW = (
    "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n\n\nrun(input())\n"
)


@pytest.mark.parametrize(
    "args",
    [("scan", "code", "--tool", "taint", "bad.py"), ("scan", "secrets", "bad.py")],
    ids=["code", "secrets"],
)
def test_a_scan_without_the_secret_engine_fails_with_one_line(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "ahocorasick.py").write_text('raise ImportError("No module named ahocorasick")\n')
    (tmp_path / "bad.py").write_text(FLOW)
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH", "")]))
    proc = run_cli(*args, "--no-record", env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("scriptrunner: error: the secret scanner"), proc.stderr
    assert "pip install 'scriptrunner[secrets]'" in lines[-1]
    assert proc.stdout == ""
