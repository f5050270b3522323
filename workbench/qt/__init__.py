"""The Qt user interface (main window, map canvas, models, dialogs, translations)."""
