"""Extract one day's orders into ``orders-<day>.csv`` (made-up, but deterministic, data)."""

from __future__ import annotations

import argparse
import csv
import random

from etl_common import data_dir, set_output

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--day", required=True)
    # ${{ matrix.full }} renders as "" for combinations without the key.
    parser.add_argument("--full", default="", help="'true' for a full export")
    args = parser.parse_args()
    day = args.day
    if day not in DAYS:  # it names a file: never a path of its own
        raise SystemExit(f"--day: one of {', '.join(DAYS)}, not {day!r}")

    rng = random.Random(day)  # the same day always gives the same orders
    count = rng.randint(20, 40) * (3 if args.full == "true" else 1)
    path = data_dir() / f"orders-{day}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["order_id", "day", "amount"])
        for number in range(count):
            writer.writerow([f"{day}-{number:04d}", day, f"{rng.uniform(5, 250):.2f}"])
    print(f"extracted {count} orders for {day} into {path}")
    set_output("rows", count)
    set_output("file", path)


if __name__ == "__main__":
    main()
