"""Jobindsats (STAR) tables by municipality and period via the Jobindsats API v2.

Empty on purpose: the host reads ``manifest.toml`` without importing the plugin.
"""
