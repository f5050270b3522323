"""CVR companies and production units (system-to-system Elasticsearch) for the cache.

Kept empty on purpose: the host reads ``manifest.toml`` without importing this package and
imports :mod:`.refresh` only when the plugin runs.
"""
