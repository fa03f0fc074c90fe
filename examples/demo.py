"""The `make run` demo: what scriptrunner does so far, on the embedded SQLite store."""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SR = [sys.executable, "-m", "scriptrunner"]


def step(title: str, *args: str, expect: int = 0) -> None:
    print(f"\n\033[1m$ scriptrunner {shlex.join(args)}\033[0m   # {title}", flush=True)
    code = subprocess.call([*SR, *args])
    if code != expect:
        sys.exit(f"demo: expected exit {expect}, got {code}")


def main() -> None:
    home = os.environ.get("SCRIPTRUNNER_HOME", "")
    print(f"scriptrunner demo — history store in {home or 'the per-user data dir'}")
    step(
        "run a script; output streams live, metrics are recorded",
        "run",
        "--tag",
        "team=demo",
        str(HERE / "scripts" / "crunch.py"),
        "200000",
    )
    step(
        "a flaky script, retried with exponential backoff",
        "run",
        "--retries",
        "3",
        "--retry-delay",
        "0.2",
        str(HERE / "scripts" / "flaky.py"),
    )
    step(
        "a hung command is killed with its whole process tree at the timeout",
        "run",
        "--timeout",
        "1",
        "--kill-grace",
        "1",
        "--",
        "sh",
        "-c",
        "sleep 30 & sleep 30",
        expect=124,
    )
    step("exit codes pass through", "run", "--", "sh", "-c", "exit 3", expect=3)
    etl = str(HERE / "workflows" / "etl.yaml")
    step("a workflow's plan: matrix instances by execution level", "workflow", "plan", etl)
    step("run it: parallel tasks, outputs passed on, conditions", "workflow", "run", etl)
    step(
        "attribute a cloud cost to a run (measured wall time x the m5.large price)",
        "run",
        "-q",
        "--cost-profile",
        "aws:m5.large",
        str(HERE / "scripts" / "crunch.py"),
    )
    step(
        "estimate what the pipeline's resources cost, by team",
        "cost",
        "estimate",
        str(HERE / "costs.yaml"),
        "--by",
        "tag:team",
        "--summary",
    )
    step(
        "security-scan the scripts (Bandit + Semgrep, offline)",
        "scan",
        "code",
        str(HERE / "scripts"),
        str(HERE / "workflows"),
    )
    step(
        "a gate: scan before running, block on high findings",
        "run",
        "--scan",
        "code",
        "--block-on",
        "high",
        str(HERE / "scripts" / "crunch.py"),
    )
    step(
        "install an offline OSV advisory database (here: 4 demo records)",
        "db",
        "update",
        "--from",
        str(HERE / "advisories"),
    )
    sbom = str(Path(home or ".") / "sbom.cdx.json")
    step(
        "check pinned dependencies against it; write a CycloneDX SBOM",
        "scan",
        "deps",
        str(HERE / "requirements.txt"),
        "--sbom",
        sbom,
        expect=1,
    )
    leaky = Path(home or ".") / "leaky"
    leaky.mkdir(parents=True, exist_ok=True)
    # A freshly made fake key (never a real one in the repository); the scan redacts it.
    fake = "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    (leaky / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{fake}"  # oops\n')
    step("find credentials in files (values redacted)", "scan", "secrets", str(leaky), expect=1)
    step("the run history", "history", "--limit", "8")
    step("failure rate and duration percentiles", "stats")
    where = f"SCRIPTRUNNER_HOME={shlex.quote(home)} " if home else ""
    print(
        "\n\033[1mSee it all in the dashboard\033[0m (runs, workflows, traces, findings, costs):\n"
        f"  {where}.venv/bin/scriptrunner serve --scripts-dir {shlex.quote(str(HERE / 'scripts'))} "
        f"--workflows-dir {shlex.quote(str(HERE / 'workflows'))}\n"
        "  then open http://127.0.0.1:8765/ and log in with the token in "
        f"{shlex.quote(str(Path(home) / 'serve-token')) if home else '$SCRIPTRUNNER_HOME/serve-token'}"
        " (written on the first start).",
        flush=True,
    )


if __name__ == "__main__":
    main()
