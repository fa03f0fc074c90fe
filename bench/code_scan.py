"""Code scanning: detection quality on a labelled corpus, and speed on a generated project.

    .venv/bin/python bench/code_scan.py [--runs N] [--files N] [--quality-only | --speed-only]

Quality, on two labelled corpora, each a small application with vulnerable lines and safe
look-alikes beside them, and a ``truth.yaml`` (kept apart from the code) listing the
vulnerable lines:

* ``bench/corpus/code/invoicer`` was written together with the rules: it measures fit;
* ``bench/corpus/code-blind/labtrack`` was written blind, by a writer who never read the
  scanner (issue 20), a third of its issues crossing a function or module boundary
  (``cross: true``; their recall is shown apart): it measures skill.

A finding is a true positive when its line range covers a labelled line of its file; recall =
labelled issues found / labelled issues, precision = true-positive findings / findings.  Our
combined scan is counted at WARNING and above and at every level; Bandit alone on all its
findings and on MEDIUM+ severity (its own scale); and Bandit plus ``semgrep`` with our rules,
run by hand, on all their findings.

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
#: (truth.yaml's directory, the application it labels): fit first, then the blind one.
CORPORA = (
    (CORPUS, APP),
    (
        ROOT / "bench" / "corpus" / "code-blind",
        ROOT / "bench" / "corpus" / "code-blind" / "labtrack",
    ),
)
SCRIPTRUNNER = Path(sys.executable).parent / "scriptrunner"
RULES = ROOT / "src" / "scriptrunner" / "scanners" / "code" / "rules"


def semgrep_exe() -> str:
    from scriptrunner.scanners.code.semgrep import find_semgrep

    return str(find_semgrep(os.environ.get("SCRIPTRUNNER_SEMGREP", "")))


# -- quality ----------------------------------------------------------------------------


def load_truth(corpus: Path = CORPUS, app: Path = APP) -> list[dict[str, Any]]:
    """Truth entries with their line numbers resolved from the code snippets."""
    data = yaml.safe_load((corpus / "truth.yaml").read_text())
    entries = []
    for item in data["vulnerable"]:
        lines = (app / item["file"]).read_text().splitlines()
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


def ours(cache: Path, app: Path = APP, level: str = "warning") -> list[tuple[str, int, int]]:
    from scriptrunner.findings.model import Severity
    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.code.scanner import CodeScanner

    scanner = CodeScanner(
        ScanContext(root=app, cache_dir=cache, tool_paths={"semgrep": semgrep_exe()})
    )
    result = scanner.scan([app])
    if not result.complete or result.skipped:
        raise SystemExit(f"corpus scan incomplete: {result.failures} {result.skipped}")
    return [
        (f.location.path, f.location.start_line, f.location.last_line)
        for f in result.at_or_above(Severity.parse(level))
    ]


def semgrep_by_hand(app: Path) -> list[tuple[str, int, int]]:
    """``semgrep scan`` with our rules on ``app``, every finding."""
    cmd = [semgrep_exe(), "scan", "--config", str(RULES), "--json", "--quiet", "--metrics=off"]
    proc = subprocess.run(
        [*cmd, "--disable-version-check", "."],
        cwd=app,
        capture_output=True,
        text=True,
        env={**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"},
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"semgrep failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return [
        (os.path.normpath(r["path"]), r["start"]["line"], r["end"]["line"])
        for r in json.loads(proc.stdout)["results"]
    ]


def bandit_alone(min_severity: str, app: Path = APP) -> list[tuple[str, int, int]]:
    order = ["LOW", "MEDIUM", "HIGH"]
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-q"],
        cwd=app,
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
    for corpus, app in CORPORA:
        quality_of(corpus, app)


def quality_of(corpus: Path, app: Path) -> None:
    truth = load_truth(corpus, app)
    cross = [e for e in truth if e.get("cross")]
    with tempfile.TemporaryDirectory() as cache:
        bandit_all = bandit_alone("LOW", app)
        rows = [
            ("scriptrunner scan code, WARNING+", ours(Path(cache), app)),
            ("scriptrunner scan code, every level", ours(Path(cache), app, "info")),
            ("bandit alone, all findings", bandit_all),
            ("bandit alone, MEDIUM+ severity", bandit_alone("MEDIUM", app)),
            ("bandit + semgrep (our rules), by hand", bandit_all + semgrep_by_hand(app)),
        ]
    print(f"detection quality on {app.relative_to(ROOT)} ({len(truth)} labelled issues", end="")
    print(f", {len(cross)} crossing a function or module)" if cross else ")")
    extra = f" {'cross':>6}" if cross else ""
    print(f"  {'scan':42} {'recall':>7} {'precision':>9} {'findings':>8}{extra}")
    for name, findings in rows:
        recall, precision, count, _ = score(truth, findings)
        line = f"  {name:42} {recall:7.2f} {precision:9.2f} {count:8d}"
        if cross:
            line += f" {score(cross, findings)[0]:6.2f}"
        print(line)


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
