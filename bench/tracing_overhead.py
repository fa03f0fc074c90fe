"""Tracing overhead, measured side by side in one run.

    .venv/bin/python bench/tracing_overhead.py [--tasks 500] [--rounds 5] [--tail-spans 300000]

* the same workflow of N ``true`` tasks (``max_parallel: 2``) run through the application
  layer (``RunSession.run_workflow``, as ``scriptrunner workflow run`` does) with tracing off
  and on (OTLP/HTTP to a receiver in *another* process, so its decoding is not counted),
  rounds alternating; reported: the CPU time of this (the runner) process from
  ``getrusage(RUSAGE_SELF)`` around each workflow run (the children's CPU, and a span
  exporter process's, are not in it) and the wall time, each as a ratio on/off (medians
  over the rounds; target <= 1.02), and whether the receiver got every span;
* the tail sampler fed spans of traces whose roots never end, ``max_spans`` 100,000: the
  spans it holds never exceed the cap, and its memory (tracemalloc peak) stays flat
  whether it is fed the cap once or three times over.

Both sides write full history (a fresh SQLite store); tracing also writes its spans there.
The wall time on includes the end of the command: waiting for the last spans' export.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from scriptrunner.app.session import RunSession
from scriptrunner.app.workflow_request import WorkflowRequest
from scriptrunner.settings import load_settings
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.loader import workflow_from_dict

# An OTLP/HTTP receiver that decodes every request, in its own process.
RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as pb
count = 0
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        req = pb.ExportTraceServiceRequest()
        req.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        count += sum(len(s.spans) for r in req.resource_spans for s in r.scope_spans)
        body = pb.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
server = HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def fanout(n: int) -> dict[str, Any]:
    return {
        "name": "fanout",
        "max_parallel": 2,
        "tasks": {f"t{i}": {"run": "true"} for i in range(n)},
    }


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_run(doc: dict[str, Any], home: Path, endpoint: str | None) -> tuple[float, float]:
    """(runner CPU seconds, wall seconds) of one workflow run, tracing on iff endpoint."""
    plan = expand(workflow_from_dict(doc, base_dir=home))
    trace = None
    if endpoint is not None:
        from scriptrunner.tracing.config import TracingConfig

        trace = TracingConfig(endpoint=endpoint)
    warnings: list[str] = []
    settings = load_settings(overrides={"home": str(home)})
    with RunSession(settings, warn=warnings.append) as session:
        c0, w0 = cpu(), time.perf_counter()
        result = session.run_workflow(plan, WorkflowRequest(trace=trace))
        c1, w1 = cpu(), time.perf_counter()
    assert not warnings, warnings
    assert result.ok, result.counts()
    return c1 - c0, w1 - w0


#: Seconds each traced command spent waiting for the exporter process's verdict.
VERDICT_WAITS: list[float] = []
#: CPU seconds of each exporter process.
HELPER_CPU: list[float] = []


def time_verdict_waits() -> None:
    """Record how long the end of each traced command waits for the exporter process."""
    from scriptrunner.tracing.export_process import ExportProcess

    close = ExportProcess.close

    def timed(self: ExportProcess) -> list[str]:
        t0 = time.perf_counter()
        try:
            return close(self)
        finally:
            VERDICT_WAITS.append(time.perf_counter() - t0)
            HELPER_CPU.append(self.helper_cpu or 0.0)

    ExportProcess.close = timed  # type: ignore[method-assign]


def workflow_overhead(tasks: int, rounds: int, work: Path) -> None:
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}"
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401 - warm imports

        time_verdict_waits()
        one_run(fanout(20), work / "warm-off", None)
        one_run(fanout(20), work / "warm-on", url)
        off: list[tuple[float, float]] = []
        on: list[tuple[float, float]] = []
        for r in range(rounds):
            off.append(one_run(fanout(tasks), work / f"off{r}", None))
            on.append(one_run(fanout(tasks), work / f"on{r}", url))
        from urllib.request import urlopen

        expected = (tasks + 1) * rounds + 21  # + the warm-up run's spans
        deadline = time.monotonic() + 10
        while (received := int(urlopen(url).read())) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        receiver.terminate()
        receiver.wait()
    cpu_off = statistics.median(c for c, _ in off)
    cpu_on = statistics.median(c for c, _ in on)
    wall_off = statistics.median(w for _, w in off)
    wall_on = statistics.median(w for _, w in on)
    print(f"workflow of {tasks} `true` tasks (max_parallel 2), median of {rounds} rounds:")
    print(
        f"  runner CPU  off {cpu_off:7.3f} s   on {cpu_on:7.3f} s   "
        f"ratio {cpu_on / cpu_off:5.3f}  (target <= 1.02)"
    )
    print(
        f"  wall        off {wall_off:7.3f} s   on {wall_on:7.3f} s   "
        f"ratio {wall_on / wall_off:5.3f}  (target <= 1.02)"
    )
    print(
        f"  per task: +{(cpu_on - cpu_off) / tasks * 1e6:.0f} us runner CPU; "
        f"receiver got {received} of {expected} spans"
        + (" (all)" if received == expected else " (SPANS MISSING)")
    )
    waits = VERDICT_WAITS[1:]  # not the warm-up's
    if waits:
        print(
            f"  of the wall time on, waiting for the exporter process's verdict at the end: "
            f"median {statistics.median(waits):.3f} s"
        )
        print(
            f"  CPU of the exporter process (not in the runner's): "
            f"median {statistics.median(HELPER_CPU[1:]):.3f} s"
        )
    print(
        "  rounds (cpu off/on): "
        + ", ".join(f"{a[0]:.3f}/{b[0]:.3f}" for a, b in zip(off, on, strict=True))
    )
    print(
        "  rounds (wall off/on): "
        + ", ".join(f"{a[1]:.3f}/{b[1]:.3f}" for a, b in zip(off, on, strict=True))
    )


def tail_memory(total: int, cap: int) -> tuple[int, int, float]:
    """Feed ``total`` spans of never-ending traces (100 spans each) to a tail sampler."""
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
    from opentelemetry.trace import SpanContext, TraceFlags

    from scriptrunner.tracing.config import PolicySpec, TailConfig
    from scriptrunner.tracing.tail import TailSamplingProcessor

    class Discard(SpanProcessor):
        pass

    flags = TraceFlags(TraceFlags.SAMPLED)
    tail = TailSamplingProcessor(
        [Discard()], TailConfig(policies=(PolicySpec("error"),), max_spans=cap, decision_wait=3600)
    )
    tracemalloc.start()
    peak_held = 0
    for i in range(total):
        trace_id = 1 + i // 100
        parent = SpanContext(trace_id, 1, is_remote=False, trace_flags=flags)
        span = ReadableSpan(
            name="task t",
            context=SpanContext(trace_id, 2 + i, is_remote=False, trace_flags=flags),
            parent=parent,
            attributes={"scriptrunner.run_id": "0" * 32, "scriptrunner.exit_code": 0},
            start_time=i,
            end_time=i + 1,
        )
        tail.on_end(span)
        peak_held = max(peak_held, tail.held)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak_held, tail.stats.evicted, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tail-spans", type=int, default=300_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sr-trace-bench-"))
    try:
        workflow_overhead(args.tasks, args.rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cap = 100_000
    held1, _, mem1 = tail_memory(cap, cap)
    held3, evicted, mem3 = tail_memory(args.tail_spans, cap)
    print(f"tail sampler, max_spans {cap:,} (traces of 100 spans whose roots never end):")
    print(f"  fed {cap:,} spans: held at most {held1:,}, tracemalloc peak {mem1:6.1f} MiB")
    print(
        f"  fed {args.tail_spans:,} spans: held at most {held3:,}, {evicted:,} traces "
        f"evicted, tracemalloc peak {mem3:6.1f} MiB "
        f"({'bound respected' if held3 <= cap and mem3 < mem1 * 1.1 else 'BOUND EXCEEDED'})"
    )


if __name__ == "__main__":
    main()
