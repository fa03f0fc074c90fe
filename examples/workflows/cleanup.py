"""Remove the example's scratch files (skipped when ``KEEP_DATA`` is ``'true'``)."""

from __future__ import annotations

from etl_common import data_dir


def main() -> None:
    directory = data_dir()
    removed = 0
    for path in [*directory.glob("orders-*.csv"), directory / "summary.json"]:
        if path.exists():
            path.unlink()
            removed += 1
    print(f"removed {removed} files from {directory}")


if __name__ == "__main__":
    main()
