"""Reference taxonomies: DB07/DB25 industries, DISCO-08 occupations with aliases, ESCO labels.

Empty on purpose: the host reads ``manifest.toml`` without importing the plugin.
"""
