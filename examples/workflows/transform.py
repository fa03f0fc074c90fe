"""Aggregate every extracted ``orders-*.csv`` into ``summary.json``: orders and revenue per day."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys

from etl_common import data_dir, set_output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min-rows", type=int, default=1)
    args = parser.parse_args()
    digits = int(os.environ.get("ROUND_TO", "2"))

    summary: dict[str, dict[str, float]] = {}
    for path in sorted(data_dir().glob("orders-*.csv")):
        with path.open(newline="", encoding="utf-8") as data:
            for row in csv.DictReader(data):
                day = summary.setdefault(row["day"], {"orders": 0, "revenue": 0.0})
                day["orders"] += 1
                day["revenue"] = round(day["revenue"] + float(row["amount"]), digits)
    rows = int(sum(day["orders"] for day in summary.values()))
    if rows < args.min_rows:
        print(f"only {rows} rows extracted, expected at least {args.min_rows}", file=sys.stderr)
        return 1
    (data_dir() / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"aggregated {rows} orders over {len(summary)} days")
    set_output("rows", rows)
    set_output("days", ",".join(summary))
    set_output("summary", "\n".join(f"{d}: {v['orders']:.0f} orders" for d, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
