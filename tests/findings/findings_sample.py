"""A fixed scan result for the renderer tests (golden files in ``golden/``)."""

from __future__ import annotations

from scriptrunner.findings.model import (
    Finding,
    Location,
    ScanResult,
    Severity,
    Skipped,
    Suppression,
    ToolFailure,
)


def sample_result(*, failures: bool = False) -> ScanResult:
    shell = Finding(
        tools=("semgrep", "bandit"),
        rule_id="shell-injection",
        title="Command built at run time runs through a shell",
        message='Pass a list of arguments; "shell=True" runs %s, commas, and: colons',
        severity=Severity.CRITICAL,
        confidence="HIGH",
        location=Location("app/ops.py", 12, 13, 5, 40),
        cwe=(78,),
        fingerprint="a" * 64,
        help_uri="https://cwe.mitre.org/data/definitions/78.html",
        properties={"tool_rules": {"semgrep": ["sr-os-system"], "bandit": ["B605"]}},
    )
    weak = Finding(
        tools=("bandit",),
        rule_id="weak-hash",
        title="Weak hash (MD5/SHA-1) for security",
        message="Use of weak MD5 hash for security.\nConsider usedforsecurity=False",
        severity=Severity.WARNING,
        confidence="MEDIUM",
        location=Location("app/dir with space/crypto.py", 3, 3, 9, 30),
        cwe=(328,),
        fingerprint="b" * 64,
    )
    info = Finding(
        tools=("bandit",),
        rule_id="bandit.B404",
        title="blacklist",
        message="Consider possible security implications associated with the subprocess module.",
        severity=Severity.INFO,
        confidence="HIGH",
        location=Location("app/ops.py", 1),
        cwe=(78,),
        fingerprint="c" * 64,
    )
    silenced = Finding(
        tools=("semgrep",),
        rule_id="code-injection",
        title="eval/exec of dynamic code",
        message="eval of a value computed at run time",
        severity=Severity.HIGH,
        confidence="HIGH",
        location=Location("app/calc.py", 7, 7, 12, 25),
        cwe=(95,),
        fingerprint="d" * 64,
        suppression=Suppression("inSource", "# nosemgrep: sr-eval"),
    )
    return ScanResult(
        findings=(shell, weak, info),
        suppressed=(silenced,),
        skipped=(
            Skipped("app/broken.py", "syntax error: line 2: invalid syntax"),
            Skipped("app/blob.py", "binary file"),
            Skipped("app/slow.py", "semgrep: Timeout: took too long", "semgrep"),
        ),
        failures=(ToolFailure("bandit", "bandit crashed: Traceback ..."),) if failures else (),
        tools={"semgrep": "1.185.0", "bandit": "1.9.4"},
        timings={"total": 1.23456},
        targets=("app",),
        root="/srv/project",
    )
