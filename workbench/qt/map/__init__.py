"""The map canvas: pyqtgraph items that draw the pure layer models of ``workbench.layers``."""
