"""Qt's own texts in the UI language, and where file dialogs open.

Our texts come from :mod:`workbench.qt.i18n`; the buttons and labels Qt draws itself (file
dialogs, "Cancel" in message boxes, the context menu of a text field) come from the
translations PySide6 ships (``qtbase_da.qm``). They are installed with the UI language and
replaced when it changes; English needs none (Qt's source texts are English).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QStandardPaths, QTranslator

_installed: list[QTranslator] = []

# Qt's translation catalogues the widgets we use draw from.
CATALOGUES = ("qtbase",)

_LOCALES = {"da": QLocale(QLocale.Language.Danish, QLocale.Country.Denmark)}


def install_qt_translations(lang: str) -> list[str]:
    """Install Qt's catalogues for ``lang`` (removing the previous language's); returns the
    catalogues loaded. Numbers and dates in Qt's own widgets follow the same language."""
    app = QCoreApplication.instance()
    if app is None:
        return []
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(_LOCALES.get(lang, QLocale(QLocale.Language.English)))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded: list[str] = []
    if lang == "en":
        return loaded
    for name in CATALOGUES:
        translator = QTranslator(app)
        if translator.load(f"{name}_{lang}", folder):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(name)
    return loaded


def documents_dir() -> str:
    """Where file dialogs start: the user's documents folder (never the program's own
    folder, the working directory of a shortcut), else the home folder."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if docs and Path(docs).is_dir():
        return docs
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation) or str(
        Path.home()
    )
