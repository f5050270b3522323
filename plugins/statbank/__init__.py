"""Registered unemployment by municipality from Statistics Denmark's StatBank API v1.

Empty on purpose: the host reads ``manifest.toml`` without importing the plugin.
"""
