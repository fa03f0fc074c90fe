"""The example ETL scripts run quickly and publish outputs the way the docs describe."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.loader import load_workflow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workflows"


def read_outputs(path: Path) -> dict[str, str]:
    """A minimal reader of the ``$SCRIPTRUNNER_OUTPUT`` format (``k=v`` and heredocs)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            body = []
            for item in lines:
                if item == delimiter:
                    break
                body.append(item)
            outputs[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def run(tmp_path: Path, script: str, *args: str) -> dict[str, str]:
    output = tmp_path / f"{script}.{len(list(tmp_path.iterdir()))}.out"
    output.touch()
    env = {**os.environ, "ETL_DATA_DIR": str(tmp_path / "data"), "SCRIPTRUNNER_OUTPUT": str(output)}
    subprocess.run(
        [sys.executable, str(EXAMPLE / script), *args], env=env, check=True, capture_output=True
    )
    return read_outputs(output)


def test_etl_example_plan() -> None:
    plan = expand(load_workflow(EXAMPLE / "etl.yaml"))
    assert [i.id for i in plan.instances] == [
        "extract (day=mon)",
        "extract (day=wed)",
        "extract (day=sun, full=true)",
        "transform",
        "report",
        "alert",
        "cleanup",
    ]


def test_etl_scripts_run_in_under_a_second_and_write_outputs(tmp_path: Path) -> None:
    started = time.monotonic()
    mon = run(tmp_path, "extract.py", "--day", "mon", "--full", "")
    sun = run(tmp_path, "extract.py", "--day", "sun", "--full", "true")
    summary = run(tmp_path, "transform.py", "--min-rows", "1")
    report = run(tmp_path, "report.py", "--result", "success", "--rows", summary["rows"])
    run(tmp_path, "cleanup.py")
    elapsed = time.monotonic() - started

    assert int(summary["rows"]) == int(mon["rows"]) + int(sun["rows"])
    assert summary["days"] == "mon,sun"
    assert summary["summary"].splitlines() == [
        f"mon: {mon['rows']} orders",
        f"sun: {sun['rows']} orders",
    ]
    assert report == {"status": "ok"}
    assert not list((tmp_path / "data").glob("*.csv"))
    assert elapsed < 5  # about 0.3 s; generous for slow CI machines
