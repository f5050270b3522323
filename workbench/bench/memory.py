"""Resident memory of this process for the benchmarks: now, and the peak over a block.

with PeakSampler() as peak:
    run()
print(peak.start_mb, peak.sampled_mb, peak.max_rss_mb)
"""

from __future__ import annotations

import threading


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """Current resident memory in MB (Linux: /proc/self/status)."""
    return _status_mb("VmRSS:")


def peak_rss_mb() -> float:
    """Peak resident memory of this process image in MB (VmHWM). Not ``ru_maxrss``: Linux
    carries the parent's peak over fork + exec into it, so a subprocess started by a big
    parent reports the parent's figure (the bench's window and ingest both read 619 MB)."""
    return _status_mb("VmHWM:")


class PeakSampler:
    """Samples RSS every ``interval_s`` in a thread while the block runs; ``max_rss_mb`` is
    the kernel's peak for the whole process (VmHWM), ``sampled_mb`` the block's own."""

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
        self.max_rss_mb = peak_rss_mb()

    def report(self) -> str:
        return (
            f"RSS at start        {self.start_mb:,.0f} MB\n"
            f"peak RSS            {self.max_rss_mb:,.0f} MB "
            f"(sampled max {self.sampled_mb:,.0f} MB)"
        )
