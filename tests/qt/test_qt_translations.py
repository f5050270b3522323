"""Qt's own dialogs follow the UI language (issue #10), and file dialogs open in the user's
documents folder, not in the program's folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from workbench.core.config import load_settings


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    return box.button(QDialogButtonBox.StandardButton.Cancel).text()


@pytest.fixture
def session(qtbot, small_demo_cache):
    from workbench.core import cache
    from workbench.qt.app import GuiSession, ensure_app

    ensure_app()
    s = GuiSession(cache.connect(small_demo_cache), small_demo_cache, load_settings())
    yield s
    s.close()


def test_qt_dialogs_are_danish_and_follow_the_language_switch(qtbot, session):
    window = session.open_window("da")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert _cancel_text() == "Annuller"
    dialog = QFileDialog(window)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    labels = {w.text() for w in dialog.findChildren(type(window.busy_label))}
    assert "&Filnavn:" in labels  # "File &name:" of Qt's own file dialog
    dialog.deleteLater()

    window = session.open_window("en")  # View → Language → English
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert _cancel_text() == "Cancel"
    assert QMessageBox(QMessageBox.Icon.Question, "", "", QMessageBox.StandardButton.No).button(
        QMessageBox.StandardButton.No
    ).text() in ("&No", "No")

    window = session.open_window("da")
    qtbot.waitUntil(window.is_idle, timeout=30_000)
    assert _cancel_text() == "Annuller"


@pytest.fixture
def documents(tmp_path, monkeypatch) -> Path:
    """A home with a Documents folder, and a working directory elsewhere (the program's)."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    program = tmp_path / "program"
    program.mkdir()
    monkeypatch.chdir(program)
    return home / "Documents"


def test_import_file_dialog_opens_in_documents(qtbot, documents, cache_path, monkeypatch):
    from workbench.qt.import_wizard import ImportWizard

    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *args: (asked.append(args[2]), ("", ""))[1]
    )
    wizard = ImportWizard(cache_path)
    qtbot.addWidget(wizard)
    wizard.file_page._browse()
    assert [Path(p) for p in asked] == [documents]
    wizard.done(0)


def test_map_export_dialog_opens_in_documents(qtbot, documents, window, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args: (asked.append(args[2]), ("", ""))[1]
    )
    window.map_view.ask_export("png")
    assert len(asked) == 1 and Path(asked[0]).parent == documents
    assert Path(asked[0]).suffix == ".png"
