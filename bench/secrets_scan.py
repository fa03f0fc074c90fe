"""Secret scanning: recall, precision and speed on a labelled corpus; throughput on real code.

    .venv/bin/python bench/secrets_scan.py [--scale N] [--runs N] [--ds-mb MB] [--details]

Quality: ``tests/fixtures/secrets_corpus/`` generates a repository of realistic files
(Python, JS/TS, YAML, JSON, .env, INI, TOML, Dockerfiles, shell, Terraform, notebooks,
.properties, XML, Markdown, lockfiles) with secrets of every rule id at known lines and hard
negatives (placeholders, documented example keys, template variables, env lookups, UUIDs,
hashes, lockfile integrity strings, public keys, images, ...).  ``scriptrunner scan secrets``
(the CLI process, end to end) and ``detect-secrets scan --all-files`` scan the same directory
in this run.  Recall = labelled lines with a finding / labelled lines; precision = finding lines
that are labelled / finding lines (several findings on one line count once).

Throughput: about 50 MB of real library source -- the standard library's ``.py`` files (31.5 MB
on 3.11) topped up with this venv's site-packages ``.py`` files -- copied into one directory and
scanned as a directory, nothing excluded.  detect-secrets runs about 0.1-0.4 MB/s, so it gets a
fixed subset (the first ``--ds-mb`` MB of the same files, sorted by path).

Targets (issue 9): recall >= 0.97, precision >= 0.97; issue 21 (six times the rules): >= 50 MB/s
end to end on 2 cores (it was 25 MB/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.secrets_corpus import (  # noqa: E402
    RULES,
    Corpus,
    Scores,
    build_corpus,
    detect_secrets_findings,
    report_findings,
    score,
    stdlib_tree,
)

BIN = Path(sys.executable).parent
SCRIPTRUNNER = BIN / "scriptrunner"
DETECT_SECRETS = BIN / "detect-secrets"
TARGET_RECALL = TARGET_PRECISION = 0.97
TARGET_MBPS = 50.0
MB = 1e6


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIPTRUNNER_")}
    env["SCRIPTRUNNER_HOME"] = str(home)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...], out: Path) -> float:
    """Wall time of ``cmd``, which must exit with a code in ``ok`` and write ``out``."""
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok or not out.is_file():
        raise SystemExit(
            f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return elapsed


def scriptrunner_scan(
    targets: list[str], cwd: Path, work: Path, runs: int, *extra: str
) -> tuple[float, dict[str, object]]:
    """Median wall time of ``runs`` cold scans (fresh SCRIPTRUNNER_HOME) and the last report."""
    times = []
    out = work / "report.json"
    for n in range(runs):
        env = clean_env(work / f"home-{n}")
        cmd = [str(SCRIPTRUNNER), "scan", "secrets", *targets, *extra, "--format", "json"]
        times.append(run([*cmd, "-o", str(out), "--no-record"], cwd, env, (0, 1), out))
    return statistics.median(times), json.loads(out.read_text(encoding="utf-8"))


def detect_secrets_scan(targets: list[str], cwd: Path) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(DETECT_SECRETS), "scan", "--all-files", *targets],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"detect-secrets failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


def tool_version(exe: Path) -> str:
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    return (proc.stdout or proc.stderr).strip().split()[-1] if proc.returncode == 0 else "?"


def row(name: str, s: Scores, count: int, mb: float, seconds: float) -> str:
    return (
        f"  {name:40} {s.recall:7.3f} {s.precision:9.3f} {count:9d} "
        f"{mb / seconds:9.2f} {seconds:8.2f}"
    )


def quality(scale: int, runs: int, details: bool, work: Path) -> tuple[Scores, float]:
    corpus_dir = work / "corpus"
    corpus: Corpus = build_corpus(corpus_dir, scale=scale)
    mb = corpus.bytes / MB
    negatives = len(corpus.negatives)
    print(
        f"labelled corpus (seed 7, scale {scale}): {len(corpus.labels)} secrets of {len(RULES)} "
        f"rule ids, {negatives} hard-negative lines, {len(corpus.files)} files, {mb:.2f} MB"
    )
    ours_s, report = scriptrunner_scan(["."], corpus_dir, work, runs)
    ours_f = report_findings(report, corpus_dir)
    ours = score(ours_f, corpus)
    low_s, low_report = scriptrunner_scan(["."], corpus_dir, work, 1, "--min-confidence", "low")
    low_f = report_findings(low_report, corpus_dir)
    ds_s, ds_report = detect_secrets_scan(["."], corpus_dir)
    ds_f = detect_secrets_findings(ds_report, corpus_dir)
    theirs = score(ds_f, corpus)
    print(
        f"  {'scanner':40} {'recall':>7} {'precision':>9} {'findings':>9} {'MB/s':>9} {'seconds':>8}"
    )
    print(row(f"scriptrunner scan secrets (median of {runs})", ours, len(ours_f), mb, ours_s))
    print(row("  same, --min-confidence low (1 run)", score(low_f, corpus), len(low_f), mb, low_s))
    print(
        row(
            f"detect-secrets {tool_version(DETECT_SECRETS)} --all-files",
            theirs,
            len(ds_f),
            mb,
            ds_s,
        )
    )
    print(f"  scriptrunner rule id agrees with the label on {ours.rule_agreement:.1%} of its hits")
    weakest = sorted(ours.per_rule_recall().items(), key=lambda kv: kv[1])[:5]
    print("  scriptrunner's weakest rule ids: " + ", ".join(f"{r} {v:.2f}" for r, v in weakest))
    if details:
        print("\nscriptrunner misses and false positives:\n" + ours.summary(corpus))
    return ours, mb / ours_s


TREE_MB = 50.0


def library_files(limit_mb: float) -> list[tuple[Path, str]]:
    """(file, name in the tree): the standard library's ``.py`` files, then the venv's
    site-packages ``.py`` files (sorted by path) until ``limit_mb`` of real library source."""
    std = stdlib_tree()
    skip = {"site-packages", "dist-packages"}
    picked = [
        (p, "stdlib/" + p.relative_to(std).as_posix())
        for p in sorted(std.rglob("*.py"))
        if p.is_file() and not skip & set(p.relative_to(std).parts)
    ]
    size = sum(p.stat().st_size for p, _ in picked)
    site = Path(sysconfig.get_paths()["purelib"])
    for p in sorted(site.rglob("*.py")):
        if size >= limit_mb * MB:
            break
        if p.is_file():
            picked.append((p, "site-packages/" + p.relative_to(site).as_posix()))
            size += p.stat().st_size
    return picked


def throughput(runs: int, ds_mb: float, work: Path) -> float:
    files = library_files(TREE_MB)
    tree = work / "library"
    for src, name in files:
        dest = tree / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    total = sum(src.stat().st_size for src, _ in files) / MB
    print(
        f"\nthroughput on real library source: the Python {platform.python_version()} standard "
        f"library's .py files plus this venv's site-packages .py files up to {TREE_MB:.0f} MB "
        f"({len(files)} files, {total:.1f} MB), copied to one directory, scanned as a directory"
    )
    ours_s, report = scriptrunner_scan(["library"], work, work, runs)
    subset, size = [], 0
    for src, name in files:
        if size >= ds_mb * MB:
            break
        subset.append("library/" + name)
        size += src.stat().st_size
    ds_s, _ = detect_secrets_scan(subset, work)
    ours_mbps = total / ours_s
    findings = len(report["findings"])  # type: ignore[arg-type]
    print(f"  {'scanner':44} {'MB':>6} {'seconds':>8} {'MB/s':>8}")
    print(f"  {f'scriptrunner scan secrets (median of {runs})':44} {total:6.1f} {ours_s:8.2f} {ours_mbps:8.2f}"
          f"   ({findings} findings)")  # fmt: skip
    print(
        f"  {f'detect-secrets, first {len(subset)} files only':44} {size / MB:6.1f} {ds_s:8.2f} {size / MB / ds_s:8.2f}"
    )
    return ours_mbps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=4, help="corpus scale (4: about 2.4 MB)")
    parser.add_argument("--runs", type=int, default=3, help="scriptrunner runs (median)")
    parser.add_argument(
        "--ds-mb", type=float, default=2.0, help="stdlib MB given to detect-secrets"
    )
    parser.add_argument("--details", action="store_true", help="list misses and false positives")
    parser.add_argument("--scriptrunner", type=Path, default=SCRIPTRUNNER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    globals()["SCRIPTRUNNER"] = args.scriptrunner
    print(
        f"secrets scanning benchmark: {os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    work = Path(tempfile.mkdtemp(prefix="sr-secrets-bench-"))
    try:
        ours, _ = quality(args.scale, args.runs, args.details, work)
        mbps = throughput(args.runs, args.ds_mb, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\ntargets (issues 9 and 21)")
    for name, value, target in (
        ("recall on the corpus", ours.recall, TARGET_RECALL),
        ("precision on the corpus", ours.precision, TARGET_PRECISION),
        ("MB/s end to end, 50 MB of library code", mbps, TARGET_MBPS),
    ):
        verdict = "met" if value >= target else "NOT met"
        print(f"  {name:32} {value:8.3f}  (target >= {target:g})  {verdict}")


if __name__ == "__main__":
    main()
