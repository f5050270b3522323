"""Help menu: About lists the sources with licence and last refresh; "Kopiér diagnose" puts a
report without personal data on the clipboard."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from workbench import __version__
from workbench.qt.menus import open_about


def test_about_dialog_shows_version_sources_and_licences(window, qtbot) -> None:
    dialog = open_about(window)
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert f"Jobkort workbench {__version__}" in text
    assert "Datakilder" in text and "Licens:" in text and "Senest opdateret: aldrig" in text
    names = [s.name for s in dialog.sources]
    assert names and all(name in text for name in names)
    dialog.close()


def test_copy_diagnose_puts_a_report_without_candidates_on_the_clipboard(window) -> None:
    window.diagnose_action.trigger()
    text = QApplication.clipboard().text()
    assert text.startswith("Jobkort workbench ") and "Sources:" in text
    ids = [
        r[0] for r in window.con.execute("SELECT candidate_id FROM candidates LIMIT 200").fetchall()
    ]
    assert ids and not any(i in text for i in ids)
    assert "kopieret" in window.statusBar().currentMessage()
