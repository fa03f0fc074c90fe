"""Runner overhead and monitoring accuracy, measured side by side in one run.

    .venv/bin/python bench/runner_overhead.py [--runs N]

Prints the median wall time of ``scriptrunner run hello.py`` (a full process, history
written to a SQLite store) divided by ``python hello.py``, on the fast path (the default:
``cli.fast_run``, which spawns the child after reading the store's header) and on the full
path (``SCRIPTRUNNER_FAST_PATH=0``: argparse, the application layer, the store opened and
checked with SQL before the spawn), all interleaved in one run; what the header check
itself costs; the runner's peak RSS; and how close the monitor gets on a 200 MiB allocation
and a 1 s busy loop.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTRUNNER = Path(sys.executable).parent / "scriptrunner"

HELLO = "print('hello')\n"
ALLOC = """
import time
b = bytearray(200 * 1024 * 1024)
for i in range(0, len(b), 4096):
    b[i] = 1
time.sleep(0.5)
"""
BUSY = """
import time
t = time.process_time()
while time.process_time() - t < 1.0:
    pass
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, of the process and its reaped children), run in
    the temporary directory of the script (no settings file above it)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=Path(cmd[-1]).parent,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed with {proc.returncode}")
    return wall, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-bench-"))
    try:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["SCRIPTRUNNER_HOME"] = str(work / "home")
        env.pop("SCRIPTRUNNER_DATABASE_URL", None)
        for name, body in (("hello.py", HELLO), ("alloc.py", ALLOC), ("busy.py", BUSY)):
            (work / name).write_text(body)
        hello = str(work / "hello.py")
        bare = [sys.executable, hello]
        ours = [str(SCRIPTRUNNER), "run", "-q", hello]
        full_env = {**env, "SCRIPTRUNNER_FAST_PATH": "0"}
        # Warm-up: bytecode caches (as any installed tool has them) and the store's schema.
        for _ in range(3):
            timed(bare, env)
            timed(ours, full_env)
            timed(ours, env)
        times: dict[str, list[float]] = {"bare": [], "fast": [], "full": []}
        rss: dict[str, list[int]] = {"fast": [], "full": []}
        for _ in range(args.runs):  # interleaved, so drift hits every side alike
            times["bare"].append(timed(bare, env)[0])
            for side, side_env in (("fast", env), ("full", full_env)):
                wall, peak = timed(ours, side_env)
                times[side].append(wall)
                rss[side].append(peak)
        b, f, u = (statistics.median(times[k]) for k in ("bare", "fast", "full"))
        print(f"hello.py, median of {args.runs} full processes (history written):")
        print(f"  python hello.py                          {b * 1000:7.1f} ms")
        print(f"  scriptrunner run hello.py (fast path)    {f * 1000:7.1f} ms   {f / b:5.2f}x")
        print(f"  scriptrunner run hello.py (full path)    {u * 1000:7.1f} ms   {u / b:5.2f}x")
        print(f"  ratio, fast path                         {f / b:7.2f}x   (target <= 2.0)")
        check = _header_check_seconds(env)
        print(f"  the store's header check (in-process)    {check * 1e6:7.1f} us")
        print(
            f"  runner peak RSS                          {max(rss['fast']) / 2**20:7.1f} MiB fast,"
            f" {max(rss['full']) / 2**20:.1f} MiB full (target <= 40)"
        )

        def measured(script: str) -> dict[str, object]:
            out = subprocess.run(
                [str(SCRIPTRUNNER), "run", "-q", "--json", str(work / script)],
                capture_output=True,
                text=True,
                env=env,
                cwd=work,
                check=True,
            ).stdout
            story: dict[str, object] = json.loads(out)  # the run's story (docs/history.md)
            return story

        alloc = measured("alloc.py")
        peak = alloc["peak_rss_bytes"]
        assert isinstance(peak, int)
        print("monitoring accuracy:")
        print(
            f"  200 MiB allocation -> peak RSS {peak / 2**20:.1f} MiB "
            f"({(peak / (200 * 2**20) - 1) * 100:+.1f}% incl. interpreter; target within 10%)"
        )
        busy = measured("busy.py")
        cpu = float(busy["cpu_user_seconds"]) + float(busy["cpu_system_seconds"])  # type: ignore[arg-type]
        wall = float(busy["duration_seconds"])  # type: ignore[arg-type]
        top = float(busy["cpu_percent_max"])  # type: ignore[arg-type]
        print(f"  1 s busy loop      -> CPU {cpu:.3f} s, wall {wall:.3f} s, max CPU {top:.1f}%")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _header_check_seconds(env: dict[str, str], n: int = 2000) -> float:
    """What ``cli.fast_run`` spends deciding that the store may be written as it is
    (reading its header), per call."""
    from scriptrunner.cli import fast_run

    assert fast_run._store(env) is not None
    start = time.perf_counter()
    for _ in range(n):
        fast_run._store(env)
    return (time.perf_counter() - start) / n


if __name__ == "__main__":
    main()
