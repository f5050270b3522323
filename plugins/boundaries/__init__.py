"""Municipality and region boundaries (DAGI or any GeoJSON) for the workbench cache.

Kept empty on purpose: the host reads ``manifest.toml`` without importing this package,
and imports :mod:`.refresh` only when the plugin runs.
"""
