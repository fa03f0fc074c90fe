"""Workflow scheduler overhead, measured side by side in one run.

    .venv/bin/python bench/workflow_overhead.py [--chain 200] [--fanout 1000] [--no-dask]

* a chain of N tasks running ``true`` vs the same N commands run one after another with
  ``subprocess.run`` (target ratio <= 1.10);
* a fan-out of M ``true`` tasks at ``max_parallel: 2`` vs ``ThreadPoolExecutor(2)`` running
  the same commands with ``subprocess.run`` (target ratio <= 1.15);
* tasks per second for both, and the same fan-out on the Dask executor (local cluster).

Our side writes full history (a fresh SQLite store) and monitors every task.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
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


def ours(doc: dict[str, Any], home: Path, executor: Executor | None = None) -> float:
    plan = expand(workflow_from_dict(doc, base_dir=home))
    store = open_store(load_settings(overrides={"home": str(home)}))
    engine = WorkflowEngine(
        store, options=EngineOptions(run_options=RunOptions()), executor=executor
    )
    start = time.perf_counter()
    result = engine.run(plan)
    elapsed = time.perf_counter() - start
    store.close()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--fanout", type=int, default=1000)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-wf-bench-"))
    try:
        ours(chain(5), work / "warm")  # imports, schema, caches
        base_chain = sequential(args.chain)
        our_chain = ours(chain(args.chain), work / "chain")
        base_fan = pooled(args.fanout)
        our_fan = ours(fanout(args.fanout), work / "fan")
        print(f"chain of {args.chain} `true` tasks (max_parallel 1):")
        print(
            f"  subprocess.run loop      {base_chain:7.3f} s  {args.chain / base_chain:7.0f} tasks/s"
        )
        print(
            f"  scriptrunner workflow    {our_chain:7.3f} s  {args.chain / our_chain:7.0f} tasks/s"
        )
        print(f"  ratio                    {our_chain / base_chain:7.2f}x  (target <= 1.10)")
        print(f"fan-out of {args.fanout} `true` tasks (max_parallel 2):")
        print(
            f"  ThreadPoolExecutor(2)    {base_fan:7.3f} s  {args.fanout / base_fan:7.0f} tasks/s"
        )
        print(f"  scriptrunner workflow    {our_fan:7.3f} s  {args.fanout / our_fan:7.0f} tasks/s")
        print(f"  ratio                    {our_fan / base_fan:7.2f}x  (target <= 1.15)")
        if not args.no_dask:
            executor = make_executor("dask")
            try:
                ours(fanout(20), work / "dask-warm", executor)
                our_dask = ours(fanout(args.fanout), work / "dask", executor)
            finally:
                executor.close()
            print(
                f"  dask executor (2 local workers) {our_dask:7.3f} s  "
                f"{args.fanout / our_dask:7.0f} tasks/s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
