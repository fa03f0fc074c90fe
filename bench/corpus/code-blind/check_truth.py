"""Sanity checks for truth.yaml: snippets match exactly one line, counts, cross ratio, files compile."""

import collections
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE / "labtrack"


def lines_of(rel):
    return (ROOT / rel).read_text(encoding="utf-8").splitlines()


def locate(rel, snippet):
    hits = [i + 1 for i, line in enumerate(lines_of(rel)) if snippet in line]
    return hits


def main():
    truth = yaml.safe_load((HERE / "truth.yaml").read_text(encoding="utf-8"))
    errors = []
    seen = {}
    for kind in ("vulnerable", "safe"):
        for entry in truth[kind]:
            snippets = entry["code"] if isinstance(entry["code"], list) else [entry["code"]]
            for snip in snippets:
                hits = locate(entry["file"], snip)
                if len(hits) != 1:
                    errors.append(f"{kind} {entry['file']}: {snip!r} matches lines {hits}")
                    continue
                key = (entry["file"], hits[0])
                if key in seen and seen[key] != kind:
                    errors.append(f"{entry['file']}:{hits[0]} labelled both vulnerable and safe")
                elif key in seen:
                    errors.append(f"{entry['file']}:{hits[0]} used by two {kind} entries")
                seen[key] = kind
    for path in ROOT.rglob("*.py"):
        try:
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
        except SyntaxError as exc:
            errors.append(f"{path}: {exc}")
    vuln = truth["vulnerable"]
    by_rule = collections.Counter(v["rule"] for v in vuln)
    cross = sum(1 for v in vuln if v["cross"])
    print(f"files: {len(list(ROOT.rglob('*.py')))}")
    print(
        f"vulnerable: {len(vuln)} in {len(by_rule)} categories; cross: {cross} ({cross / len(vuln):.1%})"
    )
    for rule, n in sorted(by_rule.items()):
        print(f"  {rule:28s} {n}")
    print(f"safe: {len(truth['safe'])}")
    if len(vuln) < 60 or len(by_rule) < 15 or cross * 3 < len(vuln) or len(truth["safe"]) < 40:
        errors.append("quota not met")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
