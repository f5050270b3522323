"""STAR's Arbejdsmarkedsbalancen: job prospects per occupation and area -> ``shortage``.

Empty on purpose: the host reads ``manifest.toml`` without importing the plugin.
"""
