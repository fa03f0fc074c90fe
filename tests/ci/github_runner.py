"""The shell steps of ``action.yml`` run as GitHub's runner would run them, locally.

What the runner does for a composite action's ``run:`` step and what this does too: the
step's ``env:`` values have their expressions evaluated (here only ``inputs.NAME`` and
``steps.ID.outputs.NAME``: anything else fails, so a new kind of expression cannot slip in
unevaluated), the script is written to a file and run with ``bash --noprofile --norc -eo
pipefail FILE`` (GitHub's ``shell: bash``), with ``GITHUB_OUTPUT``, ``GITHUB_ENV`` and
``GITHUB_STEP_SUMMARY`` pointing at fresh files per step, and ``GITHUB_ACTION_PATH`` at the
action's directory; outputs written there become ``steps.ID.outputs``.  The ``run:`` text
itself is never changed: it has no expressions (the tests assert it).  ``uses:`` steps
(setup-python, the SARIF upload) need GitHub's runner and are not run here; their ``if:``
is returned so a test can evaluate what it would decide.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
#: GitHub's command line for ``shell: bash`` (the script file replaces ``{0}``).
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


def load_action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def parse_outputs(text: str) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"output {name}: no closing {delimiter}")
            values[name] = "\n".join(body)
        elif line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class StepRun:
    """What one ``run:`` step did."""

    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class ActionRun:
    """Every ``run:`` step, in order, until one fails (the runner skips the ``run:`` steps
    after a failure, as they have no ``if:``)."""

    steps: list[StepRun] = field(default_factory=list)
    #: ``uses:`` steps, with what their ``if:`` said (they are not run here).
    skipped_uses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def returncode(self) -> int:
        return self.steps[-1].returncode

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)


def inputs_of(action: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The defaults of ``action.yml``'s inputs, overridden by ``given`` (which must exist)."""
    declared = action["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return {name: str(given.get(name, spec.get("default", ""))) for name, spec in declared.items()}


def evaluate(text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        parts = expression.split(".")
        if len(parts) == 2 and parts[0] == "inputs":
            return inputs[parts[1]]
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return outputs.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"the test does not evaluate ${{{{ {expression} }}}}")

    return EXPRESSION.sub(one, text)


def run_action(
    given: dict[str, str], *, workspace: Path, temp: Path, env: dict[str, str]
) -> ActionRun:
    """Run ``action.yml``'s ``run:`` steps with inputs ``given`` on ``workspace``."""
    action = load_action()
    inputs = inputs_of(action, given)
    outputs: dict[str, dict[str, str]] = {}
    result = ActionRun()
    temp.mkdir(parents=True, exist_ok=True)
    failed = False
    for n, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{n}")
        if "uses" in step:
            result.skipped_uses.append((step["uses"], str(step.get("if", ""))))
            continue
        if failed:  # a run: step without if: (they have none) is skipped after a failure
            continue
        files = {name: temp / f"{step_id}.{name}" for name in ("output", "env", "summary")}
        for path in files.values():
            path.write_text("")
        script = temp / f"{step_id}.sh"
        script.write_text(step["run"])
        step_env = {
            **env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "GITHUB_ACTION_PATH": str(REPO),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_ENV": str(files["env"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "RUNNER_TEMP": str(temp),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
        }
        for name, value in (step.get("env") or {}).items():
            step_env[name] = evaluate(str(value), inputs, outputs)
        done = subprocess.run(
            [*BASH, str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs[step_id] = parse_outputs(files["output"].read_text())
        result.steps.append(
            StepRun(
                step_id,
                done.returncode,
                done.stdout,
                done.stderr,
                outputs[step_id],
                files["summary"].read_text(),
            )
        )
        failed = failed or done.returncode != 0
    return result
