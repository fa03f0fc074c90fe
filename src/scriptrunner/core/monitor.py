"""Sampling CPU and memory of a whole process tree with psutil, without slowing short runs.

The monitor runs in its own thread and never delays the child's start or the runner's exit:
``stop()`` wakes it at once.  Sampling starts fast (``first_interval``) so short scripts get a
few points, then backs off to ``interval``.  The series is downsampled in place (pairs of
neighbouring samples merged, keeping the larger RSS) so a week-long run keeps at most
``max_samples`` points.  Exact CPU seconds and the largest single-process RSS come from the
kernel (``wait4``) afterwards; sampling adds the tree-wide RSS and the CPU % profile.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from scriptrunner.core.results import Sample

if TYPE_CHECKING:
    import psutil

    from scriptrunner.core.process import ProcessTree


class Monitor(threading.Thread):
    """Samples ``tree`` until stopped."""

    def __init__(
        self,
        tree: ProcessTree,
        *,
        interval: float = 1.0,
        first_interval: float = 0.05,
        max_samples: int = 512,
    ) -> None:
        super().__init__(name="scriptrunner-monitor", daemon=True)
        self.tree = tree
        self.interval = max(0.01, interval)
        self.first_interval = min(max(0.005, first_interval), self.interval)
        self.max_samples = max(2, max_samples)
        self.samples: list[Sample] = []
        self.peak_rss = 0
        self._stop_event = threading.Event()
        self._start = time.monotonic()
        self._cpu_seen: dict[int, float] = {}
        self._last_cpu_total = 0.0
        self._last_t = 0.0

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        # Wait before importing psutil: a script that ends within the first interval never
        # pays for the import (18 ms, as long as a hello-world script) on the runner's GIL.
        if self._stop_event.wait(self.first_interval):
            return
        import psutil

        try:
            root = psutil.Process(self.tree.pid)
        except psutil.Error:
            return
        wait = self.first_interval
        while True:
            if not self._sample(root):
                return
            wait = min(self.interval, wait * 2)
            if self._stop_event.wait(wait):
                return

    def _sample(self, root: psutil.Process) -> bool:
        import psutil

        if self.tree.reaped.is_set():
            return False
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return False
        self.tree.remember(procs)
        rss = 0
        cpu_total = 0.0
        for p in procs:
            try:
                with p.oneshot():
                    times = p.cpu_times()
                    mem = p.memory_info()
            except psutil.Error:
                continue
            rss += mem.rss
            cpu = times.user + times.system
            self._cpu_seen[p.pid] = cpu
            cpu_total += cpu
        # Processes that ended since the last sample keep contributing their last CPU total,
        # so the CPU % does not dip negative when a child exits.
        alive = {p.pid for p in procs}
        cpu_total += sum(v for pid, v in self._cpu_seen.items() if pid not in alive)
        t = time.monotonic() - self._start
        dt = t - self._last_t
        percent = max(0.0, (cpu_total - self._last_cpu_total) / dt * 100.0) if dt > 0 else 0.0
        self._last_cpu_total, self._last_t = cpu_total, t
        self.peak_rss = max(self.peak_rss, rss)
        self.samples.append(
            Sample(t=round(t, 4), cpu_percent=percent, rss_bytes=rss, num_procs=len(procs))
        )
        if len(self.samples) > self.max_samples:
            self.samples = _downsample(self.samples)
        return True


def _downsample(samples: list[Sample]) -> list[Sample]:
    """Merge neighbouring pairs: mean time and CPU %, max RSS and process count."""
    merged: list[Sample] = []
    for i in range(0, len(samples) - 1, 2):
        a, b = samples[i], samples[i + 1]
        merged.append(
            Sample(
                t=round((a.t + b.t) / 2, 4),
                cpu_percent=(a.cpu_percent + b.cpu_percent) / 2,
                rss_bytes=max(a.rss_bytes, b.rss_bytes),
                num_procs=max(a.num_procs, b.num_procs),
            )
        )
    if len(samples) % 2:
        merged.append(samples[-1])
    return merged
