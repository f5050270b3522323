"""Starting the window: QApplication, language, first start, the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.errors import WorkbenchError
from workbench.qt import i18n


def ensure_app(argv: list[str] | None = None):
    """The QApplication (created once). pyqtgraph is configured before any item exists."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        app.setApplicationName("Jobkort")
        app.setOrganizationName("Jobkort")
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    return app


def create_main_window(con, *, cache_path: Path, settings: Settings, lang: str | None):
    from workbench.qt.main_window import MainWindow

    i18n.set_language(i18n.resolve_language(lang, settings.get("ui.language")))
    return MainWindow(con, cache_path=cache_path, settings=settings)


def run_gui(cache_path: Path, *, settings: Settings, lang: str | None) -> int:
    """Open the window on ``cache_path`` and run the event loop; returns the exit code."""
    from PySide6.QtWidgets import QMessageBox

    app = ensure_app()
    i18n.set_language(i18n.resolve_language(lang, settings.get("ui.language")))
    try:
        con = cache.connect(cache_path)
    except WorkbenchError as exc:
        QMessageBox.critical(None, i18n.tr("error.title"), i18n.tr("error.cache", message=str(exc)))
        return 1
    try:
        if cache.is_empty(con) and not os.environ.get("WORKBENCH_NO_FIRST_START"):
            from workbench.qt.first_start import (
                ask_first_start,
                build_demo_with_progress,
                show_refresh_hint,
            )

            choice = ask_first_start(None, Path(cache_path))
            if choice == "demo":
                build_demo_with_progress(None, con)
            elif choice == "refresh":
                show_refresh_hint(None, Path(cache_path))
        holder: dict[str, object] = {}

        def open_window(language: str | None) -> None:
            old = holder.get("window")
            window = create_main_window(
                con, cache_path=Path(cache_path), settings=settings, lang=language
            )
            window.languageRequested.connect(open_window)
            if old is not None:
                window.restoreGeometry(old.saveGeometry())  # type: ignore[attr-defined]
                old.shutdown()  # type: ignore[attr-defined]
                old.deleteLater()  # type: ignore[attr-defined]
                old.hide()  # type: ignore[attr-defined]
            holder["window"] = window
            window.show()

        open_window(lang)
        code = int(app.exec())
        window = holder.get("window")
        if window is not None:
            window.shutdown()  # type: ignore[attr-defined]
        return code
    finally:
        con.close()
