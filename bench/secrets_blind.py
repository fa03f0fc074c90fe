#!/usr/bin/env python3
"""Score secret scanners on the blind corpus (bench/corpus/secrets-blind).

Generates the corpus into a temporary directory (deterministic for a given
--seed), runs each scanner with that directory as its working directory and
scores findings by (path, line) against labels.json:

  * recall          secret lines with at least one finding / secret lines
                    (a multi-line secret such as a PEM block counts once, and
                    a finding anywhere inside its span counts as a hit)
  * precision       finding lines on secret lines / all finding lines
                    (findings are de-duplicated by (path, line))
  * FP rate/file    files with a finding on a negative or unlabelled line /
                    files in the corpus
  * negatives hit   look-alike lines that drew a finding, by kind
  * MB/s            corpus bytes / scanner wall time

Default scanners, both looked up next to sys.executable:

  scriptrunner    scriptrunner scan secrets . --format json --min-confidence medium
                  (JSON: top-level "findings", each with rule_id and
                  location.path / location.start_line; exit 1 = findings,
                  0 = none, anything else is a failure)
  detect-secrets  detect-secrets scan --all-files .
                  (JSON: "results" maps path -> [{line_number, type}])

Extra scanners (for example a dummy to check this script) can be added with
--scanner NAME:FORMAT:COMMAND, FORMAT being "scriptrunner" or
"detect-secrets"; --no-default-scanners skips the two defaults.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus" / "secrets-blind"


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "secrets_blind_generate", CORPUS_DIR / "generate.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------
# scanners


def default_scanners():
    bindir = Path(sys.executable).parent
    return [
        (
            "scriptrunner",
            "scriptrunner",
            [
                str(bindir / "scriptrunner"),
                "scan",
                "secrets",
                ".",
                "--format",
                "json",
                "--min-confidence",
                "medium",
            ],
        ),
        (
            "detect-secrets",
            "detect-secrets",
            [str(bindir / "detect-secrets"), "scan", "--all-files", "."],
        ),
    ]


def _norm_path(p: str, root: Path) -> str:
    if os.path.isabs(p):
        try:
            p = os.path.relpath(os.path.realpath(p), os.path.realpath(root))
        except ValueError:
            pass
    p = p.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def parse_scriptrunner(stdout: str, root: Path):
    data = json.loads(stdout) if stdout.strip() else {"findings": []}
    out = []
    for f in data.get("findings", []):
        loc = f.get("location") or {}
        out.append(
            (
                _norm_path(str(loc.get("path", "")), root),
                int(loc.get("start_line", 0)),
                str(f.get("rule_id", "?")),
            )
        )
    return out


def parse_detect_secrets(stdout: str, root: Path):
    data = json.loads(stdout) if stdout.strip() else {"results": {}}
    out = []
    for path, items in (data.get("results") or {}).items():
        for it in items:
            out.append(
                (_norm_path(path, root), int(it.get("line_number", 0)), str(it.get("type", "?")))
            )
    return out


PARSERS = {"scriptrunner": parse_scriptrunner, "detect-secrets": parse_detect_secrets}


def run_scanner(name: str, fmt: str, cmd: list, root: Path, timeout: float):
    exe = cmd[0]
    if os.sep in exe and not os.path.exists(exe):
        return {"name": name, "error": f"not found: {exe}"}
    if os.sep not in exe and shutil.which(exe) is None:
        return {"name": name, "error": f"not found: {exe}"}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"name": name, "error": f"timed out after {timeout}s"}
    elapsed = time.perf_counter() - t0
    ok_codes = (0, 1) if fmt == "scriptrunner" else (0,)
    if proc.returncode not in ok_codes or (proc.returncode == 1 and not proc.stdout.strip()):
        return {
            "name": name,
            "error": "exit code %d: %s" % (proc.returncode, proc.stderr.strip()[-2000:]),
            "seconds": elapsed,
        }
    try:
        findings = PARSERS[fmt](proc.stdout, root)
    except (ValueError, KeyError, TypeError) as e:
        return {
            "name": name,
            "error": f"unparseable output ({e}): {proc.stdout[:500]}",
            "seconds": elapsed,
        }
    return {"name": name, "findings": findings, "seconds": elapsed}


# ---------------------------------------------------------------------------
# scoring


def list_files(root: Path, exclude=()):
    files = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel = p.relative_to(root).as_posix()
            if rel not in exclude:
                files[rel] = p.stat().st_size
    return files


def score(labels: list, files: dict, findings: list):
    secrets = [r for r in labels if r["label"] == "secret"]
    negatives = [r for r in labels if r["label"] == "negative"]
    span = {}  # (path, line) -> label index
    for i, r in enumerate(labels):
        for ln in range(r["line"], r.get("end_line", r["line"]) + 1):
            span[(r["path"], ln)] = i
    finding_lines = defaultdict(set)  # (path, line) -> rule ids
    for path, line, rule in findings:
        finding_lines[(path, line)].add(rule)
    hit = set()
    tp_lines = fp_lines = 0
    fp_files = set()
    neg_hit = set()
    unlabelled = Counter()
    unknown_paths = set()
    for (path, line), _rules in finding_lines.items():
        i = span.get((path, line))
        if i is not None and labels[i]["label"] == "secret":
            hit.add(i)
            tp_lines += 1
            continue
        fp_lines += 1
        fp_files.add(path)
        if path not in files:
            unknown_paths.add(path)
        if i is not None:
            neg_hit.add(i)
        else:
            unlabelled[path] += 1
    n_sec = len(secrets)
    n_find = tp_lines + fp_lines
    per_format = defaultdict(lambda: [0, 0])
    per_syntax = defaultdict(lambda: [0, 0])
    per_encoding = defaultdict(lambda: [0, 0])
    for i, r in enumerate(labels):
        if r["label"] != "secret":
            continue
        h = 1 if i in hit else 0
        for table, key in (
            (per_format, r["format"]),
            (per_syntax, r.get("syntax", "?")),
            (per_encoding, r.get("encoding", "plain")),
        ):
            table[key][0] += h
            table[key][1] += 1
    per_kind = defaultdict(lambda: [0, 0])
    for i, r in enumerate(labels):
        if r["label"] == "negative":
            per_kind[r["kind"]][0] += 1 if i in neg_hit else 0
            per_kind[r["kind"]][1] += 1
    return {
        "secret_lines": n_sec,
        "negative_lines": len(negatives),
        "files": len(files),
        "finding_lines": n_find,
        "true_positive_lines": tp_lines,
        "false_positive_lines": fp_lines,
        "secrets_found": len(hit),
        "recall": len(hit) / n_sec if n_sec else 0.0,
        "precision": tp_lines / n_find if n_find else 0.0,
        "fp_files": len(fp_files),
        "fp_rate_per_file": len(fp_files) / len(files) if files else 0.0,
        "negatives_hit": len(neg_hit),
        "unlabelled_finding_lines": sum(unlabelled.values()),
        "unknown_paths": sorted(unknown_paths),
        "per_format": dict(sorted(per_format.items())),
        "per_syntax": dict(sorted(per_syntax.items())),
        "per_encoding": dict(sorted(per_encoding.items())),
        "per_negative_kind": dict(sorted(per_kind.items())),
    }


def fmt_ratio(h, n):
    return "%d/%d (%5.1f%%)" % (h, n, 100.0 * h / n if n else 0.0)


def print_report(name, res, total_bytes, details, formats_meta):
    print("=" * 72)
    print(name)
    print("=" * 72)
    if "error" in res:
        print("  FAILED: {}".format(res["error"]))
        return
    s = res["score"]
    mbps = total_bytes / 1e6 / res["seconds"] if res["seconds"] > 0 else float("inf")
    print("  recall            {}".format(fmt_ratio(s["secrets_found"], s["secret_lines"])))
    print(
        "  precision         {} finding lines on secrets".format(
            fmt_ratio(s["true_positive_lines"], s["finding_lines"])
        )
    )
    print(
        "  FP rate per file  {} files with a finding on a negative/unlabelled line".format(
            fmt_ratio(s["fp_files"], s["files"])
        )
    )
    print("  negatives hit     {}".format(fmt_ratio(s["negatives_hit"], s["negative_lines"])))
    print("  unlabelled lines with findings: %d" % s["unlabelled_finding_lines"])
    print("  findings (raw)    %d   finding lines %d" % (res["raw_findings"], s["finding_lines"]))
    print(
        "  time              {:.2f} s   {:.2f} MB/s over {:.2f} MB".format(
            res["seconds"], mbps, total_bytes / 1e6
        )
    )
    if s["unknown_paths"]:
        print(
            "  WARNING: findings on paths not in the corpus: {}".format(
                ", ".join(s["unknown_paths"][:10])
            )
        )
    fmt_rec = [(k, v) for k, v in s["per_format"].items()]
    found_formats = sum(1 for _k, v in fmt_rec if v[0])
    print("  formats with >=1 hit: %d/%d" % (found_formats, len(fmt_rec)))
    if not details:
        return
    print("\n  per-format recall (sorted by recall):")
    for k, (h, n) in sorted(fmt_rec, key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
        prov = formats_meta.get(k, {}).get("provider", "")
        print("    %-42s %-26s %s" % (k, prov[:26], fmt_ratio(h, n)))
    print("\n  per-syntax recall:")
    for k, (h, n) in s["per_syntax"].items():
        print("    %-28s %s" % (k, fmt_ratio(h, n)))
    print("\n  per-encoding recall:")
    for k, (h, n) in s["per_encoding"].items():
        print("    %-28s %s" % (k, fmt_ratio(h, n)))
    print("\n  negatives with a finding, by kind:")
    for k, (h, n) in s["per_negative_kind"].items():
        print("    %-28s %s" % (k, fmt_ratio(h, n)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=21, help="corpus seed (default 21)")
    ap.add_argument(
        "--details", action="store_true", help="per-format, per-syntax and per-kind tables"
    )
    ap.add_argument(
        "--scanner",
        action="append",
        default=[],
        metavar="NAME:FORMAT:COMMAND",
        help="add a scanner; FORMAT is scriptrunner or detect-secrets",
    )
    ap.add_argument(
        "--no-default-scanners",
        action="store_true",
        help="do not run scriptrunner and detect-secrets",
    )
    ap.add_argument("--only", action="append", default=[], help="run only the named scanner(s)")
    ap.add_argument(
        "--corpus", type=Path, help="score an existing corpus directory instead of generating one"
    )
    ap.add_argument("--labels", type=Path, help="labels.json for --corpus")
    ap.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--json", type=Path, help="write the metrics as JSON here")
    a = ap.parse_args(argv)

    gen = load_generator()
    tmp = None
    if a.corpus:
        root = a.corpus.resolve()
        labels_path = a.labels or (root / "labels.json")
    else:
        base = a.keep.resolve() if a.keep else Path(tempfile.mkdtemp(prefix="secrets-blind-"))
        tmp = None if a.keep else base
        root = base / "corpus"
        labels_path = base / "labels.json"
        if root.exists():
            shutil.rmtree(root)
        t0 = time.perf_counter()
        gen.generate(root, a.seed, labels_path, quiet=True)
        print("generated corpus (seed %d) in %.1f s: %s" % (a.seed, time.perf_counter() - t0, root))
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    exclude = set()
    try:  # generate.py's default puts labels.json inside the tree: not part of the corpus
        exclude.add(labels_path.resolve().relative_to(root).as_posix())
    except ValueError:
        pass
    files = list_files(root, exclude)
    total_bytes = sum(files.values())
    cat = gen.Catalog()
    formats_meta = {fid: {"provider": f.provider} for fid, f in cat.formats.items()}
    n_sec = sum(1 for r in labels if r["label"] == "secret")
    print(
        "corpus: %d files, %.2f MB, %d secret lines (%d formats), %d negative lines"
        % (
            len(files),
            total_bytes / 1e6,
            n_sec,
            len({r["format"] for r in labels if r["label"] == "secret"}),
            len(labels) - n_sec,
        )
    )

    scanners = [] if a.no_default_scanners else default_scanners()
    for spec in a.scanner:
        name, fmt, cmd = spec.split(":", 2)
        if fmt not in PARSERS:
            ap.error(f"unknown scanner format {fmt}")
        scanners.append((name, fmt, shlex.split(cmd)))
    if a.only:
        scanners = [s for s in scanners if s[0] in a.only]

    results = {}
    rc = 0
    try:
        for name, fmt, cmd in scanners:
            res = run_scanner(name, fmt, cmd, root, a.timeout)
            if "findings" in res:
                found = [f for f in res.pop("findings") if f[0] not in exclude]
                res["raw_findings"] = len(found)
                res["score"] = score(labels, files, found)
            else:
                rc = 2
            results[name] = res
            print_report(name, res, total_bytes, a.details, formats_meta)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        a.json.write_text(
            json.dumps(
                {"seed": a.seed, "files": len(files), "bytes": total_bytes, "scanners": results},
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    return rc


if __name__ == "__main__":
    sys.exit(main())
