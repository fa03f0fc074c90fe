"""Code scanning: detection quality on a labelled corpus, and speed on a generated project.

    .venv/bin/python bench/code_scan.py [--runs N] [--files N] [--quality-only | --speed-only]

Quality: ``bench/corpus/code/invoicer`` is a small application with vulnerable lines in
every rule category and safe look-alikes beside them; ``truth.yaml`` (kept apart from the
code) lists the vulnerable lines.  A finding is a true positive when its line range covers a
labelled line of its file; recall = labelled issues found / labelled issues, precision =
true-positive findings / findings.  Our combined scan counts findings at WARNING and above;
Bandit alone is shown on all its findings and on MEDIUM+ severity (its own scale).

Speed: a generated project of ``--files`` Python files (the corpus modules, renamed per copy
so no two files are equal) scanned by ``scriptrunner scan code`` with a cold cache, against
``bandit -r`` followed by ``semgrep scan`` (same rules) run by hand; then a rescan of the
unchanged tree (warm cache).  Targets: ratio <= 0.7, rescan <= 10 % of the first scan.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "corpus" / "code"
APP = CORPUS / "invoicer"
SCRIPTRUNNER = Path(sys.executable).parent / "scriptrunner"
RULES = ROOT / "src" / "scriptrunner" / "scanners" / "code" / "rules"


def semgrep_exe() -> str:
    from scriptrunner.scanners.code.semgrep import find_semgrep

    return str(find_semgrep(os.environ.get("SCRIPTRUNNER_SEMGREP", "")))


# -- quality ----------------------------------------------------------------------------


def load_truth() -> list[dict[str, Any]]:
    """Truth entries with their line numbers resolved from the code snippets."""
    data = yaml.safe_load((CORPUS / "truth.yaml").read_text())
    entries = []
    for item in data["vulnerable"]:
        lines = (APP / item["file"]).read_text().splitlines()
        snippets = item["code"] if isinstance(item["code"], list) else [item["code"]]
        numbers = []
        for snippet in snippets:
            hits = [n for n, text in enumerate(lines, 1) if snippet in text]
            if len(hits) != 1:
                raise SystemExit(f"truth: {item['file']}: {snippet!r} matches {len(hits)} lines")
            numbers.append(hits[0])
        entries.append({**item, "lines": set(numbers)})
    return entries


def score(
    truth: list[dict[str, Any]], findings: list[tuple[str, int, int]]
) -> tuple[float, float, int, int]:
    """Recall, precision, and counts for ``(file, first line, last line)`` findings."""

    def covers(entry: dict[str, Any], f: tuple[str, int, int]) -> bool:
        return entry["file"] == f[0] and any(f[1] <= n <= f[2] for n in entry["lines"])

    found = sum(1 for e in truth if any(covers(e, f) for f in findings))
    true_pos = sum(1 for f in findings if any(covers(e, f) for e in truth))
    recall = found / len(truth)
    precision = true_pos / len(findings) if findings else 1.0
    return recall, precision, len(findings), found


def ours(cache: Path) -> list[tuple[str, int, int]]:
    from scriptrunner.findings.model import Severity
    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.code.scanner import CodeScanner

    scanner = CodeScanner(
        ScanContext(root=APP, cache_dir=cache, tool_paths={"semgrep": semgrep_exe()})
    )
    result = scanner.scan([APP])
    if not result.complete or result.skipped:
        raise SystemExit(f"corpus scan incomplete: {result.failures} {result.skipped}")
    return [
        (f.location.path, f.location.start_line, f.location.last_line)
        for f in result.at_or_above(Severity.WARNING)
    ]


def bandit_alone(min_severity: str) -> list[tuple[str, int, int]]:
    order = ["LOW", "MEDIUM", "HIGH"]
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-q"],
        cwd=APP,
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stdout)
    return [
        (os.path.normpath(r["filename"]), r["line_number"], max(r["line_range"]))
        for r in report["results"]
        if order.index(r["issue_severity"]) >= order.index(min_severity)
    ]


def quality() -> None:
    truth = load_truth()
    with tempfile.TemporaryDirectory() as cache:
        rows = [
            ("scriptrunner (bandit+semgrep), WARNING+", ours(Path(cache))),
            ("bandit alone, all findings", bandit_alone("LOW")),
            ("bandit alone, MEDIUM+ severity", bandit_alone("MEDIUM")),
        ]
    print(f"detection quality on {APP.relative_to(ROOT)} ({len(truth)} labelled issues)")
    print(f"  {'scan':42} {'recall':>7} {'precision':>9} {'findings':>8}")
    for name, findings in rows:
        recall, precision, count, _ = score(truth, findings)
        print(f"  {name:42} {recall:7.2f} {precision:9.2f} {count:8d}")


# -- speed ------------------------------------------------------------------------------


def generate(target: Path, count: int) -> None:
    """``count`` files from the corpus modules, functions renamed so every file differs."""
    modules = sorted(p for p in APP.glob("*.py") if p.name != "__init__.py")
    (target / "app").mkdir(parents=True)
    for i in range(count):
        src = modules[i % len(modules)]
        text = re.sub(r"\bdef (\w+)", rf"def \1_{i}", src.read_text())
        text = f"# generated copy {i} of {src.name}\n" + text
        (target / "app" / f"{src.stem}_{i:03d}.py").write_text(text)


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def speed(files: int, runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="sr-codescan-"))
    try:
        project = work / "project"
        generate(project, files)
        semgrep = semgrep_exe()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTRUNNER_")}
        env.update(SCRIPTRUNNER_SEMGREP=semgrep, SEMGREP_ENABLE_VERSION_CHECK="0")
        by_hand_env = {**env, "SEMGREP_SEND_METRICS": "off", "HOME": str(work / "home")}
        ours_cmd = [str(SCRIPTRUNNER), "scan", "code", str(project), "--format", "json"]
        ours_cmd += ["-o", os.devnull, "--no-record"]
        bandit_cmd = [sys.executable, "-m", "bandit", "-r", str(project), "-f", "json", "-q"]
        semgrep_cmd = [semgrep, "scan", "--config", str(RULES), "--json", "--quiet"]
        semgrep_cmd += ["--metrics=off", "--disable-version-check", str(project)]
        first, rescan, by_hand = [], [], []
        for n in range(runs):
            home = work / f"home-{n}"  # a fresh SCRIPTRUNNER_HOME: a cold cache
            run_env = {**env, "SCRIPTRUNNER_HOME": str(home)}
            by_hand.append(timed(bandit_cmd, by_hand_env) + timed(semgrep_cmd, by_hand_env))
            first.append(timed(ours_cmd, run_env))
            rescan.append(timed(ours_cmd, run_env))
        f, r, h = (statistics.median(x) for x in (first, rescan, by_hand))
        print(f"speed on a generated {files}-file project (median of {runs})")
        print(f"  bandit -r, then semgrep scan, by hand : {h:6.2f} s")
        print(
            f"  scriptrunner scan code, cold cache    : {f:6.2f} s  ratio {f / h:.2f} (target <= 0.70)"
        )
        print(
            f"  rescan of the unchanged tree          : {r:6.2f} s  {r / f:.1%} of the first (target <= 10%)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if not args.speed_only:
        quality()
    if not args.quality_only:
        speed(args.files, args.runs)


if __name__ == "__main__":
    main()
