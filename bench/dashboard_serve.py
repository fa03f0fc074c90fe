"""The parts of ``bench/dashboard.py`` that need no dashboard code: a real ``scriptrunner
serve`` subprocess, its memory, and percentiles."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SCRIPTRUNNER = Path(sys.executable).parent / "scriptrunner"


def bench_env(home: Path) -> dict[str, str]:
    """This environment, pointed at ``home``'s store, with bytecode as users have it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SCRIPTRUNNER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["SCRIPTRUNNER_HOME"] = str(home)
    return env


@dataclass
class Server:
    """A running ``scriptrunner serve --port 0``: its URL, first operator token, process."""

    url: str
    token: str
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)  # what it printed after ``Serving on``

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :].rstrip("/")

    def rss(self) -> int:
        """Resident memory (bytes) of the server process and all its children."""
        root = psutil.Process(self.proc.pid)
        total = 0
        for proc in (root, *root.children(recursive=True)):
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def threads(self) -> int:
        return psutil.Process(self.proc.pid).num_threads()

    def stop(self) -> int:
        """SIGTERM, as a user's Ctrl-C would; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def start_server(home: Path, stderr: Path, timeout: float = 60) -> Server:
    """``scriptrunner serve --port 0`` on ``home``'s store; returns once it serves."""
    proc = subprocess.Popen(
        [str(SCRIPTRUNNER), "serve", "--port", "0"],
        env=bench_env(home),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    url = ""
    while not url:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"serve did not start: {line!r}\n{stderr.read_text()}")
        found = re.search(r"Serving on (http\S+)", line)
        url = found.group(1) if found else ""
    server = Server(url=url, token=(home / "serve-token").read_text().strip(), proc=proc)
    stdout = proc.stdout

    def drain() -> None:  # a full pipe would block the server
        for line in stdout:
            server.lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    return server


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (``pct`` in 0..100) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def row(label: str, p50: float, p95: float, p99: float | None, target: str, ok: str) -> str:
    """One line of the table: a label, three numbers (ms), the target and PASS/GAP."""
    p99_text = f"{p99:8.1f}" if p99 is not None else " " * 8
    return f"  {label:<46}{p50:8.1f}{p95:8.1f}{p99_text}   {target:<14}{ok}"


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "GAP"


def load() -> str:
    """The load averages (1, 5, 15 min) and the core count, for the report."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
