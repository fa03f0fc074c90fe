"""Print the ETL report; it runs even when ``transform`` failed (``run_always``)."""

from __future__ import annotations

import argparse
import json

from etl_common import data_dir, set_output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--result", default="unknown", help="needs.transform.result")
    parser.add_argument("--rows", default="", help="needs.transform.outputs.rows")
    args = parser.parse_args()

    print(f"transform: {args.result}")
    summary_file = data_dir() / "summary.json"
    if args.result == "success" and summary_file.exists():
        for day, figures in json.loads(summary_file.read_text(encoding="utf-8")).items():
            print(f"  {day}: {figures['orders']:>4.0f} orders, {figures['revenue']:>10.2f} revenue")
        print(f"  total: {args.rows} orders")
    set_output("status", "ok" if args.result == "success" else "degraded")


if __name__ == "__main__":
    main()
