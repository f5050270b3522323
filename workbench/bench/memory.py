"""Resident memory of this process for the benchmarks: now, and the peak over a block.

with PeakSampler() as peak:
    run()
print(peak.start_mb, peak.sampled_mb, peak.max_rss_mb)
"""

from __future__ import annotations

import resource
import threading


def rss_mb() -> float:
    """Current resident memory in MB (Linux: /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class PeakSampler:
    """Samples RSS every ``interval_s`` in a thread while the block runs; ``max_rss_mb`` is
    the kernel's peak for the whole process (ru_maxrss), ``sampled_mb`` the block's own."""

    def __init__(self, interval_s: float = 0.5):
        self.interval_s = interval_s
        self.start_mb = self.sampled_mb = self.max_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sampled_mb = max(self.sampled_mb, rss_mb())

    def __enter__(self) -> PeakSampler:
        self.start_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def report(self) -> str:
        return (
            f"RSS at start        {self.start_mb:,.0f} MB\n"
            f"peak RSS            {self.max_rss_mb:,.0f} MB "
            f"(sampled max {self.sampled_mb:,.0f} MB)"
        )
