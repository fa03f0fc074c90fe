"""Workflow scheduler overhead, measured side by side in one run.

    .venv/bin/python bench/workflow_overhead.py [--repeat 3] [--no-dask]

Per-task cost is the slope between two sizes, so start-up (imports, the store, the pool)
does not count:

* a chain of ``true`` tasks, slope between 20 and 200 tasks, vs the same commands run one
  after another with ``subprocess.run`` (target ratio <= 1.10);
* a fan-out of ``true`` tasks at ``max_parallel: 2``, slope between 100 and 1000 tasks, vs
  ``ThreadPoolExecutor(2)`` running the same commands with ``subprocess.run`` (target ratio
  <= 1.15);
* whole-command figures for 200 (chain) and 1000 (fan-out) tasks beside them;
* the Dask executor's per-task overhead: its fan-out slope (2 local workers) minus the
  ``ThreadPoolExecutor(2)`` slope.

Our side writes full history (a fresh SQLite store per measurement) and monitors every task.
Each figure is the median of ``--repeat`` runs, ours and the baseline interleaved.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scriptrunner.core.runner import RunOptions
from scriptrunner.settings import load_settings
from scriptrunner.store import open_store
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.executors import Executor, make_executor
from scriptrunner.workflows.loader import workflow_from_dict


def chain(n: int) -> dict[str, Any]:
    tasks: dict[str, Any] = {"t0": {"run": "true"}}
    for i in range(1, n):
        tasks[f"t{i}"] = {"run": "true", "needs": [f"t{i - 1}"]}
    return {"name": "chain", "max_parallel": 1, "tasks": tasks}


def fanout(n: int) -> dict[str, Any]:
    return {
        "name": "fanout",
        "max_parallel": 2,
        "tasks": {f"t{i}": {"run": "true"} for i in range(n)},
    }


_counter = iter(range(1_000_000))


def ours(doc: dict[str, Any], work: Path, executor: Executor | None = None) -> float:
    home = work / f"home-{next(_counter)}"
    plan = expand(workflow_from_dict(doc, base_dir=work))
    store = open_store(load_settings(overrides={"home": str(home)}))
    engine = WorkflowEngine(
        store, options=EngineOptions(run_options=RunOptions()), executor=executor
    )
    start = time.perf_counter()
    result = engine.run(plan)
    elapsed = time.perf_counter() - start
    store.close()
    shutil.rmtree(home, ignore_errors=True)
    assert result.ok, result.counts()
    return elapsed


def sequential(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(["true"], check=True, capture_output=True)
    return time.perf_counter() - start


def pooled(n: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(lambda _: subprocess.run(["true"], check=True, capture_output=True), range(n))
        )
    return time.perf_counter() - start


#: CPU seconds of this process (all its threads) per figure, the median of its rounds: less
#: sensitive than wall time to other load on the machine.
CPU: dict[str, float] = {}


def medians(fns: dict[str, Callable[[], float]], repeat: int) -> dict[str, float]:
    """Each function's median over ``repeat`` rounds, the functions interleaved (and its
    CPU seconds, into ``CPU``)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.process_time()
            times[name].append(fn())
            cpu[name].append(time.process_time() - start)
    CPU.update({name: statistics.median(t) for name, t in cpu.items()})
    return {name: statistics.median(t) for name, t in times.items()}


def us(seconds: float) -> str:
    return f"{seconds * 1e6:7.0f} µs"


def report(
    title: str, small: int, large: int, m: dict[str, float], base: str, target: float
) -> None:
    base_slope = (m[f"{base}{large}"] - m[f"{base}{small}"]) / (large - small)
    our_slope = (m[f"ours{large}"] - m[f"ours{small}"]) / (large - small)
    print(f"{title}")
    print(f"  per task (slope {small}..{large}):")
    print(f"    {base:<22}{us(base_slope)}")
    print(f"    {'scriptrunner':<22}{us(our_slope)}")
    print(f"    ratio                 {our_slope / base_slope:7.2f}x  (target <= {target:.2f})")
    cpu_base = (CPU[f"{base}{large}"] - CPU[f"{base}{small}"]) / (large - small)
    cpu_ours = (CPU[f"ours{large}"] - CPU[f"ours{small}"]) / (large - small)
    print("  CPU of this process per task (slope; the store is written from it too):")
    print(f"    {base:<22}{us(cpu_base)}")
    print(f"    {'scriptrunner':<22}{us(cpu_ours)}")
    print(f"  whole command, {large} tasks:")
    print(f"    {base:<22}{m[f'{base}{large}']:7.3f} s  {large / m[f'{base}{large}']:6.0f} tasks/s")
    print(
        f"    {'scriptrunner':<22}{m[f'ours{large}']:7.3f} s  {large / m[f'ours{large}']:6.0f} tasks/s"
    )
    print(f"    ratio                 {m[f'ours{large}'] / m[f'{base}{large}']:7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="rounds per figure (median)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask executor")
    parser.add_argument("--only", choices=["chain", "fanout"], help="run one shape only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-wf-bench-"))
    try:
        ours(chain(5), work)  # imports, schema, caches
        if args.only in (None, "chain"):
            m = medians(
                {
                    "loop20": lambda: sequential(20),
                    "ours20": lambda: ours(chain(20), work),
                    "loop200": lambda: sequential(200),
                    "ours200": lambda: ours(chain(200), work),
                },
                args.repeat,
            )
            report("chain of `true` tasks (max_parallel 1):", 20, 200, m, "loop", 1.10)
        if args.only in (None, "fanout"):
            m = medians(
                {
                    "pool100": lambda: pooled(100),
                    "ours100": lambda: ours(fanout(100), work),
                    "pool1000": lambda: pooled(1000),
                    "ours1000": lambda: ours(fanout(1000), work),
                },
                args.repeat,
            )
            report("fan-out of `true` tasks (max_parallel 2):", 100, 1000, m, "pool", 1.15)
            if not args.no_dask:
                executor = make_executor("dask")
                try:
                    ours(fanout(20), work, executor)
                    d = medians(
                        {
                            "dask100": lambda: ours(fanout(100), work, executor),
                            "dask400": lambda: ours(fanout(400), work, executor),
                        },
                        args.repeat,
                    )
                finally:
                    executor.close()
                slope = (d["dask400"] - d["dask100"]) / 300
                pool_slope = (m["pool1000"] - m["pool100"]) / 900
                print("dask executor (2 local workers), fan-out slope 100..400:")
                print(f"    per task              {us(slope)}")
                print(f"    overhead per task     {us(slope - pool_slope)}  (minus the pool's)")
                print(f"    whole command, 400    {d['dask400']:7.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
