"""Sampling CPU and memory of a whole process tree with psutil, without slowing short runs.

The monitor is sampled on the shared hub thread (``core.hub``) and never delays the child's
start or the runner's exit.  Sampling starts fast (``first_interval``) so short scripts get a
few points, then backs off to ``interval``.  The series is downsampled in place (pairs of
neighbouring samples merged, keeping the larger RSS) so a week-long run keeps at most
``max_samples`` points.  Exact CPU seconds and the largest single-process RSS come from the
kernel (``wait4``) afterwards; sampling adds the tree-wide RSS and the CPU % profile.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from scriptrunner import limits
from scriptrunner.results import Sample

if TYPE_CHECKING:
    import psutil

    from scriptrunner.core.process import ProcessTree


class Monitor:
    """Samples ``tree`` on the shared hub thread until stopped (see ``core.hub``)."""

    def __init__(
        self,
        tree: ProcessTree,
        *,
        interval: float = 1.0,
        first_interval: float = limits.FIRST_SAMPLE_SECONDS,
        max_samples: int = 512,
        started: float | None = None,
    ) -> None:
        """``started``: the ``time.monotonic()`` the samples' ``t`` counts from (the
        child's spawn; default: now)."""
        self.tree = tree
        self.interval = max(0.01, interval)
        self.first_interval = min(max(0.005, first_interval), self.interval)
        self.max_samples = max(2, max_samples)
        self._samples: list[Sample] = []
        self._peak_rss = 0
        self._lock = threading.Lock()
        self._stopped = False
        self._root: psutil.Process | None = None
        self._wait = self.first_interval
        self._start = time.monotonic() if started is None else started
        self._cpu_seen: dict[int, float] = {}
        self._last_cpu_total = 0.0
        self._last_t = 0.0

    def start(self) -> None:
        # psutil is imported on the first sample, so a script that ends within the first
        # interval never pays for the import (18 ms, as long as a hello-world script).
        from scriptrunner.core.hub import hub

        hub().schedule(self, self.first_interval)

    def stop(self) -> None:
        """No sample is taken after this returns."""
        with self._lock:
            self._stopped = True

    @property
    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)

    @property
    def peak_rss(self) -> int:
        with self._lock:
            return self._peak_rss

    def sample(self) -> float | None:
        """Take one sample; the delay until the next one, or None when done."""
        import psutil

        with self._lock:
            if self._stopped or self.tree.reaped.is_set():
                return None
            try:
                if self._root is None:
                    self._root = psutil.Process(self.tree.pid)
                if not self._sample(self._root):
                    return None
            except psutil.Error:
                return None
            self._wait = min(self.interval, self._wait * 2)
            return self._wait

    def _sample(self, root: psutil.Process) -> bool:
        import psutil

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
        self._peak_rss = max(self._peak_rss, rss)
        self._samples.append(
            Sample(t=round(t, 4), cpu_percent=percent, rss_bytes=rss, num_procs=len(procs))
        )
        if len(self._samples) > self.max_samples:
            self._samples = _downsample(self._samples)
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
