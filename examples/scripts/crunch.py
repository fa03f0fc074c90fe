"""Burn a little CPU and memory so the monitor has something to show."""

import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
squares = [i * i for i in range(n)]
print(f"sum of {n} squares: {sum(squares)}")
