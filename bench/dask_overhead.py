"""The Dask executor's per-task overhead against local, measured side by side in one run.

    .venv/bin/python bench/dask_overhead.py [--repeat 5] [--quick] [--json FILE]

Starts a real cluster on loopback: a ``dask scheduler`` and two ``dask worker`` processes
(one thread each, so the cluster has the 2 slots of ``--max-parallel 2``; each in its own
working directory, with its nanny), then times the whole command

    scriptrunner workflow run FILE --max-parallel 2 -q --executor local
    scriptrunner workflow run FILE --max-parallel 2 -q --executor dask --scheduler ADDRESS

on fan-outs of N independent tasks of two kinds: trivial (``python -c pass``) and 0.1 s
(``python -c "import time; time.sleep(0.1)"``).  Per kind, per task:

* the slope between two sizes (start-up, imports and the client's connection do not
  count), local and dask, and their ratio (target <= 1.10 on the 0.1 s tasks);
* the whole command at the larger size divided by N, and its ratio;
* the CPU seconds per task (slope) of every process involved: the command (with its
  reaped children: the local tasks), and for dask the scheduler, the workers and nannies
  and the tasks they ran.

Each figure is the median of ``--repeat`` rounds; in a round every (kind, size) is run on
both sides back to back, the side that goes first alternating between rounds, so drift
hits both alike.  Each side keeps one history store (SQLite, under a temporary home) for
the whole bench.  The code measured is the ``scriptrunner`` this interpreter imports
(``PYTHONPATH=src`` for a work tree); its bytecode is compiled first, as ``make bench``
does, and the commands and the cluster run with bytecode caches on.  ``--quick`` runs
tiny sizes once: a smoke test of the bench, not a measurement.  A command still running
after 300 s is killed and ends the bench with its exit status.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

import scriptrunner

BIN = Path(sys.executable).parent
SCRIPTRUNNER = BIN / "scriptrunner"
DASK = BIN / "dask"

#: kind -> the command of each task.
KINDS = {
    "trivial": f"{shlex.quote(sys.executable)} -c pass",
    "sleep": f"{shlex.quote(sys.executable)} -c 'import time; time.sleep(0.1)'",
}
TITLES = {"trivial": "trivial tasks (python -c pass)", "sleep": "0.1 s tasks (time.sleep(0.1))"}
#: kind -> (small N, large N) of the fan-out.
SIZES = {"trivial": (20, 100), "sleep": (10, 50)}
QUICK_SIZES = {"trivial": (2, 4), "sleep": (2, 4)}
TARGET = {"sleep": 1.10}
SIDES = ("local", "dask")
#: Seconds one `workflow run` may take before it is killed and the bench stops.
COMMAND_TIMEOUT = 300.0


def child_env(home: Path | None = None) -> dict[str, str]:
    """This environment (PYTHONPATH included: the code under test) with bytecode caches on
    and no settings that would change a run."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SCRIPTRUNNER_")
    }
    if home is not None:
        env["SCRIPTRUNNER_HOME"] = str(home)
    return env


