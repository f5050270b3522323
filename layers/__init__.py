"""Map layers. The modules here are the pure layer models (data, CRS, style, level of
detail) and import no Qt; the pyqtgraph items that draw them live in ``workbench.qt.map``."""
