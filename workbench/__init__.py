"""Jobkort workbench: candidates and companies on a map of Denmark."""

__version__ = "0.1.0"