class Cluster:
    """A ``dask scheduler`` and two single-thread ``dask worker`` processes on loopback."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.members: list[psutil.Process] = []
        self.address = ""

    def start(self, work: Path) -> None:
        """Start the processes (each in a directory of its own under ``work``) and wait
        until both workers are registered; ``close`` ends whatever was started."""
        if not DASK.exists():
            raise SystemExit(f"{DASK} not found: install the 'dask' extra")
        work.mkdir()
        info = work / "scheduler.json"
        self._start(
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
            + ["--scheduler-file", str(info)],
            work / "scheduler",
        )
        deadline = time.monotonic() + 60
        while not self.address:
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise SystemExit(f"the dask scheduler did not start: see {work}/scheduler.log")
            time.sleep(0.05)
            if info.exists():
                try:
                    self.address = json.loads(info.read_text())["address"]
                except ValueError:  # being written
                    pass
        for name in ("w1", "w2"):
            self._start(
                ["worker", self.address, "--name", name, "--nthreads", "1", "--nworkers", "1"]
                + ["--host", "127.0.0.1", "--no-dashboard", "--local-directory", "."],
                work / name,
            )
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        #: Every process of the cluster (nannies, the workers they started), found before
        #: any task runs: the processes below them later are tasks.
        self.members = [
            p
            for proc in self.procs
            for top in [psutil.Process(proc.pid)]
            for p in (top, *top.children(recursive=True))
        ]

    def _start(self, args: list[str], cwd: Path) -> None:
        cwd.mkdir()
        with open(cwd.with_suffix(".log"), "wb") as log:
            self.procs.append(
                subprocess.Popen(
                    [str(DASK), *args],
                    cwd=cwd,
                    env=child_env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of the scheduler, of the workers with their nannies, and of
        the tasks the workers ran (their reaped children)."""
        own = {"scheduler": 0.0, "workers": 0.0, "tasks": 0.0}
        for p in self.members:
            t = p.cpu_times()
            if p.pid == self.procs[0].pid:
                own["scheduler"] += t.user + t.system
            else:
                own["workers"] += t.user + t.system
                own["tasks"] += t.children_user + t.children_system
        return own

    def close(self) -> None:
        """End every process group started (SIGTERM, SIGKILL after 10 s)."""
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def fanout_file(work: Path, kind: str, n: int) -> Path:
    path = work / f"{kind}-{n}.json"
    tasks = {f"t{i}": {"run": KINDS[kind]} for i in range(n)}
    path.write_text(json.dumps({"name": f"{kind}-{n}", "max_parallel": 2, "tasks": tasks}))
    return path


def workflow_run(
    side: str, path: Path, work: Path, cluster: Cluster
) -> tuple[float, dict[str, float]]:
    """Wall seconds of one ``workflow run`` on ``side``, and CPU seconds by part: the command
    with its reaped children, and for dask what each part of the cluster spent meanwhile."""
    cmd = [str(SCRIPTRUNNER), "workflow", "run", str(path), "--max-parallel", "2", "-q"]
    if side == "dask":
        cmd += ["--executor", "dask", "--scheduler", cluster.address]
    before = cluster.cpu() if side == "dask" else {}
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=work, env=child_env(work / f"home-{side}"), start_new_session=True
    )
    # A hung command (an executor that waits forever) ends the bench instead of stalling it.
    killer = threading.Timer(COMMAND_TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
    killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(cmd)} exited {os.waitstatus_to_exitcode(status)}"
            + (f" (killed after {COMMAND_TIMEOUT:.0f} s)" if wall >= COMMAND_TIMEOUT else "")
        )
    cpu = {"command": usage.ru_utime + usage.ru_stime}
    if side == "dask":
        cpu.update({part: t - before[part] for part, t in cluster.cpu().items()})
    return wall, cpu


