"""Job postings from Jobnet's job search for the cache.

Kept empty on purpose: the host reads ``manifest.toml`` without importing this package and
imports :mod:`.refresh` only when the plugin runs.
"""
