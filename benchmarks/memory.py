"""Kept for the scripts beside it: the helpers live in ``workbench.bench.memory``."""

from workbench.bench.memory import PeakSampler, peak_rss_mb, rss_mb

__all__ = ["PeakSampler", "peak_rss_mb", "rss_mb"]