def measure(
    work: Path, cluster: Cluster, sizes: dict[str, tuple[int, int]], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Every round's wall seconds ("side:kind-N") and CPU seconds ("side/part:kind-N")."""
    files = {(k, n): fanout_file(work, k, n) for k, pair in sizes.items() for n in pair}
    for side in SIDES:  # warm-up: each side's store, the workers' imports
        workflow_run(side, fanout_file(work, "trivial", 4), work, cluster)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for r in range(repeat):
        for (kind, n), path in files.items():
            for side in SIDES if r % 2 == 0 else reversed(SIDES):
                w, parts = workflow_run(side, path, work, cluster)
                wall.setdefault(f"{side}:{kind}-{n}", []).append(w)
                for part, c in parts.items():
                    cpu.setdefault(f"{side}/{part}:{kind}-{n}", []).append(c)
    return wall, cpu


def slope(series: dict[str, list[float]], key: str, small: int, large: int) -> float:
    """Seconds per task between the medians at two sizes: ``key`` has ``{n}`` for N."""
    med = statistics.median
    return (med(series[key.format(n=large)]) - med(series[key.format(n=small)])) / (large - small)


def summarize(
    sizes: dict[str, tuple[int, int]], wall: dict[str, list[float]], cpu: dict[str, list[float]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, (small, large) in sizes.items():
        fig: dict[str, Any] = {"sizes": [small, large], "command": KINDS[kind]}
        for side in SIDES:
            whole = statistics.median(wall[f"{side}:{kind}-{large}"])
            parts = [k.split("/")[1].split(":")[0] for k in cpu if k.startswith(f"{side}/")]
            fig[side] = {
                "per_task_slope_s": slope(wall, f"{side}:{kind}-{{n}}", small, large),
                "per_task_whole_s": whole / large,
                "whole_command_s": whole,
                "cpu_per_task_s": {
                    part: slope(cpu, f"{side}/{part}:{kind}-{{n}}", small, large)
                    for part in dict.fromkeys(parts)
                },
                "rounds_s": {str(n): wall[f"{side}:{kind}-{n}"] for n in (small, large)},
            }
        local, dask = fig["local"]["per_task_slope_s"], fig["dask"]["per_task_slope_s"]
        fig["ratio_slope"] = dask / local
        fig["overhead_per_task_s"] = dask - local
        fig["ratio_whole"] = fig["dask"]["per_task_whole_s"] / fig["local"]["per_task_whole_s"]
        fig["target"] = TARGET.get(kind)
        out[kind] = fig
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_table(figures: dict[str, Any], repeat: int) -> None:
    print(f"`workflow run` fan-outs at --max-parallel 2, median of {repeat} interleaved rounds")
    print("(dask: a scheduler and 2 single-thread workers on loopback):")
    for kind, fig in figures.items():
        small, large = fig["sizes"]
        target = f"  (target <= {fig['target']:.2f})" if fig["target"] else ""
        print(f"{TITLES[kind]}:")
        print(f"  wall per task, slope {small}..{large}:")
        print(f"    local          {ms(fig['local']['per_task_slope_s'])}")
        print(f"    dask           {ms(fig['dask']['per_task_slope_s'])}")
        print(f"    ratio          {fig['ratio_slope']:8.2f}x{target}")
        print(f"    dask overhead  {ms(fig['overhead_per_task_s'])}")
        print(f"  whole command, {large} tasks, per task:")
        print(f"    local          {ms(fig['local']['per_task_whole_s'])}")
        print(f"    dask           {ms(fig['dask']['per_task_whole_s'])}")
        print(f"    ratio          {fig['ratio_whole']:8.2f}x")
        local, dask = fig["local"]["cpu_per_task_s"], fig["dask"]["cpu_per_task_s"]
        print("  CPU per task (slope), every process:")
        print(f"    local          {ms(local['command'])}  (the command and its tasks)")
        parts = ", ".join(f"{p} {dask[p] * 1000:.1f}" for p in ("scheduler", "workers", "tasks"))
        total = sum(dask.values())
        print(f"    dask           {ms(total)}  (command {dask['command'] * 1000:.1f}, {parts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="rounds per figure (median)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: a smoke test")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON here")
    args = parser.parse_args()
    sizes, repeat = (QUICK_SIZES, 1) if args.quick else (SIZES, args.repeat)
    package = Path(scriptrunner.__file__).parent
    if os.access(package, os.W_OK):  # as `make bytecode` does, for the commands and workers
        compileall.compile_dir(package, quiet=1, legacy=False)
    work = Path(tempfile.mkdtemp(prefix="sr-dask-bench-"))
    cluster = Cluster()
    load = [os.getloadavg()[0]]
    try:
        cluster.start(work / "cluster")
        wall, cpu = measure(work, cluster, sizes, repeat)
    finally:
        cluster.close()
        shutil.rmtree(work, ignore_errors=True)
    load.append(os.getloadavg()[0])
    figures = summarize(sizes, wall, cpu)
    if args.quick:
        print("quick mode (tiny sizes, one round): a smoke test of the bench, not a measurement")
    print_table(figures, repeat)
    print(f"load average (1 min) at the start and the end: {load[0]:.2f}, {load[1]:.2f}")
    if args.json:
        meta = {"repeat": repeat, "quick": args.quick, "scriptrunner": str(package)}
        meta["load_average"] = load
        Path(args.json).write_text(json.dumps({**meta, "kinds": figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
