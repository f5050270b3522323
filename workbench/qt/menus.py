"""The main window's menu bar and the dialogs its entries open (refresh, import wizard,
language). A finished refresh or import asks the window to reload (its signals)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMessageBox

from workbench.qt.i18n import LANGUAGES, language, tr

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    """File (refresh, import, export table, quit), View (reset view, language) and Help
    (copy diagnostics, about)."""
    file_menu = window.menuBar().addMenu(tr("menu.file"))
    window.refresh_action = QAction(tr("menu.refresh"), window)
    window.refresh_action.triggered.connect(lambda: open_refresh_dialog(window))
    file_menu.addAction(window.refresh_action)
    window.import_action = QAction(tr("menu.import"), window)
    window.import_action.triggered.connect(lambda: open_import_wizard(window))
    file_menu.addAction(window.import_action)
    window.export_table_action = QAction(tr("table.export"), window)
    window.export_table_action.triggered.connect(window.ask_export_table)
    file_menu.addAction(window.export_table_action)
    window.purpose_action = QAction(tr("menu.purpose"), window)
    window.purpose_action.triggered.connect(window.privacy.change_purpose)
    file_menu.addAction(window.purpose_action)
    window.gis_export_action = QAction(tr("gis.menu"), window)
    window.gis_export_action.triggered.connect(lambda: _gis("ask_gis_export", window))
    file_menu.addAction(window.gis_export_action)
    window.import_areas_action = QAction(tr("gis.import_menu"), window)
    window.import_areas_action.triggered.connect(lambda: _gis("ask_import_areas", window))
    file_menu.addAction(window.import_areas_action)
    file_menu.addSeparator()
    from workbench.qt.workspace_files import add_menu_entries

    add_menu_entries(window, file_menu)
    file_menu.addSeparator()
    window.settings_action = QAction(tr("prefs.menu"), window)
    window.settings_action.triggered.connect(lambda: open_settings(window))
    file_menu.addAction(window.settings_action)
    file_menu.addSeparator()
    quit_action = QAction(tr("menu.quit"), window)
    quit_action.triggered.connect(window.close)
    file_menu.addAction(quit_action)
    view_menu = window.menuBar().addMenu(tr("menu.view"))
    reset = QAction(tr("menu.reset_view"), window)
    reset.triggered.connect(window.map.reset_view)
    view_menu.addAction(reset)
    view_menu.addAction(window.campaign_dock.toggleViewAction())  # Kampagner (issue #16)
    lang_menu = view_menu.addMenu(tr("menu.language"))
    group = QActionGroup(window)
    for lang, label in zip(LANGUAGES, ("Dansk", "English"), strict=True):
        act = QAction(label, window, checkable=True)
        act.setChecked(lang == language())
        act.triggered.connect(lambda _checked=False, code=lang: window.languageRequested.emit(code))
        group.addAction(act)
        lang_menu.addAction(act)
    if window.settings.locked("ui.language"):  # IT fixed the language: shown, not changeable
        lang_menu.setTitle(f"{tr('menu.language')} ({tr('settings.locked')})")
        for act in group.actions():
            act.setEnabled(act.isChecked())
            act.setToolTip(tr("settings.locked"))
        lang_menu.setToolTipsVisible(True)
    help_menu = window.menuBar().addMenu(tr("menu.help"))
    window.diagnose_action = QAction(tr("menu.diagnose"), window)
    window.diagnose_action.triggered.connect(lambda: _copy_diagnose(window))
    help_menu.addAction(window.diagnose_action)
    window.about_action = QAction(tr("menu.about"), window)
    window.about_action.triggered.connect(lambda: open_about(window))
    help_menu.addAction(window.about_action)


def _gis(name: str, window: MainWindow) -> None:
    from workbench.qt import gis_export

    getattr(gis_export, name)(window)


def open_about(window: MainWindow) -> Any:
    from workbench.qt.about import AboutDialog

    dialog = AboutDialog(window)
    dialog.open()
    return dialog


def open_settings(window: MainWindow) -> Any:
    """File > Settings; after a save the window (and its session: one shared Settings)
    holds the new values, and a new language is applied at once."""
    from workbench.qt.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.settings, window.cache_path, window)

    def saved(result: Any) -> None:
        window.settings.update_from(result.settings)
        text = SettingsDialog.message(result)
        window.statusBar().showMessage(text, 15000)
        if result.restart_needed:  # easy to miss in the status bar: say it once in a box
            box = QMessageBox(QMessageBox.Icon.Information, tr("prefs.title"), text, parent=window)
            box.setObjectName("settingsSaved")
            box.open()
        if "ui.language" in result.written:
            language_ = str(result.settings.get("ui.language"))
            dialog.finished.connect(lambda _code: window.languageRequested.emit(language_))

    dialog.saved.connect(saved)
    dialog.open()
    return dialog


def _copy_diagnose(window: MainWindow) -> None:
    from workbench.qt.about import copy_diagnose

    copy_diagnose(window)


def open_refresh_dialog(window: MainWindow) -> Any:
    """The refresh dialog; when a plugin wrote data, the window reloads after it closes."""
    from workbench.qt.refresh_dialog import RefreshDialog

    dialog = RefreshDialog(window.cache_path, window.settings, window)
    changed: list[bool] = []
    dialog.pluginFinished.connect(
        lambda _pid, result: changed.append(
            (result or {}).get("status") == "ok" if isinstance(result, dict) else False
        )
    )
    dialog.finished.connect(lambda _code: any(changed) and window.reloadRequested.emit())
    dialog.open()
    return dialog


def open_import_wizard(window: MainWindow) -> Any:
    """The import wizard; after a completed import the window reloads (or, when the import
    left a demo cache for a new real one, switches to that cache)."""
    from workbench.qt.import_wizard import ImportWizard

    wizard = ImportWizard(window.cache_path, window.settings, window)
    done: list[bool] = []
    wizard.importFinished.connect(lambda summary, _error: done.append(summary is not None))
    wizard.finished.connect(lambda _code: any(done) and _after_import(window, wizard.new_cache))
    wizard.open()
    return wizard


def _after_import(window: MainWindow, new_cache: Path | None) -> None:
    if new_cache is not None:
        window.cacheSwitchRequested.emit(new_cache)
    else:
        window.reloadRequested.emit()
