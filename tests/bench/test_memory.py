"""The suite's peak memory is the measured process's own, not its parent's (issue #17)."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "from workbench.bench.memory import PeakSampler\n"
    "with PeakSampler() as peak:\n"
    "    pass\n"
    "print(peak.max_rss_mb)\n"
)


def test_subprocess_peak_is_not_the_parents() -> None:
    big = bytearray(400 * 1024 * 1024)  # this process now peaks above 400 MB
    big[::4096] = b"x" * len(big[::4096])  # touch every page so it is resident
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    del big
    child_peak = float(done.stdout.strip())
    assert 0 < child_peak < 300, child_peak  # a bare Python: tens of MB
