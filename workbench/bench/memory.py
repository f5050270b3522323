"""Resident memory of this process for the benchmarks: now, and the peak over a block.

with PeakSampler() as peak:
    run()
print(peak.start_mb, peak.sampled_mb, peak.max_rss_mb)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


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


def children_rss_mb(marker: str) -> float:
    """Resident memory of this process's children whose command line holds ``marker`` (a
    plugin's worker processes count against its memory, a stand-in server does not)."""
    total = 0.0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as fh:
                pids = fh.read().split()
        except OSError:
            continue
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if marker.encode() not in fh.read():
                        continue
                with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) / 1024
            except OSError:
                continue  # it ended meanwhile
    return total


class PeakSampler:
    """Samples RSS every ``interval_s`` in a thread while the block runs; ``max_rss_mb`` is
    the kernel's peak for the whole process (VmHWM), ``sampled_mb`` the block's own.

    ``extra`` (MB, e.g. :func:`children_rss_mb` of worker processes) is added to each sample,
    and ``max_rss_mb`` is then the larger of the kernel's peak and the sampled sum."""

    def __init__(self, interval_s: float = 0.5, extra: Callable[[], float] | None = None):
        self.interval_s = interval_s
        self.extra = extra
        self.start_mb = self.sampled_mb = self.max_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            now = rss_mb() + (self.extra() if self.extra is not None else 0.0)
            self.sampled_mb = max(self.sampled_mb, now)

    def __enter__(self) -> PeakSampler:
        self.start_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.max_rss_mb = peak_rss_mb()
        if self.extra is not None:
            self.max_rss_mb = max(self.max_rss_mb, self.sampled_mb)

    def report(self) -> str:
        return (
            f"RSS at start        {self.start_mb:,.0f} MB\n"
            f"peak RSS            {self.max_rss_mb:,.0f} MB "
            f"(sampled max {self.sampled_mb:,.0f} MB)"
        )
