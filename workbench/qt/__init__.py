"""The Qt user interface (main window, map canvas, models, dialogs, translations)."""

from ._compat import immortalize_singletons

# Before any PySide6 call: see _compat for the reference-count defect this avoids.
immortalize_singletons()
