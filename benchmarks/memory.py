"""Kept for the scripts beside it: the helpers live in ``workbench.bench.memory``."""

from workbench.bench.memory import PeakSampler, rss_mb

__all__ = ["PeakSampler", "rss_mb"]
