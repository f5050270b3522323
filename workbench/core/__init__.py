"""The Qt-free core: cache, filters, queries, demo data, settings and the plugin host.

Nothing in this package may import PySide6 or pyqtgraph (a test enforces it).
"""
