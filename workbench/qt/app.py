"""Starting the window: QApplication, language, first start, the main window."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from workbench.core import cache, keys, retention
from workbench.core.config import Settings
from workbench.core.errors import CacheKeyError, CachePathError, PlainCacheError, WorkbenchError
from workbench.core.imports import rejects_store
from workbench.core.store import Store
from workbench.qt import i18n


def ensure_app(argv: list[str] | None = None):
    """The QApplication (created once). pyqtgraph is configured before any item exists."""
    from PySide6.QtWidgets import QApplication

    from workbench.qt.qt_imports import import_pyqtgraph, quick_feature_check

    quick_feature_check()  # before the window's ~500 modules import (issue #17)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        app.setApplicationName("Jobkort")
        app.setOrganizationName("Jobkort")
    pg = import_pyqtgraph()  # without copying every Qt type (issue #17)
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    return app


def create_main_window(
    con,
    *,
    cache_path: Path,
    settings: Settings,
    lang: str | None,
    workspace: Any = None,
    warm_up: bool = False,
    ranks: Any = None,
):
    """A main window on ``con``; given a ``workspace`` (a language change), it shows that
    session (filter, selection, layers) instead of starting a new one."""
    from workbench.qt.main_window import MainWindow
    from workbench.qt.qt_translations import install_qt_translations

    i18n.set_language(i18n.resolve_language(lang, settings.get("ui.language")))
    install_qt_translations(i18n.language())  # Qt's own dialogs and buttons follow the UI
    return MainWindow(
        con,
        cache_path=cache_path,
        settings=settings,
        workspace=workspace,
        warm_up=warm_up,
        ranks=ranks,
    )


class GuiSession:
    """The open cache and the current main window. New data (refresh, import, a command's
    write, another cache file) reloads the window in place; a language switch builds the
    widgets anew on the same Workspace, so filter, selection, layers and view stay."""

    def __init__(self, con: Any, cache_path: Path, settings: Settings) -> None:
        self.con = con
        self.cache_path = cache_path
        self.settings = settings
        self.window: Any = None
        self.watch: Any = None  # CacheWatch: lets a command use the cache (start_watch)
        self.early_sort: EarlySort | None = None  # for the first window's Workspace

    def start_watch(self) -> Any:
        """Give the cache to a command that asks for it, take it back after (issue #10)."""
        from workbench.qt.cache_watch import CacheWatch

        self.watch = CacheWatch(self)
        return self.watch

    def open_window(self, lang: str | None) -> Any:
        old = self.window
        if old is not None:
            old.detach_workspace()  # its tables' step must not run in the new window's jobs
        window = create_main_window(
            self.con,
            cache_path=self.cache_path,
            settings=self.settings,
            lang=lang,
            workspace=old.workspace if old is not None else None,
            warm_up=old is None,  # a new session: sort the rows while the window is built
            ranks=self.early_sort.ranks if old is None and self.early_sort else None,
        )
        window.languageRequested.connect(self.open_window)
        window.cacheSwitchRequested.connect(self.switch_cache)
        if old is not None:
            old.owns_workspace = False  # the new window carries the session on
            window.restoreGeometry(old.saveGeometry())
            if not (old.isMaximized() or old.isFullScreen()):
                window.resize(old.size())  # restoreGeometry clamps to the screen it guesses
            window.tabs.setCurrentIndex(old.tabs.currentIndex())
            view = old.map.view_extent()
            old.shutdown()
            old.hide()
            old.deleteLater()
        self.window = window
        window.show()
        if old is not None:
            window.layout().activate()  # the map gets its final size before the view is set
            window.map.set_extent(view, padding=0)
        return window

    def switch_cache(self, path: Path) -> Any:
        """Show another cache file (a real cache started from a demo one) in place."""
        con = Store.open(path).con
        old, self.con, self.cache_path = self.con, con, Path(path)
        self.window.release_cache()
        self.window.reopen_cache(con, self.cache_path)
        old.close()
        return self.window

    def close(self) -> None:
        if self.early_sort is not None:
            self.early_sort.stop()  # before the connection closes under it
        if self.watch is not None:
            self.watch.stop()
        if self.window is not None:
            self.window.shutdown()
            self.window.close()
            self.window = None
        self.con.close()


def start_gui(cache_path: Path, *, settings: Settings, lang: str | None) -> GuiSession | None:
    """Open the cache, run the first-start offer on an empty cache, show the window.

    None when the cache cannot be opened (the user has been told why).
    """
    from workbench.core.preload import start_call, start_preload

    if settings.get("user.jobcenter"):
        # The first query binds the jobcenter scope, and DuckDB's first bound parameter
        # imports pandas: overlap it with the open. Without a scope the start binds nothing
        # before the first paint, and the warm-up imports it after (issue #17).
        start_preload()
    cache_path = Path(cache_path)
    # The cache opens (keyring lookup, DuckDB's httpfs load and ATTACH, the retention
    # purge before the window shows any row) while Qt starts and the window's modules load.
    early = EarlySort()
    opened = start_call(lambda: _open_cache(cache_path, settings, early), "open-cache")
    try:
        from PySide6.QtWidgets import QMessageBox

        from workbench.qt.qt_translations import install_qt_translations

        ensure_app()
        i18n.set_language(i18n.resolve_language(lang, settings.get("ui.language")))
        install_qt_translations(i18n.language())  # the first-start dialogs precede the window
        import workbench.qt.main_window  # noqa: F401  (loaded while the cache opens)
    except BaseException:
        with contextlib.suppress(Exception):
            con = opened()
            early.stop()
            con.close()  # not left open behind the error
        raise
    try:
        con = opened()
    except CachePathError:
        text = i18n.tr("error.cache_path", path=str(cache_path))
        QMessageBox.critical(None, i18n.tr("error.title"), text)
        return None
    except PlainCacheError:
        text = i18n.tr("crypto.plain_cache", path=str(cache_path))
        QMessageBox.critical(None, i18n.tr("error.title"), text)
        return None
    except CacheKeyError:
        text = i18n.tr("crypto.key_error", path=str(cache_path), where=keys.describe_source())
        QMessageBox.critical(None, i18n.tr("error.title"), text)
        return None
    except WorkbenchError as exc:
        QMessageBox.critical(None, i18n.tr("error.title"), i18n.tr("error.cache", message=str(exc)))
        return None
    rejects_store.adopt_legacy_files(con)  # plain rejects CSVs of earlier versions
    session = GuiSession(con, cache_path, settings)
    session.early_sort = early
    try:
        choice = None
        if cache.is_empty(con):
            early.stop()  # the seed or a demo brings rows: the window sorts them itself
            early.ranks = None  # a new installation: Denmark before the first refresh
            from workbench.core.seed import apply_seed

            apply_seed(con)
        if cache.is_empty(con) and not os.environ.get("WORKBENCH_NO_FIRST_START"):
            from workbench.qt import first_start

            choice = first_start.ask_first_start(None, cache_path)
            if choice == "demo":
                first_start.build_demo_with_progress(None, con, settings=settings)
        window = session.open_window(lang)
        session.start_watch()
        if choice == "refresh":
            window.open_refresh_dialog()
    except BaseException:
        session.close()
        raise
    return session


class EarlySort:
    """The companies' display order, sorted in DuckDB (without the GIL) from the moment the
    cache is open, while pandas, Qt and the window's modules import (issue #17): the
    first window's Workspace gets ``ranks`` and finds it sorted or in progress. The
    retention purge deletes candidates only, so it cannot change this order."""

    def __init__(self) -> None:
        from workbench.core.search import DisplayRanks

        self.ranks: Any = DisplayRanks()
        self._cursor: Any = None
        self._done: Any = None

    def start(self, con: Any) -> None:
        from workbench.core.preload import start_call

        ranks, cursor = self.ranks, con.cursor()
        self._cursor = cursor

        def sort() -> Any:
            try:
                return ranks.get(cursor, "companies")
            finally:
                cursor.close()  # no cursor left to hold the file when a command asks for it

        self._done = start_call(sort, "early-sort")

    def stop(self) -> None:
        """Interrupt and wait for the sort (nothing is kept from an interrupted one)."""
        if self._done is None:
            return
        done, cursor, self._done = self._done, self._cursor, None
        with contextlib.suppress(Exception):  # closed already when the sort is done
            cursor.interrupt()
        with contextlib.suppress(Exception):
            done()


def _open_cache(cache_path: Path, settings: Settings, early: EarlySort) -> Any:
    """The cache's connection, expired rows purged (before the window shows any); the
    companies' display sort starts first."""
    con = Store.open(cache_path).con
    try:
        early.start(con)
        retention.purge_at_start(con, settings)
    except BaseException:
        early.stop()
        con.close()
        raise
    return con


def run_gui(
    cache_path: Path,
    *,
    settings: Settings,
    lang: str | None,
    workspace_file: Path | None = None,
) -> int:
    """Open the window on ``cache_path`` (and ``workspace_file``, a ``.jobkort``, when
    given: a double-click in Explorer) and run the event loop; returns the exit code."""
    session = start_gui(cache_path, settings=settings, lang=lang)  # starts Qt meanwhile
    if session is None:
        return 1
    app = ensure_app()
    if workspace_file is not None and session.window is not None:
        from workbench.qt.workspace_files import open_workspace

        open_workspace(session.window, workspace_file)
    try:
        return int(app.exec())
    finally:
        session.close()
