"""The plugin host: discovery of source plugins, their refresh runs and the swap into the cache.

Plugins import only :mod:`workbench.core.plugins.api`. The host (:mod:`.host`) and the HTTP
session (:mod:`.http`) are for the workbench itself (CLI, window, tests). Nothing here
imports Qt.
"""
