"""What a blocked scan tells people on stderr: how to allow one finding, how to accept all.

A scan that exits 1 stops a commit (the pre-commit hooks), a CI job or a script.  The
report already names ``file:line`` and the rule (never a secret's value); these
lines add the two ways out, for the scan kind that blocked: an in-source allow comment
(or ``--ignore ID`` for an advisory) and a baseline of the findings present now.
"""

from __future__ import annotations

import argparse
import sys

#: Scan kind -> (how to allow one finding, the targets the baseline command scans).
_ALLOW = {
    "secrets": (
        "add `# scriptrunner:allow-secret` (or `pragma: allowlist secret`) to its line",
        "",
    ),
    "code": (
        "add `# scriptrunner: ignore[RULE]` to its line (`# nosec`: Bandit's findings only)",
        " .",
    ),
    "deps": ("pass `--ignore ID` (the advisory id or an alias)", " FILES"),
}
_DEFAULT_BASELINE = {
    "secrets": ".secrets-baseline.json",
    "code": ".scan-baseline.json",
    "deps": ".deps-baseline.json",
}


def blocked_hint(kind: str, count: int, args: argparse.Namespace) -> list[str]:
    """The lines printed when ``count`` findings of a ``kind`` scan make it exit 1."""
    allow, targets = _ALLOW.get(kind, ("", " ."))
    if kind == "secrets" and getattr(args, "staged", False):
        targets = " --staged"
    baseline = getattr(args, "baseline", None) or _DEFAULT_BASELINE.get(kind, "baseline.json")
    where = f"in {args.output}" if getattr(args, "output", None) else "above"
    lines = [f"{count} finding(s) block: file:line and rule {where}"]
    if allow:
        lines.append(f"to allow one: {allow}")
    lines.append(
        f"to accept the current ones: `scriptrunner scan {kind}{targets} --baseline {baseline} "
        f"--update-baseline`, then scan with `--baseline {baseline}`"
    )
    return [f"scriptrunner: {line}" for line in lines]


def print_blocked_hint(kind: str, count: int, args: argparse.Namespace) -> None:
    """Print :func:`blocked_hint` on stderr after a ``table`` report (the format for people;
    a machine format's stdout and stderr may be read as one stream), which is flushed first:
    stdout and stderr may be one pipe, as in a pre-commit hook's output.  On a terminal, the
    lines are wrapped to its width."""
    if getattr(args, "format", "table") != "table":
        return
    sys.stdout.flush()
    lines = blocked_hint(kind, count, args)
    if sys.stderr.isatty():
        import textwrap

        from scriptrunner.display import terminal_width

        width = max(terminal_width(), 40)
        lines = [
            part for line in lines for part in textwrap.wrap(line, width, subsequent_indent="  ")
        ]
    for line in lines:
        print(line, file=sys.stderr)


__all__ = ["blocked_hint", "print_blocked_hint"]
